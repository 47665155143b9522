"""The search tables keep no text (schema 7): deletes give the indexed text again from the
spec's stored data, snippets and item texts are made when a hit is shown, and a cache whose
search rows cannot be made again is rebuilt rather than left with stale entries."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_helpers import touch_later


def _db(root: Path) -> Path:
    return root / ".sdd" / ".cache" / "sdd.db"


def _terms(root: Path) -> dict[str, dict[str, int]]:
    """``table -> term -> documents`` of the three search tables."""
    conn = sqlite3.connect(_db(root))
    try:
        out = {}
        for name in ("search_specs", "search_items", "search_raw"):
            conn.execute(f"CREATE VIRTUAL TABLE temp.t_{name} USING fts5vocab(main, {name}, row)")
            out[name] = dict(conn.execute(f"SELECT term, doc FROM temp.t_{name}").fetchall())
        return out
    finally:
        conn.close()


@pytest.fixture
def proj(cached, sdd_project, spec_text):  # type: ignore[no-untyped-def]
    return sdd_project({
        "pay/retry.md": spec_text("pay/retry", title="Retry payments",
                                  requirements=["The system MUST retry a zanzibarish payment."],
                                  scenarios=1, body_extra="A quixotic note.\n"),
        "pay/refund.md": spec_text("pay/refund", title="Refunds",
                                   requirements=["Refunds SHOULD be quixotic."]),
    })


def _search(run_sdd: Any, root: Path, *args: str) -> list[dict[str, Any]]:
    r = run_sdd("search", *args, "--format", "json", cwd=root)
    assert r.exit_code == 0, r.output
    return r.json()  # type: ignore[no-any-return]


def test_the_tables_keep_no_copy_of_the_text(proj, run_sdd):  # type: ignore[no-untyped-def]
    _search(run_sdd, proj.root, "payment")
    conn = sqlite3.connect(_db(proj.root))
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert not {"search_specs_content", "search_items_content", "search_raw_content"} & names
    finally:
        conn.close()


def test_an_edit_or_delete_leaves_no_stale_entry(proj, run_sdd):  # type: ignore[no-untyped-def]
    """The words a spec no longer holds are gone from every table's vocabulary (a delete
    given other text than was indexed would leave them, or fail)."""
    root = proj.root
    assert [h["id"] for h in _search(run_sdd, root, "zanzibarish")] == ["pay/retry"]
    reqs = _search(run_sdd, root, "zanzibarish", "--type", "requirement")
    assert [(h["id"], h["item_id"]) for h in reqs] == [("pay/retry", "REQ-01")]
    before = _terms(root)
    assert before["search_specs"]["quixot"] == 2 and before["search_raw"]["zanzibarish"] == 1
    assert before["search_items"]["zanzibarish"] == 1

    from sdd_core.testing import make_spec_text

    touch_later(root / ".sdd" / "specs" / "pay" / "retry.md",
                make_spec_text("pay/retry", title="Retry payments",
                               requirements=["The system MUST retry a payment."]))
    assert _search(run_sdd, root, "zanzibarish") == []
    assert _search(run_sdd, root, "zanzibarish", "--type", "requirement") == []
    after = _terms(root)
    assert "zanzibarish" not in after["search_raw"] and "zanzibarish" not in after["search_specs"]
    assert "zanzibarish" not in after["search_items"]
    assert after["search_specs"]["quixot"] == 1

    (root / ".sdd" / "specs" / "pay" / "refund.md").unlink()
    assert _search(run_sdd, root, "refunds") == []
    gone = _terms(root)
    assert "quixot" not in gone["search_specs"] and "quixotic" not in gone["search_raw"]
    # what is left is what a rebuild makes
    assert run_sdd("cache", "rebuild", cwd=root).exit_code == 0
    assert _terms(root) == gone


def test_snippets_and_items_are_those_of_the_reference_backend(proj, run_sdd):  # type: ignore[no-untyped-def]
    """Cut from the stored body and items as the ``scan`` backend cuts them."""
    root = proj.root
    for args in (("quixotic",), ("payment",), ("retry", "--type", "requirement"),
                 ("given", "--type", "scenario"), ("paymnt", "--fuzzy")):
        fts = _search(run_sdd, root, *args, "--backend", "fts5")
        scan = _search(run_sdd, root, *args, "--backend", "scan")
        assert fts, args
        keys = ("id", "title", "snippet", "matched", "item_id", "text")
        assert [{k: h.get(k) for k in keys} for h in fts] == \
            [{k: h.get(k) for k in keys} for h in scan], args
        assert all("«" in h["snippet"] for h in fts), args


def test_missing_spec_data_rebuilds_the_cache(proj, run_sdd):  # type: ignore[no-untyped-def]
    """Without a spec's stored data its indexed text cannot be given to the delete: the
    cache is damaged, and is rebuilt with one warning rather than left with stale entries."""
    root = proj.root
    _search(run_sdd, root, "payment")
    with sqlite3.connect(_db(root)) as conn:
        conn.execute("DELETE FROM spec_data WHERE sid = (SELECT sid FROM specs"
                     " WHERE id = 'pay/retry')")
    from sdd_core.testing import make_spec_text

    touch_later(root / ".sdd" / "specs" / "pay" / "retry.md",
                make_spec_text("pay/retry", title="Retry payments",
                               requirements=["The system MUST retry a payment."]))
    r = run_sdd("search", "zanzibarish", "--format", "json", cwd=root)
    assert r.exit_code == 0, r.output
    assert r.json() == []
    assert r.stderr.count("warning") == 1, r.stderr
    assert "zanzibarish" not in _terms(root)["search_raw"]


@pytest.mark.parametrize("module, name", [("sdd_sqlite.schema", "ROWS_VERSION"),
                                          ("sdd_core.basics", "ANALYSIS_VERSION")])
def test_rows_made_by_another_rows_or_analysis_version_are_made_again(  # type: ignore[no-untyped-def]
        proj, run_sdd, monkeypatch, module, name):
    """The search rows' text and the core's analysis of it are what deletes give FTS5
    again: when either's version moved, every file is read again."""
    import importlib

    mod = importlib.import_module(module)
    root = proj.root
    _search(run_sdd, root, "payment")
    with sqlite3.connect(_db(root)) as conn:
        conn.execute("UPDATE specs SET title='Stale' WHERE id='pay/retry'")
    r = run_sdd("query", "id:pay/retry", "--format", "json", cwd=root)
    assert [x["title"] for x in r.json()] == ["Stale"]  # trusted while the versions match
    monkeypatch.setattr(mod, name, getattr(mod, name) + 1)
    r = run_sdd("query", "id:pay/retry", "--format", "json", cwd=root)
    assert [x["title"] for x in r.json()] == ["Retry payments"]


# ---------------------------------------------------------------- edits of generated bodies


_LINES = st.sampled_from([
    "## Requirements", "### REQ-01: Login", "### REQ-02: Logout retry", "#### Notes",
    "The system MUST log in.", "- It SHOULD retry twice", "## Scenarios",
    "### Scenario: Happy path", "### Scenario 2: 결제 실패", "- **GIVEN** a user",
    "- WHEN they leave", "  THEN the session ends", "1. AND it is logged", "```", "~~~",
    "Prose with `code` and **bold** words.", "결제가 완료되면 영수증을 보낸다.", "", "# Title",
    "## Notes", "> quoted", "ÉTÉ naïve", "* list item",
])
_BODIES = st.lists(_LINES, max_size=25).map(lambda lines: "\n".join(lines))


def _vocab(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every entry of the search tables, with the spec's path for its sid (a refresh and a
    rebuild may number new specs differently), after FTS5's own integrity check."""
    from sdd_sqlite.search import ITEM_SHIFT

    conn = sqlite3.connect(db)
    try:
        paths = dict(conn.execute("SELECT sid, path FROM specs"))

        def doc(table: str, rowid: int) -> tuple[str, int]:
            if table == "search_items":
                return paths[rowid >> ITEM_SHIFT], rowid & ((1 << ITEM_SHIFT) - 1)
            return paths[rowid], 0

        out = {}
        for name in ("search_specs", "search_items", "search_raw"):
            kind = "row" if name == "search_raw" else "instance"  # (detail=none: no places)
            conn.execute(f"CREATE VIRTUAL TABLE temp.i_{name} USING"
                         f" fts5vocab(main, {name}, {kind})")
            rows = conn.execute(f"SELECT * FROM temp.i_{name}").fetchall()
            if kind == "instance":
                rows = [(term, doc(name, rowid), *rest) for term, rowid, *rest in rows]
            out[name] = sorted(rows)
            conn.execute(f"INSERT INTO {name}({name}) VALUES ('integrity-check')")
        return out
    finally:
        conn.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.lists(_BODIES, min_size=1, max_size=3),
       second=st.lists(_BODIES, min_size=1, max_size=3))
def test_edits_leave_the_index_a_rebuild_makes(tmp_path_factory, first, second):  # type: ignore[no-untyped-def]
    """Specs with generated bodies (requirements, scenarios, fences, CJK), edited into other
    generated bodies (and some deleted or added): the search tables after the refresh index
    exactly what a rebuild indexes, position for position."""
    import os

    from sdd_sqlite import store

    from sdd_core.project import Project
    from sdd_core.testing import make_spec_text, write_project

    root = tmp_path_factory.mktemp("p")

    def files(bodies: list[str]) -> dict[str, str]:
        return {f"s{i}.md": make_spec_text(f"s{i}", title=f"Spec {i}", scenarios=0,
                                           body_extra=body + "\n")
                for i, body in enumerate(bodies)}

    write_project(root, files(first))
    project = Project.discover(root)
    cache = store.Cache(project)
    try:
        cache.refresh()
        specs = root / ".sdd" / "specs"
        later = 1_800_000_000_000_000_000
        for name in os.listdir(specs):
            (specs / name).unlink()
        for rel, text in files(second).items():
            (specs / rel).write_text(text, encoding="utf-8")
            os.utime(specs / rel, ns=(later, later))
        cache.refresh()
        refreshed = _vocab(store.cache_path(project))
        cache.refresh(full=True)
        rebuilt = _vocab(store.cache_path(project))
        assert rebuilt == refreshed
    finally:
        cache.close()
