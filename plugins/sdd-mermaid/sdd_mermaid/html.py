"""The diagrams as HTML fragments for the HTML export and the site, and the Mermaid script.

A page gets ``<pre class="mermaid">`` blocks (the diagram's text, readable even without
JavaScript) and one small loader script. The loader fetches ``assets/mermaid.min.js``
relative to the site's root (the page's ``<meta name="sdd-root">``, or the page's own folder
when there is none), or the URL set as ``mermaid.script`` in ``.sdd/config.yml``. After an
HTML export, :func:`copy_script` puts Mermaid's file into the export's ``assets/`` folder
when it can find one, so the pages work offline.
"""

from __future__ import annotations

import html
import json
import os
import sys
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Project, Spec
    from sdd_mermaid.diagrams import SpecGraph

ASSET = "assets/mermaid.min.js"
ENV_SCRIPT = "SDD_MERMAID_JS"
_cache: weakref.WeakKeyDictionary[Any, tuple[Any, SpecGraph]] = weakref.WeakKeyDictionary()


def settings(project: Project) -> Any:
    """The ``mermaid:`` section of the config (defaults when absent)."""
    try:
        return project.settings("mermaid")
    except AttributeError:  # the section is not registered (plugin loaded by hand)
        from sdd_mermaid.config import MermaidSettings

        return MermaidSettings()


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://", "//"))


def script_source(project: Project) -> tuple[str | None, Path | None]:
    """Where Mermaid's browser bundle comes from: ``(url, None)`` for a URL to reference,
    ``(None, file)`` for a local ``mermaid.min.js`` to copy, ``(None, None)`` when none is
    known. Looked for in ``mermaid.script``, then ``$SDD_MERMAID_JS``, then the project's
    ``node_modules/mermaid/dist/``."""
    candidates = [settings(project).script, os.environ.get(ENV_SCRIPT)]
    for value in candidates:
        if not value:
            continue
        if _is_url(value):
            return value, None
        path = Path(value).expanduser()
        if not path.is_absolute():
            path = project.root / path
        if path.is_file():
            return None, path
    local = project.root / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
    if local.is_file():
        return None, local
    return None, None


def graph_for(project: Project) -> SpecGraph:
    """The project's resolved spec graph, built once per load of the specs."""
    from sdd_mermaid.diagrams import build_graph

    result = project.load()
    hit = _cache.get(project)
    if hit is not None and hit[0] is result:
        return hit[1]
    graph = build_graph(project, project.specs())
    _cache[project] = (result, graph)
    return graph


def figure(caption: str, text: str, kind: str) -> str:
    """One diagram: a captioned ``<pre class="mermaid">`` holding the escaped text."""
    return (f'<figure class="sdd-diagram" data-diagram="{html.escape(kind)}">'
            f"<figcaption>{html.escape(caption)}</figcaption>"
            f'<pre class="mermaid">{html.escape(text)}</pre></figure>')


def loader(project: Project) -> str:
    """The script that loads Mermaid once per page and draws every ``pre.mermaid``.

    When drawing is over, ``<html data-mermaid="done">`` (or ``"error"``) tells a test or
    a user script that the diagrams are final.
    """
    url, _ = script_source(project)
    cfg = settings(project)
    init = {"startOnLoad": False, "securityLevel": "strict", "theme": cfg.theme}
    return (
        "<script>(function () {\n"
        "  if (window.sddMermaid) { return; }\n"
        "  window.sddMermaid = true;\n"
        "  var meta = document.querySelector('meta[name=\"sdd-root\"]');\n"
        "  var root = meta ? meta.getAttribute('content') : '';\n"
        f"  var src = {json.dumps(url)} || root + {json.dumps(ASSET)};\n"
        "  var tag = document.createElement('script');\n"
        "  tag.src = src;\n"
        "  tag.onload = function () {\n"
        f"    mermaid.initialize({json.dumps(init)});\n"
        "    mermaid.run({querySelector: 'pre.mermaid'}).then(function () {\n"
        "      document.documentElement.dataset.mermaid = 'done';\n"
        "    }, function (err) {\n"
        "      document.documentElement.dataset.mermaid = 'error';\n"
        "      console.error('mermaid: ' + (err && err.message ? err.message : err));\n"
        "    });\n"
        "  };\n"
        "  tag.onerror = function () {\n"
        "    document.documentElement.dataset.mermaid = 'missing';\n"
        "  };\n"
        "  document.head.appendChild(tag);\n"
        "})();</script>"
    )


def extras(project: Project, spec: Spec | None) -> str | None:
    """The fragment for one page: project charts and graphs on the index (``spec`` is
    ``None``), the neighbourhood graph and scenario flows on a spec's page."""
    from sdd_mermaid import diagrams

    cfg = settings(project)
    graph = graph_for(project)
    figures: list[str] = []
    if spec is None:
        if not graph.specs:
            return None
        figures.append(figure("Specs by status", diagrams.status_pie(graph.specs), "status"))
        figures.append(figure("Specs by phase", diagrams.phase_chart(graph.specs), "phase"))
        figures.append(figure("Domains", diagrams.domain_graph(
            graph, diagrams.read_domains(project)), "domains"))
        if len(graph.specs) <= cfg.max_graph_specs:
            figures.append(figure("Dependencies", diagrams.dependency_graph(graph), "graph"))
    else:
        if spec.id not in graph.by_id:
            return None
        if graph.depends.get(spec.id) or graph.dependents.get(spec.id) or \
                graph.missing.get(spec.id):
            figures.append(figure("Dependencies", diagrams.neighbourhood(graph, spec.id),
                                  "neighbourhood"))
        for n, sc in enumerate(spec.scenarios, 1):
            figures.append(figure(sc.name or f"Scenario {n}", diagrams.scenario_flow(sc),
                                  "scenario"))
    if not figures:
        return None
    return ('<section class="sdd-diagrams"><h2>Diagrams</h2>' + "".join(figures)
            + "</section>" + loader(project))


def copy_script(project: Project, output: str, fmt: str) -> Path | None:
    """After an HTML export to ``output`` (a folder, or a file whose folder is used), put
    Mermaid's bundle at ``assets/mermaid.min.js`` there. Returns the file written, or
    ``None`` (a URL is referenced instead, or no bundle was found: a warning says what to
    do)."""
    import shutil

    url, source = script_source(project)
    if url is not None:
        return None
    out = Path(output)
    if not out.is_absolute():
        out = Path.cwd() / out
    folder = out if out.is_dir() else out.parent
    target = folder / ASSET
    if source is None:
        if not target.is_file():
            print(f"sdd: warning: mermaid.min.js not found, so the diagrams of the {fmt} export"
                  f" show as text: copy it to {target} (npm install mermaid), set"
                  f" {ENV_SCRIPT}, or set mermaid.script in .sdd/config.yml to its URL",
                  file=sys.stderr)
        return None
    try:
        if target.is_file() and target.stat().st_size == source.stat().st_size and \
                target.read_bytes() == source.read_bytes():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        print(f"sdd: warning: cannot copy {source} to {target}: {exc}", file=sys.stderr)
        return None
    return target
