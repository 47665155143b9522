"""The built-in file-scan backend against the reference evaluator (the conformance suite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdd_core.query import And, Field, Text
from sdd_core.testing import (
    EXAMPLE_QUERIES, IndexBackendConformance, assert_backend_conforms, check_example_project,
)


class TestFilesBackendConforms(IndexBackendConformance):
    backend = "files"
    max_examples = 40


def test_a_wrong_backend_is_caught(tmp_path: Path, sdd_plugin) -> None:  # type: ignore[no-untyped-def]
    """The suite fails a backend that drops a match, naming the query and the missing id."""
    from sdd_core import hookimpl
    from sdd_core.index import FileIndex, IndexBackendFactory

    class DropsLast(FileIndex):
        name = "drops-last"

        def query(self, node):  # type: ignore[no-untyped-def]
            return super().query(node)[:-1]

    class Plugin:
        @hookimpl
        def register_index_backends(self, register):  # type: ignore[no-untyped-def]
            register(IndexBackendFactory("drops-last", DropsLast))

    sdd_plugin(Plugin(), "drops-last")
    with pytest.raises(AssertionError, match=r"(?s)status:review phase:2.*missing: \['auth/session'\]"):
        check_example_project(tmp_path / "p", "drops-last")


def test_unsorted_results_are_caught(tmp_path: Path, sdd_plugin) -> None:  # type: ignore[no-untyped-def]
    from sdd_core import hookimpl
    from sdd_core.index import FileIndex, IndexBackendFactory

    class Reversed(FileIndex):
        name = "reversed"

        def query(self, node):  # type: ignore[no-untyped-def]
            return list(reversed(super().query(node)))

    class Plugin:
        @hookimpl
        def register_index_backends(self, register):  # type: ignore[no-untyped-def]
            register(IndexBackendFactory("reversed", Reversed))

    sdd_plugin(Plugin(), "reversed")
    project = check_example_project(tmp_path / "p", "files")
    with pytest.raises(AssertionError, match="wrong order"):
        assert_backend_conforms(project, "reversed", ["draft OR review"])


def test_queries_may_be_asts(tmp_path: Path) -> None:
    project = check_example_project(tmp_path / "p", "files")
    node = And((Field("domain", "=", ("auth",)), Text("rate", False)))
    assert assert_backend_conforms(project, "files", [node, "draft"]) == 2


def test_every_documented_example_is_in_the_fixed_cases() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "query.md").read_text()
    for example in ("status:review AND phase:2", "depends_on:user-auth",
                    "modified_after:2024-01-01", "reviewer:@alice AND NOT approved",
                    "domain:auth,billing -status:deprecated",
                    '(phase:>=3 OR tag:security) "rate limit"'):
        assert example in EXAMPLE_QUERIES
        assert example in doc
