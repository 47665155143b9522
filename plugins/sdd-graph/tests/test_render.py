"""`sdd graph`: Mermaid, DOT and JSON output shape, escaping, filters, the domain graph."""

from __future__ import annotations

import json
import os
import re

import pytest
from graph_helpers import spec

ODD = 'ui/say "hi" [now] — café #1 <b>'


@pytest.fixture
def root(sdd_project, graph):
    return sdd_project({
        "ui/odd/spec.md": spec(ODD),
        "ui/page/spec.md": spec("ui/page", depends=[ODD], body="Also see `api/list`."),
        "api/list/spec.md": spec("api/list", depends=["api/store"]),
        "api/store/spec.md": spec("api/store"),
        "ops/alone/spec.md": spec("ops/alone"),
    }).root


def test_json_shape(run_sdd, root):
    res = run_sdd("graph", "--format", "json", cwd=root)
    assert res.exit_code == 0, res.output
    data = res.json()
    assert sorted(n["id"] for n in data["nodes"]) == sorted(
        [ODD, "ui/page", "api/list", "api/store", "ops/alone"])
    assert {k for n in data["nodes"] for k in n} == {"id", "title", "status", "domain", "path"}
    assert sorted((e["source"], e["target"], e["type"]) for e in data["edges"]) == [
        ("api/list", "api/store", "explicit"),
        ("ui/page", "api/list", "inferred"),
        ("ui/page", ODD, "explicit"),
    ]


def test_mermaid_shape_and_escaping(run_sdd, root):
    out = run_sdd("graph", cwd=root).stdout
    lines = out.splitlines()
    assert lines[0] == "flowchart LR"
    nodes = [ln.strip() for ln in lines[1:] if "[" in ln and "--" not in ln and "-.-" not in ln]
    assert len(nodes) == 5
    for node in nodes:
        m = re.fullmatch(r'(n\d+)\["([^"]*)"\]', node)
        assert m, node  # a quoted label with no raw quote inside
    odd = next(n for n in nodes if "café" in n)
    assert '#quot;hi#quot;' in odd and "[now]" in odd and "#35;1" in odd and "#lt;b#gt;" in odd
    ids = {}
    for node in nodes:
        m = re.fullmatch(r'(n\d+)\["([^"]*)"\]', node)
        ids[m.group(2)] = m.group(1)
    odd_label = "ui/say #quot;hi#quot; [now] — café #35;1 #lt;b#gt;"
    edges = [ln.strip() for ln in lines if "-->" in ln or "-.->" in ln]
    assert f"{ids['ui/page']} --> {ids[odd_label]}" in edges
    assert f"{ids['ui/page']} -.-> {ids['api/list']}" in edges
    assert len(edges) == 3


def test_dot_shape_and_escaping(run_sdd, root):
    out = run_sdd("graph", "--format", "dot", cwd=root).stdout
    assert out.startswith("digraph sdd {") and out.rstrip().endswith("}")
    escaped = '"ui/say \\"hi\\" [now] — café #1 <b>"'
    assert f'"ui/page" -> {escaped} [style=solid];' in out
    assert '"ui/page" -> "api/list" [style=dashed];' in out
    # every statement line is balanced: quotes come in pairs once escapes are removed
    for line in out.splitlines()[1:-1]:
        assert line.replace('\\"', "").count('"') % 2 == 0, line


def test_root_and_depth(run_sdd, root):
    data = run_sdd("graph", "--root", "api/list", "--depth", "1", "--format", "json",
                   cwd=root).json()
    assert sorted(n["id"] for n in data["nodes"]) == ["api/list", "api/store", "ui/page"]
    data = run_sdd("graph", "--root", "api/store", "--format", "json", cwd=root).json()
    assert sorted(n["id"] for n in data["nodes"]) == ["api/list", "api/store", "ui/page"]
    assert run_sdd("graph", "--depth", "1", cwd=root).exit_code == 2


def test_domain_filter_marks_outside_neighbours(run_sdd, root):
    data = run_sdd("graph", "--domain", "api", "--format", "json", cwd=root).json()
    external = {n["id"]: n["external"] for n in data["nodes"]}
    assert external == {"api/list": False, "api/store": False, "ui/page": True}
    out = run_sdd("graph", "--domain", "api", cwd=root).stdout
    assert "classDef external" in out
    res = run_sdd("graph", "--domain", "nope", cwd=root)
    assert res.exit_code == 2 and "api" in res.stderr


def test_explicit_only(run_sdd, root):
    data = run_sdd("graph", "--explicit-only", "--format", "json", cwd=root).json()
    assert {e["type"] for e in data["edges"]} == {"explicit"}


def test_output_file(run_sdd, root, tmp_path):
    target = tmp_path / "g.dot"
    res = run_sdd("graph", "--format", "dot", "-o", str(target), cwd=root)
    assert res.exit_code == 0 and res.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("digraph sdd {")
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's 0600
    assert "Wrote 5 node(s) and 3 edge(s)" in res.stderr


def test_domain_graph(run_sdd, sdd_project, graph):
    domains = ("domains:\n  api: {description: API, dependencies: {uses: [store]}}\n"
               "  store: {description: Storage}\n  ui: {description: UI}\n"
               "rules:\n  - {from: store, to: ui, allowed: false, reason: \"no \\\"upward\\\" calls\"}\n")
    root = sdd_project({
        ".sdd/domains.yml": domains,
        "api/a/spec.md": spec("api/a", depends=["store/s"]),
        "store/s/spec.md": spec("store/s"),
        "ui/u/spec.md": spec("ui/u", depends=["api/a"]),
    }).root
    data = run_sdd("graph", "--domains", "--format", "json", cwd=root).json()
    assert [(n["id"], n["specs"]) for n in data["nodes"]] == [("api", 1), ("store", 1), ("ui", 1)]
    assert [(e["source"], e["target"], e["type"], e["count"]) for e in data["edges"]] == [
        ("api", "store", "uses", 1), ("store", "ui", "forbidden", 0), ("ui", "api", "observed", 1)]
    mer = run_sdd("graph", "--domains", cwd=root).stdout
    assert "--x" in mer and "#quot;upward#quot;" in mer
    dot = run_sdd("graph", "--domains", "--format", "dot", cwd=root).stdout
    assert 'label="forbidden: no \\"upward\\" calls"' in dot
    assert run_sdd("graph", "--domains", "--root", "api/a", cwd=root).exit_code == 2


def test_domain_graph_without_domains_file(run_sdd, root):
    res = run_sdd("graph", "--domains", "--format", "json", cwd=root)
    assert "no .sdd/domains.yml" in res.stderr
    data = json.loads(res.stdout)
    assert [n["id"] for n in data["nodes"]] == ["api", "ops", "ui"]
    assert data["edges"] == []  # every explicit dependency stays inside its domain


def test_help_has_example(run_sdd, graph):
    for cmd in (("graph",), ("quality",), ("impact", "report")):
        res = run_sdd(*cmd, "--help")
        assert res.exit_code == 0 and "Example:" in res.stdout
