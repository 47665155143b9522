"""Every diagram kind parses and renders in headless Chromium with the npm ``mermaid``
package, including labels with quotes, brackets, ``#``, ``;``, Korean, accents, Markdown
and very long titles. Skipped locally without Chromium or Mermaid; fails under CI then."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mermaid_browser as browser
import pytest
from mermaid_cases import LONG_TITLE, NASTY_TITLES
from sdd_mermaid import diagrams

pytestmark = pytest.mark.slow


def all_diagrams(project: Any) -> dict[str, str]:
    graph = diagrams.build_graph(project, project.specs())
    domains = diagrams.read_domains(project)
    out = {
        "graph": diagrams.dependency_graph(graph),
        "graph-td-flat": diagrams.dependency_graph(graph, direction="TD", cluster=False),
        "domains": diagrams.domain_graph(graph, domains),
        "domains-derived": diagrams.domain_graph(graph, domains, derived=True),
        "domains-none": diagrams.domain_graph(graph, None),
        "status": diagrams.status_pie(graph.specs, 'Status of "shop"; #1'),
        "phase": diagrams.phase_chart(graph.specs, "Phases; #2 [x]"),
        "status-empty": diagrams.status_pie([]),
        "phase-empty": diagrams.phase_chart([]),
    }
    for s in graph.specs:
        out[f"neighbourhood {s.id}"] = diagrams.neighbourhood(graph, s.id)
        out[f"flows {s.id}"] = diagrams.spec_flows(s)
        for n, sc in enumerate(s.scenarios, 1):
            out[f"scenario {s.id} {n}"] = diagrams.scenario_flow(sc)
    return out


def test_every_diagram_renders(sdd_project: Callable[..., Any], nasty_files: dict[str, str],
                               mermaid_plugin: Any) -> None:
    project = sdd_project(nasty_files)
    texts = all_diagrams(project)
    results = browser.render(texts)
    failed = {k: v["error"] for k, v in results.items() if not v["ok"]}
    assert not failed, failed
    assert set(results) == set(texts)
    types = {k.split(" ")[0]: v["type"] for k, v in results.items()}
    assert types["graph"].startswith("flowchart") and types["scenario"].startswith("flowchart")
    assert types["status"] == "pie" and types["phase"] == "xychart"

    shown = results["graph"]["text"]
    # What a reader sees: the characters themselves, not entities or broken syntax.
    assert 'Login with "quotes" and [brackets] (parens) {braces}' in shown
    assert "Session #1; expiry & <renewal> | pipes `ticks` 50%41" in shown
    assert "환불 처리 — Réfunds à la carte, naïve façade" in shown
    assert "**Bold** _italic_ [link](https://example.org) # heading; end" in shown
    assert LONG_TITLE not in shown and LONG_TITLE[:40] in shown and "…" in shown
    assert "billing/ghost (missing)" in shown
    assert NASTY_TITLES["o"] in shown

    flow = results["scenario billing/refunds 1"]["text"]
    for step in ('GIVEN a paid invoice with total > 100 & currency "EUR"',
                 "AND the customer's account #42; still open",
                 "WHEN the customer asks for a refund `now`", "BUT the card expired",
                 "THEN the refund is booked <em>as credit</em>"):
        assert step in flow
    assert 'AND an e-mail says "done" — 완료' in flow
    assert 'Status of "shop"; #1'.replace('"', "").replace(";", "").replace("#", "") \
        .split()[0] in results["status"]["text"]


def test_exported_page_draws_its_diagrams(sdd_project: Callable[..., Any],
                                          nasty_files: dict[str, str], mermaid_plugin: Any,
                                          run_sdd: Callable[..., Any], tmp_path: Path,
                                          monkeypatch: Any) -> None:
    """The single-page HTML export, opened from disk: the loader finds the copied bundle
    and every ``pre.mermaid`` becomes an SVG."""
    exe, js = browser.require_browser()
    project = sdd_project(nasty_files)
    monkeypatch.setenv("SDD_MERMAID_JS", str(js))
    out = tmp_path / "export" / "specs.html"
    out.parent.mkdir()
    r = run_sdd("-C", str(project.root), "export", "--format", "html", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert (out.parent / "assets" / "mermaid.min.js").read_bytes() == js.read_bytes()
    page = out.read_text(encoding="utf-8")
    blocks = page.count('<pre class="mermaid">')
    # index: status, phase, domains, graph; pages: a neighbourhood for the 6 specs (all have
    # a dependency or a dependent) and one flow per scenario (5 specs x 1 + refunds' 2).
    assert blocks == 4 + 6 + 7
    dom = browser.run_chromium(exe, ["--virtual-time-budget=60000", "--dump-dom",
                                     out.as_uri()])
    assert re.search(r'<html[^>]*data-mermaid="done"', dom), dom[:500]
    assert dom.count('data-processed="true"') == blocks
    assert dom.count("<svg") >= blocks
