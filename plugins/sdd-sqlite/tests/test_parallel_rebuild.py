"""A rebuild with worker processes writes exactly the cache an in-process rebuild writes."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sdd_core.testing import make_spec_text, write_project

from sdd_sqlite import schema, store

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here")


def _files(n: int) -> dict[str, str | bytes]:
    """Specs of every kind the cache stores differently: metadata, links, dependencies,
    non-ASCII and CJK text, reviews, duplicate ids, and files that cannot be parsed."""
    out: dict[str, str | bytes] = {}
    for i in range(n):
        folder = f"d{i % 5}" + ("/sub" if i % 3 == 0 else "")
        extra: dict[str, Any] = {"tags": [f"t{i % 4}", "Ünïcode"], "owner": f"Team {i % 3}",
                                 "phase": i % 4, "reviewers": ["@ann", "bob"],
                                 "custom": {"nested": i} if i % 2 else [1, True, None]}
        if i % 6 == 0:
            extra["reviews"] = [{"reviewer": "ann", "status": "Approved",
                                 "date": "2026-01-02"}]
        body = (f"See [the other](../s{(i + 1) % n}.md) and `d0/s{(i + 7) % n}`.\n"
                f"ÉTÉ naïve text {i}. 결제가 완료되면 영수증을 보낸다. 日本語のテキスト.\n")
        out[f"{folder}/s{i}.md"] = make_spec_text(
            title=f"Spec {i} Straße" if i % 4 == 0 else f"Spec {i}",
            status=("draft", "review", "approved")[i % 3],
            depends=[f"d{(i + 1) % 5}/s{(i + 1) % n}", "missing/x"] if i % 2 else None,
            extra=extra, requirements=[f"The system SHALL handle case {i}.",
                                       "It MUST log ÜBER events."],
            scenarios=1 + i % 3, body_extra=body)
    out["d0/dup.md"] = make_spec_text("d1/s1", title="Duplicate id")
    out["d1/broken.md"] = "---\ntitle: [unclosed\n---\n\n# Broken\n"
    out["d2/binary.md"] = b"\xff\xfe\x00garbage"
    out["d3/empty.md"] = ""
    return out


def _project(tmp_path: Path, n: int = 60) -> Any:
    from sdd_core.project import Project

    root = write_project(tmp_path / "proj", _files(n))
    past = 1_700_000_000_000_000_000  # long settled: no file is "racy"
    for dirpath, _, names in os.walk(root / ".sdd" / "specs"):
        for name in names:
            os.utime(os.path.join(dirpath, name), ns=(past, past))
    return Project.discover(root)


def _dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (with its rowid), and every entry of the full-text
    indexes, for comparison."""
    conn = sqlite3.connect(db)
    try:
        out: dict[str, list[tuple[Any, ...]]] = {}
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        virtual = [n for n in names if n in ("search_specs", "search_items", "search_raw")]
        for name in names:
            if any(name.startswith(v + "_") for v in virtual) and name != "search_raw_vocab" \
                    or name == "search_raw":
                continue  # an FTS5 index's shadow tables, and search_raw (no content of its
                # own): compared through fts5vocab
            rows = conn.execute(f"SELECT rowid, * FROM {name}" if name != "search_raw_vocab"
                                else f"SELECT * FROM {name}").fetchall()
            if name == "state":
                # (the order of its writes, so its rowids, may differ)
                rows = [r[1:] for r in rows if r[1] not in ("walk", "walk-paths", "last_refresh")]
            out[name] = sorted(rows, key=repr)
        for name in ("search_specs", "search_items", "search_raw"):
            conn.execute(f"CREATE VIRTUAL TABLE temp.v_{name} USING"
                         f" fts5vocab(main, {name}, instance)")
            out[f"vocab {name}"] = conn.execute(f"SELECT * FROM temp.v_{name}"
                                                " ORDER BY 1, 2, 3, 4").fetchall()
        out["indexes"] = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"
                                      " WHERE type IN ('index', 'trigger')"
                                      " ORDER BY name").fetchall()
        return out
    finally:
        conn.close()


def _rebuild(project: Any, monkeypatch: pytest.MonkeyPatch, jobs: int) -> store.RefreshReport:
    monkeypatch.setenv("SDD_CACHE_JOBS", str(jobs))
    cache = store.Cache(project)
    try:
        return cache.refresh(full=True)
    finally:
        cache.close()


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand even a small project to the workers, in many pieces."""
    monkeypatch.setattr(store, "PARALLEL_MIN", 1)
    monkeypatch.setattr(store, "CHUNK", 7)


def test_workers_write_the_same_cache_as_one_process(tmp_path: Path, small_pieces: None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path)
    db = store.cache_path(project)
    serial = _rebuild(project, monkeypatch, 0)
    assert serial.workers == 0
    one = _dump(db)
    assert len(one["specs"]) == 64 and one["search_items"] and one["meta_values"]
    assert any(r[-1] is not None for r in one["specs"])  # and the problems of broken files
    fresh = sqlite3.connect(":memory:")  # a rebuild leaves every index of a new cache
    schema.ensure_schema(fresh)
    assert one["indexes"] == fresh.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index',"
        " 'trigger') ORDER BY name").fetchall()
    fresh.close()

    parallel = _rebuild(project, monkeypatch, 2)
    assert parallel.workers == 2
    assert _dump(db) == one
    assert threading.active_count() == 1  # the pipe readers are gone
    with pytest.raises(ChildProcessError):  # and the workers reaped
        os.waitpid(-1, os.WNOHANG)
    assert (parallel.added, parallel.changed, parallel.deleted) == (
        serial.added, serial.changed, serial.deleted)

    # an incremental refresh after a rebuild by workers works on the same rows
    specs = project.specs_dir
    (specs / "d0" / "s5.md").unlink()
    (specs / "d4" / "new.md").write_text(make_spec_text(title="New"), encoding="utf-8")
    cache = store.Cache(project)
    try:
        report = cache.refresh()
    finally:
        cache.close()
    assert (report.added, report.deleted) == ([".sdd/specs/d4/new.md"], [".sdd/specs/d0/s5.md"])


def test_a_worker_that_dies_leaves_its_files_to_the_main_process(
        tmp_path: Path, small_pieces: None, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path, 30)
    db = store.cache_path(project)
    _rebuild(project, monkeypatch, 0)
    expected = _dump(db)

    main = os.getpid()
    real = store.prepare
    calls = []

    def dying(root: str, cut: int, work: list[Any]) -> Any:
        if os.getpid() != main and work[0][0] > 8:
            os._exit(3)  # a worker killed half-way
        calls.append(work[0][0])
        return real(root, cut, work)

    monkeypatch.setattr(store, "prepare", dying)
    report = _rebuild(project, monkeypatch, 2)
    assert report.workers == 2
    assert calls  # this process read the pieces of the dead worker
    assert _dump(db) == expected


def test_few_files_are_read_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    project = _project(tmp_path, 10)
    assert _rebuild(project, monkeypatch, 2).workers == 0  # below PARALLEL_MIN


def test_rebuild_of_a_project_without_specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    from sdd_core.project import Project

    project = Project.discover(write_project(tmp_path / "empty", {}))
    report = _rebuild(project, monkeypatch, 2)
    assert (report.added, report.workers) == ([], 0)
    assert _dump(store.cache_path(project))["specs"] == []


def test_a_large_refresh_by_workers_writes_what_one_process_writes(
        tmp_path: Path, small_pieces: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many changed files (a checkout of another branch): changed specs keep their sid,
    new ones get new sids, deleted ones go, as in a refresh that reads them itself."""
    dumps = []
    for jobs in (0, 2):
        project = _project(tmp_path / f"jobs{jobs}", 40)
        _rebuild(project, monkeypatch, 0)
        specs = project.specs_dir
        later = 1_800_000_000_000_000_000
        for i in range(0, 40, 3):  # edited, with their dependencies changed
            folder = f"d{i % 5}" + ("/sub" if i % 3 == 0 else "")
            path = specs / folder / f"s{i}.md"
            path.write_text(make_spec_text(title=f"Edited {i} Ä", depends=[f"d1/s{i + 1}"]),
                            encoding="utf-8")
            os.utime(path, ns=(later, later))
        for i in (1, 2, 4):
            (specs / f"d{i % 5}" / f"s{i}.md").unlink()
        for i in range(5):
            new = specs / "new" / f"n{i}.md"
            new.parent.mkdir(exist_ok=True)
            new.write_text(make_spec_text(title=f"New {i}", depends=["d0/sub/s0"]),
                           encoding="utf-8")
            os.utime(new, ns=(later, later))
        monkeypatch.setenv("SDD_CACHE_JOBS", str(jobs))
        cache = store.Cache(project)
        try:
            report = cache.refresh()
        finally:
            cache.close()
        assert report.workers == jobs and len(report.added) == 5 and len(report.deleted) == 3
        dumps.append(_dump(store.cache_path(project)))
        # the search indexes after the refresh hold what a rebuild puts in them (sids aside)
        refreshed = _vocab(store.cache_path(project))
        _rebuild(project, monkeypatch, jobs)
        assert _vocab(store.cache_path(project)) == refreshed
    assert dumps[0] == dumps[1]


def _vocab(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """``(term, documents, occurrences)`` of every search index."""
    conn = sqlite3.connect(db)
    try:
        out = {}
        for name in ("search_specs", "search_items", "search_raw"):
            conn.execute(f"CREATE VIRTUAL TABLE temp.r_{name} USING fts5vocab(main, {name}, row)")
            out[name] = conn.execute(f"SELECT * FROM temp.r_{name} ORDER BY 1").fetchall()
        assert out["search_raw"]
        return out
    finally:
        conn.close()
