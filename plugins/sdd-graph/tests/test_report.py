"""`sdd impact report`: most connected, orphans, every cycle, dangling refs, health."""

from __future__ import annotations

import pytest
from graph_helpers import spec


@pytest.fixture
def project_dir(sdd_project, graph):
    return sdd_project({
        # a strongly connected component of three with a chord (c3 -> c2)
        "p/c1/spec.md": spec("p/c1", depends=["p/c2"]),
        "p/c2/spec.md": spec("p/c2", depends=["p/c3"]),
        "p/c3/spec.md": spec("p/c3", depends=["p/c1", "p/c2"]),
        # a separate two-cycle
        "q/x/spec.md": spec("q/x", depends=["q/y"]),
        "q/y/spec.md": spec("q/y", depends=["q/x"]),
        # a self-loop
        "r/self/spec.md": spec("r/self", depends=["r/self"]),
        # no cycle, one dangling reference, and an inferred-only mutual mention (not a cycle)
        "s/free/spec.md": spec("s/free", depends=["p/c1", "s/nope"], body="See `s/peer`."),
        "s/peer/spec.md": spec("s/peer", body="See `s/free`."),
        "t/alone/spec.md": spec("t/alone"),
    }).root


def test_every_cycle_once_with_a_concrete_path(run_sdd, project_dir):
    res = run_sdd("impact", "report", "--format", "json", cwd=project_dir)
    assert res.exit_code == 0, res.output
    cycles = res.json()["cycles"]
    assert cycles == [
        {"members": ["p/c1", "p/c2", "p/c3"], "path": ["p/c1", "p/c2", "p/c3", "p/c1"],
         "size": 3},
        {"members": ["q/x", "q/y"], "path": ["q/x", "q/y", "q/x"], "size": 2},
        {"members": ["r/self"], "path": ["r/self", "r/self"], "size": 1},
    ]


def test_orphans_most_connected_dangling_and_health(run_sdd, project_dir):
    data = run_sdd("impact", "report", "--format", "json", cwd=project_dir).json()
    assert data["orphans"] == ["t/alone"]
    assert data["dangling"] == [{"spec": "s/free", "ref": "s/nope"}]
    assert (data["specs"], data["explicit"], data["inferred"]) == (9, 8, 2)  # c1c2 c2c3 c3c1 c3c2 xy yx self free-c1
    top = data["most_connected"][0]
    # p/c1: dependents c3 and s/free, dependency c2; p/c2: dependents c1, c3, dependency c3;
    # p/c3: dependents c2, dependencies c1 c2 -> all degree 3; ties by id
    assert top == {"id": "p/c1", "dependents": 2, "dependencies": 1, "degree": 3}
    assert [m["id"] for m in data["most_connected"][:3]] == ["p/c1", "p/c2", "p/c3"]
    health = data["health"]
    assert health["penalties"] == {"cycles": 30.0, "orphans": pytest.approx(20 / 9, abs=0.01),
                                   "dangling": 2.0}
    assert health["score"] == pytest.approx(100 - 30 - 20 / 9 - 2, abs=0.05)
    assert health["grade"] == "D"


def test_table_report(run_sdd, project_dir):
    res = run_sdd("impact", "report", cwd=project_dir)
    assert res.exit_code == 0
    out = res.stdout
    assert "Dependency cycles: 3" in out
    assert "q/x -> q/y -> q/x" in out and "r/self -> r/self" in out
    assert "Orphans (no edges): 1" in out and "s/free -> s/nope" in out


def test_healthy_project_scores_100(run_sdd, sdd_project, graph):
    root = sdd_project({"a/one/spec.md": spec("a/one"),
                        "a/two/spec.md": spec("a/two", depends=["a/one"])}).root
    data = run_sdd("impact", "report", "--format", "json", cwd=root).json()
    assert data["health"] == {"score": 100.0, "grade": "A",
                              "penalties": {"cycles": 0.0, "orphans": 0.0, "dangling": 0.0}}
    assert data["cycles"] == [] and data["orphans"] == []
