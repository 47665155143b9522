"""Built-in export formats: JSON, Markdown and a static HTML site."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sdd_core import hookimpl

if TYPE_CHECKING:
    from sdd_core.model import Spec
    from sdd_core.project import Project


def export_json(project: "Project", specs: "list[Spec]", options: dict[str, Any]) -> str:
    """Every spec as JSON (metadata, requirements, scenarios, body)."""
    import json

    from sdd_core.cli.output import to_jsonable

    data = {
        "project": project.settings("project").name or project.root.name,
        "constitution_version": project.constitution.version if project.constitution else None,
        "specs": [s.to_json() for s in specs],
    }
    return json.dumps(to_jsonable(data), indent=2, ensure_ascii=False) + "\n"


def export_markdown(project: "Project", specs: "list[Spec]", options: dict[str, Any]) -> str:
    """One Markdown document: a table of contents, then every spec's body."""
    name = project.settings("project").name or project.root.name
    out = [f"# {name}: specifications", ""]
    for s in specs:
        out.append(f"- [{s.title or s.id}](#{_anchor(s.id)}) — `{s.id}` ({s.status})")
    for s in specs:
        out += ["", "---", "", f'<a id="{_anchor(s.id)}"></a>', "",
                f"**{s.id}** · status: {s.status} · domain: {s.domain}"
                + (f" · depends: {', '.join(s.depends)}" if s.depends else ""), ""]
        out.append(s.body.strip())
    return "\n".join(out) + "\n"


def _anchor(spec_id: str) -> str:
    return "spec-" + "".join(c if c.isalnum() else "-" for c in spec_id.lower())


def _is_folder(output: Any) -> bool:
    import os
    from pathlib import Path

    text = str(output or "")
    return bool(text) and (text.endswith(("/", os.sep)) or Path(text).is_dir())


def export_html(project: "Project", specs: "list[Spec]", options: dict[str, Any]) -> str | None:
    """One self-contained HTML page with every spec; with ``-o`` naming a folder (ending in
    ``/`` or existing), the browsable site of the ``site`` export format instead."""
    if _is_folder(options.get("output")):
        import click

        if "site" not in project.exporters:
            raise click.UsageError("-o names a folder: a browsable site needs the `site` export"
                                   " format (pip install sdd-site); give a file name for one"
                                   " page")
        return project.exporters["site"].export(project, specs, options)  # type: ignore[no-any-return]
    import jinja2

    from sdd_core.parsing import render_html

    env = jinja2.Environment(loader=jinja2.PackageLoader("sdd_core", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]))
    by_id = {s.id: s for s in specs}
    dependents: dict[str, list[str]] = {}
    for s in specs:
        for d in s.depends:
            target = project.resolve_ref(d, by_id, s)
            if target is not None:
                dependents.setdefault(target.id, []).append(s.id)
    extras_index = [x for x in project.pm.hook.export_html_extras(project=project, spec=None) if x]
    pages = []
    for s in specs:
        extras = [x for x in project.pm.hook.export_html_extras(project=project, spec=s) if x]
        resolved = []
        for d in s.depends:
            t = project.resolve_ref(d, by_id, s)
            resolved.append((d, t.id if t else None))
        pages.append({"spec": s, "anchor": _anchor(s.id), "html": render_html(s.body),
                      "depends": resolved, "dependents": sorted(dependents.get(s.id, [])),
                      "extras": extras})
    return env.get_template("export.html.j2").render(
        title=project.settings("project").name or project.root.name,
        pages=pages, extras=extras_index, anchor=_anchor,
        statuses=sorted({s.status for s in specs}), domains=sorted({s.domain for s in specs}),
    )


@hookimpl(trylast=True)
def register_exporters(register):  # type: ignore[no-untyped-def]
    from sdd_core.registry import Exporter

    register(Exporter("json", "every spec as JSON", export_json, "application/json"))
    register(Exporter("markdown", "one Markdown document with every spec", export_markdown,
                      "text/markdown"))
    register(Exporter("html", "one HTML page with every spec, filterable", export_html,
                      "text/html"))
