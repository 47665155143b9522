"""``sdd mermaid ...`` through the CLI, and the diagrams' structure, hand-counted from the
fixture project (conftest.nasty_files)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sdd_mermaid import diagrams
from sdd_mermaid.text import node_id


@pytest.fixture
def nasty(sdd_project: Callable[..., Any], nasty_files: dict[str, str],
          mermaid_plugin: Any) -> Any:
    return sdd_project(nasty_files)


def mermaid(run_sdd: Callable[..., Any], project: Any, *args: str) -> Any:
    return run_sdd("-C", str(project.root), "mermaid", *args)


def edges(text: str) -> set[tuple[str, str]]:
    return set(re.findall(r"^\s*(\w+) -->(?:\|[^|]*\|)? (\w+)$", text, re.MULTILINE))


def test_graph_edges_classes_and_clusters(nasty: Any, run_sdd: Callable[..., Any]) -> None:
    r = mermaid(run_sdd, nasty, "graph")
    assert r.exit_code == 0, r.output
    text = r.stdout
    n = node_id
    assert text.startswith("flowchart LR\n")
    # depends, from the fixture: session->login, invoice->session (+ghost missing),
    # refunds->invoice, end->login, end->o, o->refunds
    assert edges(text) == {
        (n("auth/session"), n("auth/login")), (n("billing/invoice"), n("auth/session")),
        (n("billing/refunds"), n("billing/invoice")), (n("end"), n("auth/login")),
        (n("end"), n("o")), (n("o"), n("billing/refunds")),
    }
    assert re.search(rf"{n('billing/invoice')} -.-> m_\w+", text)
    assert '"billing/ghost (missing)"' in text
    subgraphs = re.findall(r"^  subgraph (\w+)\[\"([^\"]+)\"\]$", text, re.MULTILINE)
    assert [s[1] for s in subgraphs] == ["auth", "billing", "common"]
    assert text.count("\n  end\n") == 3
    assert f'{n("end")}["' in text and ":::deprecated" in text
    for status in ("draft", "review", "approved", "implemented", "deprecated", "missing"):
        assert f"classDef {status} " in text
    assert "classDef focus" not in text


def test_graph_filters_and_flat(nasty: Any, run_sdd: Callable[..., Any]) -> None:
    r = mermaid(run_sdd, nasty, "graph", "--domain", "auth", "--no-cluster", "--direction", "TD")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("flowchart TD\n") and "subgraph" not in r.stdout
    assert edges(r.stdout) == {(node_id("auth/session"), node_id("auth/login"))}
    assert node_id("billing/invoice") not in r.stdout
    # draft: refunds, o; deprecated: end
    r = mermaid(run_sdd, nasty, "graph", "--status", "draft,deprecated")
    assert edges(r.stdout) == {(node_id("end"), node_id("o")),
                               (node_id("o"), node_id("billing/refunds"))}


def test_domains_declared_and_derived(nasty: Any, run_sdd: Callable[..., Any]) -> None:
    r = mermaid(run_sdd, nasty, "domains")
    assert r.exit_code == 0, r.output
    d = lambda x: node_id(x, "d")
    assert f'{d("billing")} -->|"uses"| {d("auth")}' in r.stdout
    assert f'{d("billing")} ==>|"implements"| {d("common")}' in r.stdout
    assert '"auth<br/>2 specs"' in r.stdout and '"common<br/>2 specs"' in r.stdout
    r = mermaid(run_sdd, nasty, "domains", "--derived")
    # cross-domain spec edges: invoice->session (billing->auth), end->login (common->auth),
    # o->refunds (common->billing); end->o stays inside common.
    assert f'{d("billing")} -->|"1 dependency"| {d("auth")}' in r.stdout
    assert f'{d("common")} -->|"1 dependency"| {d("auth")}' in r.stdout
    assert f'{d("common")} -->|"1 dependency"| {d("billing")}' in r.stdout
    assert r.stdout.count("-->") == 3


def test_spec_flows(nasty: Any, run_sdd: Callable[..., Any]) -> None:
    r = mermaid(run_sdd, nasty, "spec", "billing/refunds")
    assert r.exit_code == 0, r.output
    assert r.stdout.count("subgraph sc") == 2
    assert '"(no steps)"' in r.stdout  # scenario 2 is empty
    r = mermaid(run_sdd, nasty, "spec", "billing/refunds", "--scenario", "1", "--format", "json")
    data = r.json()
    assert data["kind"] == "scenario" and data["spec"] == "billing/refunds"
    nodes = re.findall(r"^  (s\d+)[(\[].*:::(\w+)$", data["mermaid"], re.MULTILINE)
    # GIVEN, AND (continues GIVEN), WHEN, BUT (continues WHEN), THEN, AND (continues THEN)
    assert [k for _, k in nodes] == ["given", "given", "when", "when", "then", "then"]
    assert re.findall(r"^  (s\d) --> (s\d)$", data["mermaid"], re.MULTILINE) == [
        ("s1", "s2"), ("s2", "s3"), ("s3", "s4"), ("s4", "s5"), ("s5", "s6")]
    r = mermaid(run_sdd, nasty, "spec", "auth/session", "--deps")
    assert edges(r.stdout) == {(node_id("auth/session"), node_id("auth/login")),
                               (node_id("billing/invoice"), node_id("auth/session"))}
    assert f"class {node_id('auth/session')} focus" in r.stdout


def test_status_and_phase_charts(nasty: Any, run_sdd: Callable[..., Any]) -> None:
    r = mermaid(run_sdd, nasty, "status", "--format", "markdown")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("```mermaid\n---\n") and r.stdout.endswith("```\n")
    slices = re.findall(r'^  "(\w+)" : (\d+)$', r.stdout, re.MULTILINE)
    assert slices == [("draft", "2"), ("review", "1"), ("approved", "1"),
                      ("implemented", "1"), ("deprecated", "1")]
    r = mermaid(run_sdd, nasty, "status", "--by", "phase")
    # phases: login 1, session 1, invoice 2, refunds 2, o 3, end none; done: login, session
    assert '  x-axis "Phase" ["1", "2", "3", "none"]' in r.stdout
    assert "  bar [2, 2, 1, 1]" in r.stdout and "  line [2, 0, 0, 0]" in r.stdout
    r = mermaid(run_sdd, nasty, "status", "--domain", "auth")
    assert re.findall(r'^  "(\w+)" : (\d+)$', r.stdout, re.MULTILINE) == [("approved", "1"),
                                                                  ("implemented", "1")]


def test_output_file_and_errors(nasty: Any, run_sdd: Callable[..., Any], tmp_path: Path) -> None:
    out = tmp_path / "g.mmd"
    r = mermaid(run_sdd, nasty, "graph", "-o", str(out))
    assert r.exit_code == 0 and r.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("flowchart LR")
    assert "Wrote the graph diagram" in r.stderr
    r = mermaid(run_sdd, nasty, "spec", "no/such")
    assert r.exit_code == 1 and "no spec 'no/such'" in r.stderr and "Traceback" not in r.output
    r = mermaid(run_sdd, nasty, "spec", "auth/login", "--scenario", "9")
    assert r.exit_code == 1 and "has 1 scenario(s)" in r.stderr
    r = mermaid(run_sdd, nasty, "graph", "-o", str(tmp_path / "missing" / "g.mmd"))
    assert r.exit_code == 1 and "cannot write" in r.stderr
    for sub in ("graph", "domains", "spec", "status"):
        assert "Example:" in mermaid(run_sdd, nasty, sub, "--help").stdout


def test_domain_graph_without_domains_file(sdd_project: Callable[..., Any],
                                           spec_text: Callable[..., str]) -> None:
    project = sdd_project({"a/x.md": spec_text(depends=["b/y"]), "b/y.md": spec_text(),
                           "b/z.md": spec_text(depends=["b/y"])})
    graph = diagrams.build_graph(project, project.specs())
    assert diagrams.read_domains(project) is None
    text = diagrams.domain_graph(graph, None)
    assert edges(text) == {(node_id("a", "d"), node_id("b", "d"))}
    assert '"b<br/>2 specs"' in text


def test_graph_json_format(nasty: Any, run_sdd: Callable[..., Any]) -> None:
    r = mermaid(run_sdd, nasty, "graph", "--format", "json")
    data = json.loads(r.stdout)
    assert data["kind"] == "graph" and data["mermaid"].startswith("flowchart")
