"""The HTML export's diagrams: fragments through ``export_html_extras``, and where the page
gets Mermaid's script from."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def project(sdd_project: Callable[..., Any], nasty_files: dict[str, str],
            mermaid_plugin: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("SDD_MERMAID_JS", raising=False)
    return sdd_project(nasty_files)


def export(run_sdd: Callable[..., Any], project: Any, out: Path) -> Any:
    return run_sdd("-C", str(project.root), "export", "--format", "html", "-o", str(out))


def test_without_a_bundle_the_page_says_where_to_put_it(project: Any,
                                                        run_sdd: Callable[..., Any],
                                                        tmp_path: Path) -> None:
    out = tmp_path / "specs.html"
    r = export(run_sdd, project, out)
    assert r.exit_code == 0, r.output
    assert "mermaid.min.js not found" in r.stderr and str(tmp_path / "assets") in r.stderr
    assert not (tmp_path / "assets").exists()
    page = out.read_text(encoding="utf-8")
    captions = re.findall(r'<figure class="sdd-diagram" data-diagram="(\w+)">', page)
    assert captions[:4] == ["status", "phase", "domains", "graph"]
    assert page.count("window.sddMermaid = true") == 1 + 6  # the index and every spec
    assert 'var src = null || root + "assets/mermaid.min.js"' in page
    # The diagram text is HTML-escaped inside <pre>, so the page itself stays well-formed.
    pre = re.search(r'data-diagram="graph"><figcaption>Dependencies</figcaption>'
                    r'<pre class="mermaid">(.*?)</pre>', page, re.DOTALL)
    assert pre is not None and "<" not in pre.group(1)
    assert html.unescape(pre.group(1)).startswith("flowchart LR\n")


def test_project_node_modules_bundle_is_copied(project: Any, run_sdd: Callable[..., Any],
                                               tmp_path: Path) -> None:
    dist = project.root / "node_modules" / "mermaid" / "dist"
    dist.mkdir(parents=True)
    (dist / "mermaid.min.js").write_text("/* mermaid */")
    out = tmp_path / "out" / "specs.html"
    out.parent.mkdir()
    r = export(run_sdd, project, out)
    assert r.exit_code == 0 and "not found" not in r.stderr
    assert (out.parent / "assets" / "mermaid.min.js").read_text() == "/* mermaid */"


def test_configured_url_is_referenced(project: Any, run_sdd: Callable[..., Any],
                                      tmp_path: Path) -> None:
    (project.root / ".sdd" / "config.yml").write_text(
        "mermaid:\n  script: https://cdn.example.org/mermaid.min.js\n  theme: dark\n"
        "  max_graph_specs: 3\n")
    out = tmp_path / "specs.html"
    r = export(run_sdd, project, out)
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    assert 'var src = "https://cdn.example.org/mermaid.min.js"' in page
    assert '"theme": "dark"' in page
    assert not (tmp_path / "assets").exists() and "not found" not in r.stderr
    # 6 specs > max_graph_specs: the index leaves the whole graph out
    assert 'data-diagram="graph"' not in page and 'data-diagram="domains"' in page


def test_bad_config_is_a_project_error(project: Any, run_sdd: Callable[..., Any]) -> None:
    (project.root / ".sdd" / "config.yml").write_text("mermaid:\n  colour: red\n")
    r = run_sdd("-C", str(project.root), "mermaid", "graph")
    assert r.exit_code == 3 and "colour" in r.stderr


def test_no_extras_without_specs(sdd_project: Callable[..., Any], mermaid_plugin: Any) -> None:
    from sdd_mermaid.html import extras

    assert extras(sdd_project({}), None) is None
