"""Every documented query form through the CLI: the cache answers as the file scan does."""

from __future__ import annotations

import pytest
from sdd_core.conformance import EXAMPLE_QUERIES, example_project_files
from sdd_core.query import And, Field, Not, Or, Text, evaluate
from sdd_core.testing import write_project


@pytest.fixture
def example(tmp_path):  # type: ignore[no-untyped-def]
    return write_project(tmp_path / "example", dict(example_project_files()))


def test_every_example_query_through_the_cli(example, sdd_entrypoints, no_cache, run_sdd):
    sdd_entrypoints("sqlite")
    with_cache = {}
    for q in EXAMPLE_QUERIES:
        r = run_sdd("query", q, "--format", "json", cwd=example)
        assert r.exit_code == 0, (q, r.output)
        with_cache[q] = [row["id"] for row in r.json()]
    no_cache()
    for q in EXAMPLE_QUERIES:
        r = run_sdd("query", q, "--format", "json", cwd=example)
        assert [row["id"] for row in r.json()] == with_cache[q], q
    assert any(with_cache.values())


def test_hand_built_trees(example, sdd_entrypoints):  # type: ignore[no-untyped-def]
    from sdd_core.index import FileIndex
    from sdd_core.project import Project

    sdd_entrypoints("sqlite")
    project = Project(example)
    index = project.index("sqlite")
    reference = FileIndex(project).specs()
    nodes = [
        Not(Or((Field("status", "=", ("draft",)), Text("rate")))),
        And(()), Or(()),
        Field("phase", ">", (str(2**70),)), Field("phase", "<", (str(-(2**70)),)),
        Field("phase", "=", ("x",)), Field("updated", ">=", ("bad-date",)),
        Field("depends_on*", "=", ("NOPE",)), Not(Field("required_by", "=", ("user-auth",))),
        Field("has", "=", ("PRIORITY",)), Not(Field("priority", "=", ("high",))),
        Text("\u00e9t\u00e9", phrase=True),
    ]
    for node in nodes:
        expected = [s.id for s in evaluate(node, reference, project.resolve_ref)]
        assert [s.id for s in index.query(node)] == expected, node


def test_query_words_go_through_fts5_and_agree_with_scan(example, sdd_entrypoints,
                                                          no_cache, run_sdd):
    """With the cache, `sdd query` answers words with the fts5 search backend (stemmed,
    accents folded, prefixes); without it, with scan: the same specs."""
    queries = {
        "limits": ["auth/login", "billing/invoice", "billing/refund", "ops/runbook",
                   "search/index"],
        "cafe": ["search/index"],
        "hash* OR throttling": ["search/index", "user-auth"],
        '"rate-limit" -domain:billing': ["auth/login", "ops/runbook", "search/index"],
        "expiring domain:auth": ["auth/session"],
    }
    sdd_entrypoints("sqlite")
    explained = run_sdd("query", "limits", "--explain", "--format", "json", cwd=example).json()
    assert explained["ast"]["node"] == "search" and explained["ast"]["backend"] == "fts5"
    assert explained["ast"]["matches"] == 5
    for q, expected in queries.items():
        r = run_sdd("query", q, "--format", "json", cwd=example)
        assert [row["id"] for row in r.json()] == expected, q
    no_cache()
    for q, expected in queries.items():
        r = run_sdd("query", q, "--format", "json", cwd=example)
        assert [row["id"] for row in r.json()] == expected, q
