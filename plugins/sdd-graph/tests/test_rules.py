"""Validation rules: G001 cycles, G002 forbidden domain dependencies, G003 undeclared
domains, G004 a broken domains.yml."""

from __future__ import annotations

import pytest
from graph_helpers import line_of, spec


def _findings(run_sdd, root, code=None):
    res = run_sdd("validate", "--format", "json", cwd=root)
    found = res.json()["findings"]
    return res, [f for f in found if code is None or f["code"] == code]


def test_cycles_reported_once_each_on_the_smallest_id(run_sdd, sdd_project, graph):
    texts = {
        "p/c2/spec.md": spec("p/c2", depends=["p/c3"]),
        "p/c1/spec.md": spec("p/c1", depends=["p/c2"]),
        "p/c3/spec.md": spec("p/c3", depends=["p/c1"]),
        "q/y/spec.md": spec("q/y", depends=["q/x"]),
        "q/x/spec.md": spec("q/x", depends=["q/y"]),
        "r/self/spec.md": spec("r/self", depends=["r/self"]),
        "s/ok/spec.md": spec("s/ok", depends=["p/c1"]),
    }
    root = sdd_project(texts).root
    res, found = _findings(run_sdd, root, "G001")
    assert res.exit_code == 1
    got = [(f["path"], f["line"], f["severity"]) for f in found]
    dep_line = line_of(texts["p/c1/spec.md"], "depends:")
    assert got == [
        (".sdd/specs/p/c1/spec.md", dep_line, "error"),
        (".sdd/specs/q/x/spec.md", line_of(texts["q/x/spec.md"], "depends:"), "error"),
        (".sdd/specs/r/self/spec.md", line_of(texts["r/self/spec.md"], "depends:"), "error"),
    ]
    messages = [f["message"] for f in found]
    assert "p/c1 -> p/c2 -> p/c3 -> p/c1" in messages[0]
    assert "q/x -> q/y -> q/x" in messages[1]
    assert "r/self -> r/self" in messages[2]


def test_no_cycle_no_finding_and_inferred_loops_are_fine(run_sdd, sdd_project, graph):
    root = sdd_project({
        "a/one/spec.md": spec("a/one", body="See `a/two`."),
        "a/two/spec.md": spec("a/two", depends=["a/one"]),
    }).root
    res, found = _findings(run_sdd, root, "G001")
    assert found == [] and res.exit_code == 0


DOMAINS = """\
version: "1.0"
domains:
  core:
    description: Shared services
    dependencies:
      uses: []
  auth:
    description: Sign-in
    dependencies:
      uses: [core]
  billing:
    description: Money
    dependencies:
      uses:
        - auth
        - core
rules:
  - from: core
    to: billing
    type: uses
    allowed: false
    reason: core stays generic
  - from: billing
    to: auth
    allowed: false
    reason: billing talks to auth through events
"""


@pytest.fixture
def domain_project(sdd_project, graph):
    texts = {
        ".sdd/domains.yml": DOMAINS,
        "core/cache/spec.md": spec("core/cache", depends=["billing/pay"]),
        "billing/pay/spec.md": spec("billing/pay", depends=["core/clock"]),
        "core/clock/spec.md": spec("core/clock"),
        "auth/login/spec.md": spec("auth/login", depends=["core/clock"]),
        "ghost/thing/spec.md": spec("ghost/thing"),
    }
    return sdd_project(texts).root, texts


def test_forbidden_domain_dependencies(run_sdd, domain_project):
    root, texts = domain_project
    res, found = _findings(run_sdd, root, "G002")
    assert res.exit_code == 1
    got = {(f["path"], f["line"]) for f in found}
    assert got == {
        # a spec of core depends on a spec of billing
        (".sdd/specs/core/cache/spec.md", line_of(texts["core/cache/spec.md"], "depends:")),
        # domains.yml declares billing uses auth, which the second rule forbids
        (".sdd/domains.yml", line_of(DOMAINS, "        - auth")),
    }
    spec_finding = next(f for f in found if f["path"].endswith("cache/spec.md"))
    assert "core stays generic" in spec_finding["message"]
    assert "billing/pay" in spec_finding["message"]


def test_undeclared_domain_warns(run_sdd, domain_project):
    root, _ = domain_project
    _, found = _findings(run_sdd, root, "G003")
    assert [(f["path"], f["severity"]) for f in found] == [
        (".sdd/specs/ghost/thing/spec.md", "warning")]
    assert "'ghost'" in found[0]["message"] and "auth, billing, core" in found[0]["message"]


def test_no_domains_file_no_domain_findings(run_sdd, sdd_project, graph):
    root = sdd_project({"ghost/thing/spec.md": spec("ghost/thing"),
                        "core/a/spec.md": spec("core/a", depends=["ghost/thing"])}).root
    res, found = _findings(run_sdd, root)
    assert [f for f in found if f["code"] in ("G002", "G003", "G004")] == []
    assert res.exit_code == 0


def test_wildcard_and_specific_allow(run_sdd, sdd_project, graph):
    domains = ("domains:\n  a: {description: A}\n  b: {description: B}\n  c: {description: C}\n"
               "rules:\n  - {from: a, to: '*', allowed: false, reason: a is a leaf}\n"
               "  - {from: a, to: c, allowed: true}\n")
    root = sdd_project({
        ".sdd/domains.yml": domains,
        "a/x/spec.md": spec("a/x", depends=["b/y", "c/z"]),
        "b/y/spec.md": spec("b/y"), "c/z/spec.md": spec("c/z"),
    }).root
    _, found = _findings(run_sdd, root, "G002")
    assert len(found) == 1 and "'b/y'" in found[0]["message"]  # a -> c is allowed


def test_broken_domains_file(run_sdd, sdd_project, graph):
    text = "domains:\n  a:\n    description: A\n    dependencies:\n      uses: [nowhere]\n"
    root = sdd_project({".sdd/domains.yml": text, "a/x/spec.md": spec("a/x")}).root
    res, found = _findings(run_sdd, root, "G004")
    assert [(f["path"], f["line"]) for f in found] == [(".sdd/domains.yml", 5)]
    assert "'nowhere'" in found[0]["message"]
    root2 = sdd_project({".sdd/domains.yml": "domains: [oops\n"}, root=root.parent / "p2").root
    res, found = _findings(run_sdd, root2, "G004")
    assert res.exit_code == 1 and "not valid YAML" in found[0]["message"]


def test_rules_are_listed_by_plugins(run_sdd, graph):
    res = run_sdd("plugins", "--format", "json")
    graph_plugin = next(p for p in res.json()["plugins"] if p["name"] == "graph")
    assert {"register_commands", "register_rules", "register_quality_criteria"} <= set(
        graph_plugin["hooks"])


def test_cycle_through_sdd_tool_dependencies_key(run_sdd, sdd_project, graph):
    texts = {"a/one/spec.md": spec("a/one", dependencies=["a/two"]),
             "a/two/spec.md": spec("a/two", depends="a/one")}
    root = sdd_project(texts).root
    _, found = _findings(run_sdd, root, "G001")
    assert [(f["path"], f["line"]) for f in found] == [
        (".sdd/specs/a/one/spec.md", line_of(texts["a/one/spec.md"], "dependencies:"))]
    assert "a/one -> a/two -> a/one" in found[0]["message"]
