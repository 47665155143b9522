"""An edited spec's dependency edges are resolved against only the specs its references can
name (not every stub): the edges must equal those a full rebuild resolves."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sdd_core.project import Project
from sdd_core.testing import make_spec_text, write_project

FILES = ("a/x/spec.md", "a/y.md", "b/x/spec.md", "b/z/spec.md", "c.md", "dup1/spec.md",
         "dup2/spec.md")
REFS = ("a/x", "a/y", "b/x", "x", "./x", "../x/spec.md", "../a/y.md", ".sdd/specs/c.md",
        "specs/b/z", "/b/z/", "c", "C", "twin", "ghost", "a/x/spec.md", "../../c.md", "dup2")


def _edges(root: Path) -> list[tuple[str, str, str | None, str | None, str]]:
    with sqlite3.connect(root / ".sdd" / ".cache" / "sdd.db") as conn:
        return sorted(conn.execute(
            "SELECT from_id, ref, dst, to_id, type FROM dependencies").fetchall())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(refs=st.lists(st.lists(st.sampled_from(REFS), max_size=4), min_size=len(FILES),
                     max_size=len(FILES)),
       twins=st.booleans(), edited=st.lists(st.sampled_from(range(len(FILES))), min_size=1,
                                             max_size=3, unique=True))
# two specs share the id "twin": a reference by the second one's path names no spec (the
# first in walk order holds the id), which the partial stubs must reproduce
@example(refs=[["dup2", "dup1"], [], [], [], [], [], []], twins=True, edited=[0])
def test_edges_after_an_edit_equal_a_rebuild(tmp_path_factory: pytest.TempPathFactory,
                                             refs: list[list[str]], twins: bool,
                                             edited: list[int]) -> None:
    from sdd_sqlite.store import Cache

    root = tmp_path_factory.mktemp("p")
    files = {}
    for i, (rel, deps) in enumerate(zip(FILES, refs)):
        spec_id = "twin" if twins and rel.startswith("dup") else None
        files[rel] = make_spec_text(spec_id, title=f"S{i}", depends=deps,
                                    body_extra=f"See `{deps[0]}`." if deps else "")
    write_project(root, files)
    cache = Cache(Project(root))
    cache.refresh(full=True)
    for i in edited:  # same ids, new text: only these specs' edges are resolved again
        path = root / ".sdd" / "specs" / FILES[i]
        path.write_text(path.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    report = cache.refresh()
    assert sorted(report.changed) == sorted(f".sdd/specs/{FILES[i]}" for i in edited)
    after_edit = _edges(root)
    cache.refresh(full=True)
    assert after_edit == _edges(root)
    cache.close()
