"""`sdd impact ID`: transitive dependents over diamonds and cycles, paths, depth, risk."""

from __future__ import annotations

import pytest
from graph_helpers import spec

# app/a is changed.  b and c depend on it; d on both (a diamond); e on d; e and f depend on
# each other (a cycle); g on f.  h links to a (inferred), i depends on h.
STATUSES = {"a": "approved", "b": "implemented", "c": "approved", "d": "review", "e": "draft",
            "f": "deprecated", "g": "implemented", "h": "draft", "i": "approved"}
DEPENDS = {"b": ["a"], "c": ["a"], "d": ["b", "c"], "e": ["d", "f"], "f": ["e"], "g": ["f"],
           "i": ["h"]}


def _files(fillers: int = 30) -> dict[str, str]:
    files = {}
    for name, status in STATUSES.items():
        body = "See [the base](../a/spec.md)." if name == "h" else ""
        files[f"app/{name}/spec.md"] = spec(
            f"app/{name}", status=status, body=body,
            depends=[f"app/{d}" for d in DEPENDS.get(name, [])] or None)
    for n in range(fillers):  # unrelated specs, so the dependents are a small share
        files[f"zz/f{n:02d}/spec.md"] = spec(f"zz/f{n:02d}")
    return files


@pytest.fixture
def project_dir(sdd_project, graph):
    return sdd_project(_files()).root


def test_transitive_dependents_with_distance_and_path(run_sdd, project_dir):
    res = run_sdd("impact", "app/a", "--format", "json", cwd=project_dir)
    assert res.exit_code == 0, res.output
    data = res.json()
    got = {r["id"]: (r["distance"], r["path"], r["kind"]) for r in data["dependents"]}
    p = lambda *names: [f"app/{n}" for n in names]
    assert got == {
        "app/b": (1, p("a", "b"), "explicit"),
        "app/c": (1, p("a", "c"), "explicit"),
        "app/h": (1, p("a", "h"), "inferred"),
        "app/d": (2, p("a", "b", "d"), "explicit"),  # the diamond: reached once, via b
        "app/i": (2, p("a", "h", "i"), "inferred"),  # explicit edge after an inferred one
        "app/e": (3, p("a", "b", "d", "e"), "explicit"),
        "app/f": (4, p("a", "b", "d", "e", "f"), "explicit"),  # through the e<->f cycle
        "app/g": (5, p("a", "b", "d", "e", "f", "g"), "explicit"),
    }
    # nearest first
    assert [r["distance"] for r in data["dependents"]] == sorted(
        r["distance"] for r in data["dependents"])


def test_risk_score_by_hand(run_sdd, project_dir):
    data = run_sdd("impact", "app/a", "--format", "json", cwd=project_dir).json()
    # kind x status / distance for b c h d i e f g
    expected = (1.5 / 1 + 1.25 / 1 + 0.5 * 0.75 / 1 + 1.0 / 2 + 0.5 * 1.25 / 2 + 0.75 / 3
                + 0.25 / 4 + 1.5 / 5)
    risk = data["risk"]
    assert risk["score"] == pytest.approx(expected, abs=0.01)
    assert (risk["direct"], risk["transitive"], risk["in_cycle"]) == (3, 5, False)
    assert risk["level"] == "medium"  # 3 <= 4.55 < 10, and 8 of 38 other specs < 25%


def test_depth_limits_the_walk(run_sdd, project_dir):
    data = run_sdd("impact", "app/a", "--depth", "2", "--format", "json", cwd=project_dir).json()
    assert sorted(r["id"] for r in data["dependents"]) == ["app/b", "app/c", "app/d",
                                                          "app/h", "app/i"]


def test_spec_on_a_cycle_is_at_least_medium(run_sdd, project_dir):
    data = run_sdd("impact", "app/e", "--format", "json", cwd=project_dir).json()
    assert [(r["id"], r["distance"]) for r in data["dependents"]] == [("app/f", 1), ("app/g", 2)]
    risk = data["risk"]
    assert risk["in_cycle"] is True
    assert risk["score"] == pytest.approx(0.25 / 1 + 1.5 / 2)  # low by score ...
    assert risk["level"] == "medium"  # ... raised because the change comes back


def test_reverse_lists_what_a_spec_depends_on(run_sdd, project_dir):
    data = run_sdd("impact", "app/g", "--reverse", "--format", "json", cwd=project_dir).json()
    got = {r["id"]: (r["distance"], r["path"]) for r in data["dependencies"]}
    p = lambda *names: [f"app/{n}" for n in names]
    assert got == {"app/f": (1, p("g", "f")), "app/e": (2, p("g", "f", "e")),
                   "app/d": (3, p("g", "f", "e", "d")), "app/b": (4, p("g", "f", "e", "d", "b")),
                   "app/c": (4, p("g", "f", "e", "d", "c")),
                   "app/a": (5, p("g", "f", "e", "d", "b", "a"))}
    assert "risk" not in data


def test_large_share_of_the_project_is_high(run_sdd, sdd_project, graph):
    root = sdd_project(_files(fillers=0)).root  # 8 dependents of 8 other specs
    risk = run_sdd("impact", "app/a", "--format", "json", cwd=root).json()["risk"]
    assert risk["level"] == "high" and risk["share"] == 1.0


def test_leaf_has_no_risk_and_table_says_so(run_sdd, project_dir):
    res = run_sdd("impact", "app/g", cwd=project_dir)
    assert res.exit_code == 0
    assert "Risk: none" in res.stdout and "Nothing depends on it." in res.stdout


def test_table_shows_paths(run_sdd, project_dir):
    res = run_sdd("impact", "app/a", cwd=project_dir)
    assert "app/a <- app/b <- app/d <- app/e" in res.stdout
    assert "Risk: medium" in res.stdout


def test_spec_by_path_and_unknown_spec(run_sdd, project_dir):
    res = run_sdd("impact", ".sdd/specs/app/e/spec.md", "--format", "json", cwd=project_dir)
    assert res.exit_code == 0 and res.json()["id"] == "app/e"
    res = run_sdd("impact", "app/nope", cwd=project_dir)
    assert res.exit_code == 1 and "no spec 'app/nope'" in res.stderr
    assert "Traceback" not in res.output


def test_explicit_subcommand_name_works_too(run_sdd, project_dir):
    res = run_sdd("impact", "spec", "app/f", "--format", "json", cwd=project_dir)
    assert res.exit_code == 0 and res.json()["id"] == "app/f"


def test_help_lists_report(run_sdd, graph):
    res = run_sdd("impact", "--help")
    assert res.exit_code == 0
    assert "report" in res.stdout and "sdd impact [OPTIONS] ID" in res.stdout
    res = run_sdd("impact", "spec", "--help")
    assert "Example:" in res.stdout


def test_bad_depth_is_a_usage_error(run_sdd, project_dir):
    assert run_sdd("impact", "app/a", "--depth", "0", cwd=project_dir).exit_code == 2
