"""`sdd quality`: scores computed by hand, grades, --all mean, --min-score, the criteria hook."""

from __future__ import annotations

import pytest

FULL = """\
---
id: a/full
title: Full
status: approved
created: 2026-01-02
updated: 2026-01-03
author: alice
tags: [x]
depends: [b]
constitution_version: 1.0.0
---

# Full

> Everything a spec should have.

## Overview

Builds on [b](../../b/spec.md) and on `other/c`.

## Requirements

### REQ-01: One
- It MUST work.
- It SHOULD NOT break.

### REQ-02: Two
- It MAY cache.

### REQ-03: Three
- it just does things.

## Scenarios

### Scenario 1: Works
- **GIVEN** a
- **WHEN** b
- **THEN** c

### Scenario 2: Also works
- GIVEN a
- WHEN b
- THEN c
- AND d

### Scenario 3: Unfinished
- **GIVEN** only a start

## Constraints
- none
"""
# rfc2119 6 (MUST, SHOULD NOT, MAY) + scenarios 10 (2 complete) + requirements 5+2*2=9
# + dependencies 10 + structure 4*3+1+1=14 + constitution 10 + links 5+1+1=7 + metadata 10 = 76
FULL_SCORE = 6 + 10 + 9 + 10 + 14 + 10 + 7 + 10

MINIMAL = """\
---
title: B
status: draft
---

# B

## Requirements

### REQ-01: Only
- The system MUST work.
"""
# rfc2119 2 + scenarios 0 + requirements 7 + dependencies 5 + structure 8 + constitution 0
# + links 5 + metadata 4 = 31
MINIMAL_SCORE = 2 + 0 + 7 + 5 + 8 + 0 + 5 + 4

OLD = """\
---
id: other/c
title: C
status: draft
depends: [b, gone]
constitution_version: 0.9.0
---

# C

## Requirements

### REQ-01: x
- It SHALL be.

### REQ-02: y
- it should be, softly

## Scenarios

### Scenario 1: s
- GIVEN a
- WHEN b
- THEN c

## Notes
See [the site](https://example.com).
"""
# rfc2119 2 + scenarios 5 + requirements 7 + dependencies 10*1//2=5 + structure 13
# + constitution 5 (major behind) + links 5+1 + metadata 6 = 49
OLD_SCORE = 2 + 5 + 7 + 5 + 13 + 5 + 6 + 6


@pytest.fixture
def root(sdd_project, graph):
    return sdd_project({"a/full/spec.md": FULL, "b/spec.md": MINIMAL,
                        "other/c/spec.md": OLD}).root


def _by_id(data):
    return {s["id"]: s for s in data["specs"]}


def test_scores_by_hand(run_sdd, root):
    res = run_sdd("quality", "--all", "--format", "json", cwd=root)
    assert res.exit_code == 0, res.output
    data = res.json()
    got = {sid: (s["score"], s["grade"]) for sid, s in _by_id(data).items()}
    assert got == {"a/full": (FULL_SCORE, "C"), "b": (MINIMAL_SCORE, "F"),
                   "other/c": (OLD_SCORE, "F")}
    assert data["mean"] == pytest.approx((FULL_SCORE + MINIMAL_SCORE + OLD_SCORE) / 3, abs=0.05)
    assert data["grade"] == "F"


def test_breakdown_of_one_spec(run_sdd, root):
    data = run_sdd("quality", "a/full", "--format", "json", cwd=root).json()
    (only,) = data["specs"]
    points = {c["name"]: (c["points"], c["max"]) for c in only["criteria"]}
    assert points == {"rfc2119": (6, 10), "scenarios": (10, 20), "requirements": (9, 15),
                      "dependencies": (10, 10), "structure": (14, 15), "constitution": (10, 10),
                      "links": (7, 10), "metadata": (10, 10)}
    assert "mean" not in data


def test_breakdown_notes(run_sdd, root):
    data = run_sdd("quality", "other/c", "--format", "json", cwd=root).json()
    notes = {c["name"]: c["note"] for c in data["specs"][0]["criteria"]}
    assert "gone" in notes["dependencies"]
    assert "major version behind" in notes["constitution"]
    assert "1 without" in notes["requirements"]


def test_table_output(run_sdd, root):
    res = run_sdd("quality", "a/full", cwd=root)
    assert res.exit_code == 0 and f"a/full: {FULL_SCORE}/100 (C)" in res.stdout
    res = run_sdd("quality", "--all", cwd=root)
    assert "Project mean:" in res.stdout and "METADATA" in res.stdout


def test_min_score_exit_codes(run_sdd, root):
    res = run_sdd("quality", "--all", "--min-score", str(MINIMAL_SCORE + 1), cwd=root)
    assert res.exit_code == 1 and "b" in res.stderr.split(":")[-1]
    res = run_sdd("quality", "--all", "--min-score", str(MINIMAL_SCORE), cwd=root)
    assert res.exit_code == 0
    res = run_sdd("quality", "a/full", "--min-score", "80", "--format", "json", cwd=root)
    assert res.exit_code == 1 and res.json()["failed"] == ["a/full"]
    assert run_sdd("quality", "--min-score", "101", cwd=root).exit_code == 2
    assert run_sdd("quality", "a/full", "--all", cwd=root).exit_code == 2
    assert run_sdd("quality", "nope/x", cwd=root).exit_code == 1


OWNER_PLUGIN = '''\
from sdd_core import hookimpl
from sdd_graph import Criterion


def owner(spec):
    if spec.meta.get("owner"):
        return 10, "owner " + str(spec.meta["owner"])
    return 0, "no owner"


@hookimpl
def register_quality_criteria(register):
    register(Criterion("owner", 10, owner, "an owner is named"))
'''


def test_custom_criterion_from_a_project_plugin(run_sdd, sdd_project, graph):
    owned = FULL.replace("author: alice\n", "author: alice\nowner: team-a\n")
    root = sdd_project({".sdd/plugins/owner.py": OWNER_PLUGIN, "a/full/spec.md": owned,
                        "b/spec.md": MINIMAL, "other/c/spec.md": OLD}).root
    data = run_sdd("quality", "--all", "--format", "json", cwd=root).json()
    specs = _by_id(data)
    full = specs["a/full"]
    assert full["max"] == 110 and full["points"] == FULL_SCORE + 10
    assert full["score"] == round(100 * (FULL_SCORE + 10) / 110, 1)
    assert specs["b"]["score"] == round(100 * MINIMAL_SCORE / 110, 1)
    assert {"name": "owner", "points": 10, "max": 10, "note": "owner team-a"} in full["criteria"]


REPLACE_PLUGIN = '''\
from sdd_core import hookimpl
from sdd_graph import Criterion


@hookimpl
def register_quality_criteria(register):
    register(Criterion("links", 10, lambda spec: (10, "links do not matter here")))
'''


def test_custom_criterion_replaces_a_builtin(run_sdd, sdd_project, graph):
    root = sdd_project({".sdd/plugins/links.py": REPLACE_PLUGIN, "b/spec.md": MINIMAL}).root
    data = run_sdd("quality", "b", "--format", "json", cwd=root).json()
    (only,) = data["specs"]
    assert only["max"] == 100
    assert only["score"] == MINIMAL_SCORE - 5 + 10  # links 5 -> 10
    assert [c["name"] for c in only["criteria"]].count("links") == 1


def test_criteria_hook_with_a_registered_plugin(run_sdd, sdd_project, sdd_plugin, graph):
    import sdd_graph

    from sdd_core import hookimpl

    class Broken:
        @hookimpl
        def register_quality_criteria(self, register):
            def boom(spec):
                raise RuntimeError("nope")
            register(sdd_graph.Criterion("boom", 0, boom))

    sdd_plugin(Broken(), "broken")
    root = sdd_project({"b/spec.md": MINIMAL}).root
    res = run_sdd("quality", "b", "--format", "json", cwd=root)
    assert res.exit_code == 0
    crit = {c["name"]: c for c in res.json()["specs"][0]["criteria"]}
    assert crit["boom"]["points"] == 0 and "RuntimeError" in crit["boom"]["note"]
    assert res.json()["specs"][0]["score"] == MINIMAL_SCORE


def test_memo_gives_the_same_scores_and_follows_edits(run_sdd, root):
    first = run_sdd("quality", "--all", "--format", "json", cwd=root).json()
    assert (root / ".sdd/.cache/quality.json").is_file()
    again = run_sdd("quality", "--all", "--format", "json", cwd=root).json()
    assert again == first
    path = root / ".sdd/specs/b/spec.md"
    path.write_text(MINIMAL + "\n## Scenarios\n\n### Scenario 1: s\n- GIVEN a\n- WHEN b\n- THEN c\n",
                    encoding="utf-8")
    edited = _by_id(run_sdd("quality", "--all", "--format", "json", cwd=root).json())["b"]
    # scenarios 0 -> 5 and structure 8 -> 12
    assert edited["score"] == MINIMAL_SCORE + 5 + 4


BAD_PLUGIN = '''\
from sdd_core import hookimpl


@hookimpl
def register_quality_criteria(register, bogus):
    register(None)
'''

NOT_A_CRITERION = '''\
from sdd_core import hookimpl


@hookimpl
def register_quality_criteria(register):
    register(("owner", 10))
'''


def test_a_plugin_that_does_not_fit_the_hook_is_skipped(run_sdd, sdd_project, graph):
    root = sdd_project({".sdd/plugins/bad.py": BAD_PLUGIN, "b/spec.md": MINIMAL}).root
    res = run_sdd("quality", "b", "--format", "json", cwd=root)
    assert res.exit_code == 0, res.output
    assert "'local:bad' is skipped" in res.stderr and "bogus" in res.stderr
    assert res.json()["specs"][0]["score"] == MINIMAL_SCORE
    assert run_sdd("impact", "report", "--format", "json", cwd=root).exit_code == 0


def test_a_registration_that_is_not_a_criterion_is_skipped(run_sdd, sdd_project, graph):
    root = sdd_project({".sdd/plugins/odd.py": NOT_A_CRITERION, "b/spec.md": MINIMAL}).root
    res = run_sdd("quality", "b", "--format", "json", cwd=root)
    assert res.exit_code == 0 and "sdd_graph.Criterion" in res.stderr
    assert res.json()["specs"][0]["max"] == 100
