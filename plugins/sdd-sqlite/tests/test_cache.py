"""The cache behind the read commands: refreshes, corruption, upgrades, cache commands."""

from __future__ import annotations

import gc
import os
import sqlite3
import warnings
from pathlib import Path

import pytest
from sqlite_helpers import touch_later


def _db(root: Path) -> Path:
    return root / ".sdd" / ".cache" / "sdd.db"


def _ids(result) -> list[str]:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output
    return [row["id"] for row in result.json()]


@pytest.fixture
def proj(sdd_project, spec_text):  # type: ignore[no-untyped-def]
    return sdd_project({
        "auth/login/spec.md": spec_text("auth/login", title="Login", status="review",
                                        extra={"phase": 2, "tags": ["security"]}),
        "auth/session/spec.md": spec_text("auth/session", title="Session",
                                          depends=["auth/login"]),
        "billing/invoice.md": spec_text(title="Invoice", status="approved"),
    })


def test_backend_is_sqlite_and_cache_file_created(cached, proj, run_sdd):
    r = run_sdd("query", "--explain", "--format", "json", "draft", cwd=proj.root)
    assert r.json()["backend"] == "sqlite"
    assert _ids(run_sdd("list", "--format", "json", cwd=proj.root)) == [
        "auth/login", "auth/session", "billing/invoice"]
    assert _db(proj.root).is_file()


def test_adds_edits_deletes_and_renames_between_commands(cached, proj, run_sdd, spec_text):
    root = proj.root
    specs = root / ".sdd" / "specs"
    assert len(_ids(run_sdd("list", "--format", "json", cwd=root))) == 3

    (specs / "ops").mkdir()
    (specs / "ops" / "deploy.md").write_text(spec_text(title="Deploy"), encoding="utf-8")
    assert "ops/deploy" in _ids(run_sdd("list", "--format", "json", cwd=root))

    touch_later(specs / "billing" / "invoice.md",
                spec_text(title="Invoice v2", status="deprecated"))
    rows = run_sdd("list", "--format", "json", cwd=root).json()
    inv = next(r for r in rows if r["id"] == "billing/invoice")
    assert (inv["title"], inv["status"]) == ("Invoice v2", "deprecated")
    assert _ids(run_sdd("query", "status:deprecated", "--format", "json", cwd=root)) == [
        "billing/invoice"]

    (specs / "ops" / "deploy.md").unlink()
    assert "ops/deploy" not in _ids(run_sdd("list", "--format", "json", cwd=root))

    # rename: the path-derived id follows the file
    os.rename(specs / "billing" / "invoice.md", specs / "billing" / "receipt.md")
    ids = _ids(run_sdd("list", "--format", "json", cwd=root))
    assert "billing/receipt" in ids and "billing/invoice" not in ids
    assert _ids(run_sdd("query", "title:\"invoice v2\"", "--format", "json", cwd=root)) == [
        "billing/receipt"]
    assert run_sdd("cache", "verify", cwd=root).exit_code == 0


def test_same_size_same_second_edit_is_seen(cached, proj, run_sdd, spec_text):
    """An edit keeping the size and landing in the same mtime tick is caught by re-hashing
    recently modified files."""
    path = proj.root / ".sdd" / "specs" / "auth" / "login" / "spec.md"
    run_sdd("list", cwd=proj.root)
    st = os.stat(path)
    text = path.read_text(encoding="utf-8")
    new = text.replace("title: Login", "title: Lxgin")
    assert len(new) == len(text)
    path.write_text(new, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime, same size
    assert _ids(run_sdd("query", "title:lxgin", "--format", "json", cwd=proj.root)) == [
        "auth/login"]


def test_racy_files_are_rehashed_with_the_edited_ones(cached, proj, run_sdd, spec_text):
    """With the folders unchanged, a refresh compares only the files whose stat differs
    and the racy ones: a same-size, same-tick edit of a racy file is still seen next to an
    ordinary edit, and the cache matches the files."""
    root = proj.root
    for folder, dirs, files in os.walk(root / ".sdd"):
        for name in [*dirs, *files]:
            p = os.path.join(folder, name)
            st = os.stat(p)
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns - 120_000_000_000))
    run_sdd("list", cwd=root)  # every file settled
    login = root / ".sdd" / "specs" / "auth" / "login" / "spec.md"
    text = login.read_text(encoding="utf-8")
    login.write_text(text.replace("title: Login", "title: Lagin"), encoding="utf-8")
    assert _ids(run_sdd("query", "title:lagin", "--format", "json", cwd=root)) == [
        "auth/login"]  # read again, and racy: modified just now
    st = os.stat(login)
    login.write_text(text.replace("title: Login", "title: Lugin"), encoding="utf-8")
    os.utime(login, ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime, same size
    touch_later(root / ".sdd" / "specs" / "billing" / "invoice.md",
                spec_text(title="Invoice v3"))
    assert _ids(run_sdd("query", "title:lugin OR title:\"invoice v3\"", "--format", "json",
                        cwd=root)) == ["auth/login", "billing/invoice"]
    assert run_sdd("cache", "verify", cwd=root).exit_code == 0


def test_dependency_resolution_follows_added_specs(cached, sdd_project, spec_text, run_sdd):
    proj = sdd_project({"a.md": spec_text("a", depends=["b"])})
    root = proj.root
    assert _ids(run_sdd("query", "depends_on:b", "--format", "json", cwd=root)) == ["a"]
    r = run_sdd("validate", "--format", "json", cwd=root)
    assert [f["code"] for f in r.json()["findings"]] == ["E207"]
    (root / ".sdd" / "specs" / "b.md").write_text(spec_text("b", depends=["c"]),
                                                  encoding="utf-8")
    assert run_sdd("validate", "--format", "json", cwd=root).json()["findings"][0]["path"] \
        == ".sdd/specs/b.md"
    (root / ".sdd" / "specs" / "c.md").write_text(spec_text("c"), encoding="utf-8")
    assert _ids(run_sdd("query", "depends_on*:c", "--format", "json", cwd=root)) == ["a", "b"]
    assert _ids(run_sdd("query", "required_by*:a", "--format", "json", cwd=root)) == ["b", "c"]
    assert run_sdd("validate", cwd=root).exit_code == 0


def _validate_json(run_sdd, root):  # type: ignore[no-untyped-def]
    r = run_sdd("validate", "--format", "json", cwd=root)
    return r.exit_code, r.json()


def test_validate_from_cache_equals_no_cache(cached, no_cache, sdd_project, spec_text,
                                             run_sdd):
    proj = sdd_project({
        "a.md": spec_text("a", depends=["missing"], created=None),
        "b.md": spec_text("b", requirements=["no keyword here"], scenarios=0),
        "c.md": spec_text("c", body_extra="See [x](./nothere.md)."),
        "d.md": "---\nstatus: [\n---\n# Broken\n",
        "e.md": spec_text("a"),  # duplicate id
    })
    root = proj.root
    first = _validate_json(run_sdd, root)
    second = _validate_json(run_sdd, root)  # answered from stored findings
    with sqlite3.connect(_db(root)) as conn:
        assert conn.execute("SELECT count(*) FROM findings").fetchone()[0] == 4
    # a linked file appearing changes E208 although no spec changed
    (root / ".sdd" / "specs" / "nothere.md").write_text("# not a spec\n", encoding="utf-8")
    third = _validate_json(run_sdd, root)
    no_cache()
    assert _validate_json(run_sdd, root) == third
    os.unlink(root / ".sdd" / "specs" / "nothere.md")
    expected = _validate_json(run_sdd, root)
    assert first == second == expected
    codes = sorted(f["code"] for f in expected[1]["findings"])
    assert {"E201", "E204", "E205", "E206", "E207", "E208", "W001"} <= set(codes)
    assert expected[0] == 1


def test_validate_cache_invalidated_by_constitution(cached, no_cache, sdd_project, spec_text,
                                                    run_sdd):
    proj = sdd_project({"a.md": spec_text("a")}, constitution="1.0.0")
    root = proj.root
    assert _validate_json(run_sdd, root)[0] == 0
    (root / ".sdd" / "constitution.md").write_text("---\nversion: 2.0.0\n---\n# C\n",
                                                   encoding="utf-8")
    code, data = _validate_json(run_sdd, root)
    assert code == 1 and [f["code"] for f in data["findings"]] == ["E304"]


def test_corrupt_cache_is_rebuilt_with_one_warning(cached, proj, run_sdd):
    root = proj.root
    run_sdd("list", cwd=root)
    # the in-process run's connection lives until collected; SQLite shares a file's WAL index
    # between the connections of one process, which would mask the damage. A second `sdd`
    # process never shares it.
    gc.collect()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(f"{_db(root)}{suffix}"):
            os.unlink(f"{_db(root)}{suffix}")
    _db(root).write_bytes(b"this is not a database" * 100)
    r = run_sdd("list", "--format", "json", cwd=root)
    assert r.exit_code == 0
    assert len(r.json()) == 3
    assert r.stderr.count("warning") == 1 and "unreadable" in r.stderr
    r = run_sdd("list", "--format", "json", cwd=root)
    assert "warning" not in r.stderr


def test_truncated_cache_is_rebuilt(cached, proj, run_sdd):
    root = proj.root
    run_sdd("list", cwd=root)
    with sqlite3.connect(_db(root)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = _db(root).read_bytes()
    _db(root).write_bytes(data[: len(data) // 3])
    for suffix in ("-wal", "-shm"):
        if os.path.exists(f"{_db(root)}{suffix}"):
            os.unlink(f"{_db(root)}{suffix}")
    r = run_sdd("query", "status:review", "--format", "json", cwd=root)
    assert r.exit_code == 0, r.output
    assert [x["id"] for x in r.json()] == ["auth/login"]


def test_older_schema_is_upgraded(cached, proj, run_sdd):
    from sdd_sqlite import schema

    root = proj.root
    db = _db(root)
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    for statement in schema._statements(schema.SCHEMA_V1):
        conn.execute(statement)
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    r = run_sdd("validate", "--format", "json", cwd=root)
    assert r.json()["specs"] == 3
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"findings", "history"} <= tables
    conn.close()
    assert "warning" not in r.stderr


_FOLDING = {
    "a.md": ("ÉTÉ plans", "The ÜBER mode, Straße and ΣΊΣΥΦΟΣ."),
    "b.md": ("Plain ASCII Title", "Nothing SPECIAL here."),
    "c.md": ("Café menu", "Crêpes for all."),
    "d.md": ("Kelvin at 5 \u212a", "Cold."),  # KELVIN SIGN lower-cases to an ASCII k
}
_FOLDING_QUERIES = ("été", "ÉTÉ", "über", "straße", "σίσυφος", "special", "ascii title", "café",
                    "CRÊPES", "menu", "\"plans\"", "nothing -über", "é", "\"5 k\"", "cold")


def _folding_answers(run_sdd, root):  # type: ignore[no-untyped-def]
    """Exact (substring) text terms: the cache's own text matching, not the search backend."""
    return {q: _ids(run_sdd("query", q, "--exact", "--format", "json", cwd=root))
            for q in _FOLDING_QUERIES}


def test_text_terms_fold_case_as_python_does(cached, no_cache, sdd_project, spec_text,
                                             run_sdd):
    """SQLite's lower() folds ASCII letters only; terms still match non-ASCII text the way
    the reference evaluator (Python's str.lower) does."""
    proj = sdd_project({name: spec_text(name[0], title=title, body_extra=body)
                        for name, (title, body) in _FOLDING.items()})
    answers = _folding_answers(run_sdd, proj.root)
    assert answers["été"] == answers["ÉTÉ"] == answers["über"] == answers["σίσυφος"] == ["a"]
    assert answers["special"] == ["b"] and answers["CRÊPES"] == ["c"]
    assert answers['"5 k"'] == answers["cold"] == ["d"]
    with sqlite3.connect(_db(proj.root)) as conn:  # only the non-ASCII texts are kept
        assert [r[0] for r in conn.execute("SELECT title FROM texts ORDER BY title")] == [
            "Café menu", "Kelvin at 5 \u212a", "ÉTÉ plans"]
    no_cache()
    assert _folding_answers(run_sdd, proj.root) == answers


def test_version_4_cache_keeps_only_non_ascii_texts(cached, sdd_project, spec_text, run_sdd):
    """A version 4 cache has a ``texts`` row for every spec: upgrading drops those the
    query can lower-case itself, and the answers stay the same."""
    from sdd_sqlite import schema

    proj = sdd_project({name: spec_text(name[0], title=title, body_extra=body)
                        for name, (title, body) in _FOLDING.items()})
    root = proj.root
    expected = _folding_answers(run_sdd, root)
    with sqlite3.connect(_db(root)) as conn:  # as version 4 wrote it: every spec's text
        rows = conn.execute("SELECT s.sid, s.title, s.description, b.body FROM specs s"
                            " JOIN bodies b USING (sid)").fetchall()
        conn.executemany("INSERT OR REPLACE INTO texts VALUES (?, ?, ?)",
                         [(sid, t, f"{t}\n{d}\n{b}".lower()) for sid, t, d, b in rows])
        conn.execute("PRAGMA user_version=4")
    r = run_sdd("query", "été", "--format", "json", cwd=root)
    assert "warning" not in r.stderr  # upgraded in place, not rebuilt
    assert _folding_answers(run_sdd, root) == expected
    with sqlite3.connect(_db(root)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert [r[0] for r in conn.execute("SELECT title FROM texts ORDER BY title")] == [
            "Café menu", "Kelvin at 5 \u212a", "ÉTÉ plans"]


def test_new_cache_has_large_pages_and_old_ones_keep_theirs(cached, proj, run_sdd):
    from sdd_sqlite import schema

    root = proj.root
    assert _ids(run_sdd("list", "--format", "json", cwd=root))
    with sqlite3.connect(_db(root)) as conn:
        assert conn.execute("PRAGMA page_size").fetchone()[0] == schema.PAGE_SIZE == 16384
    cache_conn = schema.connect(_db(root))  # freed pages are not zeroed (write amplification)
    assert cache_conn.execute("PRAGMA secure_delete").fetchone()[0] == 0
    cache_conn.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{_db(root)}{suffix}"):
            os.unlink(f"{_db(root)}{suffix}")
    conn = sqlite3.connect(_db(root))  # a cache made with 4 KiB pages
    conn.execute("PRAGMA page_size=4096")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    assert run_sdd("cache", "rebuild", cwd=root).exit_code == 0
    assert _ids(run_sdd("query", "status:review", "--format", "json", cwd=root)) == [
        "auth/login"]
    with sqlite3.connect(_db(root)) as conn:
        assert conn.execute("PRAGMA page_size").fetchone()[0] == 4096


def test_newer_schema_is_replaced(cached, proj, run_sdd):
    root = proj.root
    db = _db(root)
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE future (x)")
    conn.execute("PRAGMA user_version=99")
    conn.commit()
    conn.close()
    r = run_sdd("list", "--format", "json", cwd=root)
    assert len(r.json()) == 3
    assert "another SDD version" in r.stderr


def test_cache_commands(cached, proj, run_sdd, spec_text):
    from sdd_sqlite.schema import SCHEMA_VERSION

    root = proj.root
    r = run_sdd("cache", "status", "--format", "json", cwd=root)
    assert r.json()["exists"] is False
    assert run_sdd("cache", "init", cwd=root).exit_code == 0
    data = run_sdd("cache", "status", "--format", "json", cwd=root).json()
    assert (data["specs"], data["schema_version"], data["stale"]) == (3, SCHEMA_VERSION, [])
    assert data["size"] > 0 and data["last_refresh"]
    (root / ".sdd" / "specs" / "new.md").write_text(spec_text("new"), encoding="utf-8")
    os.unlink(root / ".sdd" / "specs" / "billing" / "invoice.md")
    stale = run_sdd("cache", "status", "--format", "json", cwd=root).json()["stale"]
    assert stale == [{"path": ".sdd/specs/billing/invoice.md", "change": "deleted"},
                     {"path": ".sdd/specs/new.md", "change": "added"}]
    r = run_sdd("cache", "verify", "--no-refresh", "--format", "json", cwd=root)
    assert r.exit_code == 1
    assert {d["path"] for d in r.json()["differences"]} == {
        ".sdd/specs/billing/invoice.md", ".sdd/specs/new.md"}
    assert run_sdd("cache", "verify", cwd=root).exit_code == 0
    # tamper with the cache behind its back: verify lists the difference
    with sqlite3.connect(_db(root)) as conn:
        conn.execute("UPDATE specs SET title='Tampered' WHERE id='auth/login'")
    r = run_sdd("cache", "verify", "--format", "json", cwd=root)
    assert r.exit_code == 1
    assert r.json()["differences"] == [{"path": ".sdd/specs/auth/login/spec.md",
                                        "difference": "title differs"}]
    assert run_sdd("cache", "rebuild", cwd=root).exit_code == 0
    assert run_sdd("cache", "verify", cwd=root).exit_code == 0
    plan = root / ".sdd" / ".cache" / "stat-plan"
    assert plan.is_file() or os.environ.get("SDD_STATAHEAD") == "0"
    assert run_sdd("cache", "clear", cwd=root).exit_code == 0
    assert not _db(root).exists()
    assert not plan.exists()  # the stat-ahead plan goes with the cache


def test_show_and_lazy_fields_match_the_files(cached, proj, run_sdd):
    from sdd_core.index import FileIndex

    root = proj.root
    r = run_sdd("show", "auth/login", "--format", "json", cwd=root)
    data = r.json()
    assert data["dependents"] == ["auth/session"]
    fresh = {s.id: s for s in FileIndex(proj).specs()}
    assert data["body"] == fresh["auth/login"].body
    index = proj.index()
    assert index.name == "sqlite"
    for spec in index.specs():
        assert spec.model_dump() == fresh[spec.id].model_dump()
        assert spec == fresh[spec.id]
        assert spec.requirements == fresh[spec.id].requirements
    import copy
    import pickle

    spec = index.get("auth/session")
    assert pickle.loads(pickle.dumps(spec)) == fresh["auth/session"]
    assert copy.deepcopy(spec) == fresh["auth/session"]
    changed = spec.model_copy(update={"body": "x"})
    assert changed.body == "x" and changed.meta == fresh["auth/session"].meta


def test_front_matter_keys_and_fts_search(cached, sdd_project, spec_text):
    proj = sdd_project({
        "a.md": spec_text("a", title="Rate limiting", extra={"priority": "high"}),
        "b.md": spec_text("b", title="Café menu", body_extra="The cafe serves crêpes."),
    })
    index = proj.index()
    assert "priority" in index.front_matter_keys()
    hits = [s.id for s, _ in index.search("cafe")]
    assert hits == ["b"]  # diacritics removed by the tokenizer
    assert [s.id for s, _ in index.search("limiting")] == ["a"]


def test_unwritable_cache_falls_back_to_files(cached, proj, run_sdd):
    root = proj.root
    cache_dir = root / ".sdd" / ".cache"
    cache_dir.write_text("a file where the cache folder should be", encoding="utf-8")
    with warnings.catch_warnings():
        r = run_sdd("list", "--format", "json", cwd=root)
    assert r.exit_code == 0, r.output
    assert len(r.json()) == 3
    assert r.stderr.count("warning") == 1


# ------------------------------------------------- heavy fields kept as places in the body

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_LINES = st.sampled_from([
    "# Title", "## Requirements", "### REQ-01: Retry", "### REQ-02: Retry", "### REQ-1:Pay ##",
    "## Scenarios", "### Scenario 1: Pay", "### Scenario: Pay", "- **GIVEN** a card",
    "- **WHEN** paid", "- **THEN** ok", "- GIVEN  *a*  ", "* THEN the card", "The system MUST",
    "- The system SHALL retry", "```", "~~~", "# ", "##  ", "", "   ", "\t", "see [x](a.md)",
    "`catalog/x-1`", "Café", "결제", "  ### REQ-03: Indented", "#### Scenario 2: Deep",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES, max_size=30), st.booleans())
@example(["# T", "## Requirements", "### REQ-01: A", "x", "### REQ-02: B", "x",
          "## Scenarios", "### Scenario 1: S", "- **GIVEN** x", "- **GIVEN** x"], False)
def test_heavy_fields_come_back_whole(lines: list[str], crlf: bool) -> None:
    """Requirement texts kept as places in the body come back as the parser made them."""
    import pickle
    from types import SimpleNamespace

    from sdd_core.parsing import scan_body
    from sdd_sqlite import store

    body = ("\r\n" if crlf else "\n").join(lines)
    found = scan_body(body)
    fields = {"requirements": found.requirements, "scenarios": found.scenarios,
              "sections": found.sections, "links": found.links, "body": body}
    blob = store._heavy(SimpleNamespace(**fields))  # type: ignore[arg-type]
    back = store.inflate(pickle.loads(blob), body)
    assert back == fields
    if found.requirements and all(r.text for r in found.requirements):
        assert "requirements" in pickle.loads(blob)["_in_body"]


# the search tables as versions 5 and 6 made them (with a copy of the text; version 5's
# search_raw read its text from search_specs)
_V6_SEARCH = """
CREATE VIRTUAL TABLE search_specs USING fts5(title, description, requirements, scenarios,
    body, cjk, tokenize='porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE search_raw USING fts5(title, description, requirements, scenarios, body,
    {raw}, tokenize='unicode61 remove_diacritics 2', detail=none);
CREATE VIRTUAL TABLE search_raw_vocab USING fts5vocab(search_raw, 'row');
CREATE VIRTUAL TABLE search_items USING fts5(kind UNINDEXED, item_id UNINDEXED,
    raw UNINDEXED, title, text, cjk, tokenize='porter unicode61 remove_diacritics 2');
"""


@pytest.mark.parametrize("version, raw", [(5, "content='search_specs'"),
                                          (6, "content='', columnsize=0")])
def test_older_cache_is_refilled_in_the_lean_layout(cached, proj, run_sdd, version, raw):
    """A version 5 or 6 cache (search tables keeping a copy of the text, items with their
    kind as a column) upgrades without a warning: the old tables go, the rows are read
    again, and queries, search, snippets and prefix expansion answer as from a new cache."""
    from sdd_sqlite import schema

    root = proj.root

    def answers() -> list[object]:
        out = []
        for args in (("query", "status:review"), ("list",), ("search", "sess*"),
                     ("search", "login", "--type", "requirement"),
                     ("search", "login", "--type", "scenario")):
            r = run_sdd(*args, "--format", "json", cwd=root)
            assert r.exit_code == 0 and "warning" not in r.stderr, r.output
            out.append(r.json())
        return out

    expected = answers()
    assert any(hit["snippet"] for hit in expected[2])
    with sqlite3.connect(_db(root)) as conn:  # as that version wrote it
        for name in ("search_raw_vocab", "search_raw", "search_items", "search_specs"):
            conn.execute(f"DROP TABLE {name}")
        for statement in _V6_SEARCH.format(raw=raw).split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("INSERT INTO search_specs(rowid, title, body) VALUES (1, 'old', 'stale')")
        conn.execute(f"PRAGMA user_version={version}")
    assert answers() == expected
    with sqlite3.connect(_db(root)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION == 7
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert {"requirements", "scenarios"} <= tables
        assert conn.execute("SELECT count(*) FROM specs").fetchone()[0] == 3
        for name in ("search_raw", "search_specs", "search_items"):
            assert "content=''" in conn.execute(
                "SELECT sql FROM sqlite_master WHERE name=?", (name,)).fetchone()[0]


def test_requirements_and_scenarios_tables_follow_the_files(cached, sdd_project, spec_text,
                                                            run_sdd):
    """One row per requirement and per scenario, as the parser reads them, kept up to date
    by edits and deletes."""
    from sdd_core.parsing import parse_spec

    proj = sdd_project({
        "a.md": spec_text("a", requirements=["The system MUST log in.", "It SHOULD retry."],
                          scenarios=2),
        "b.md": spec_text("b", requirements=["It MAY cache."], scenarios=1),
    })
    root = proj.root
    specs = root / ".sdd" / "specs"

    def expected() -> tuple[list[tuple], list[tuple]]:  # type: ignore[type-arg]
        reqs: list[tuple] = []  # type: ignore[type-arg]
        scens: list[tuple] = []  # type: ignore[type-arg]
        for path in sorted(specs.glob("*.md")):
            spec = parse_spec(path.read_bytes(), f".sdd/specs/{path.name}", path.name).spec
            assert spec is not None
            reqs += [(spec.id, r.id, r.title, r.text, ",".join(r.keywords), r.line)
                     for r in spec.requirements]
            scens += [(spec.id, s.name, s.line, len(s.steps), int(s.complete))
                      for s in spec.scenarios]
        return sorted(reqs), sorted(scens)

    def stored() -> tuple[list[tuple], list[tuple]]:  # type: ignore[type-arg]
        assert run_sdd("list", cwd=root).exit_code == 0  # refresh
        with sqlite3.connect(_db(root)) as conn:
            reqs = conn.execute("SELECT s.id, r.req_id, r.title, r.text, r.keywords, r.line"
                                " FROM requirements r JOIN specs s USING (sid)").fetchall()
            scens = conn.execute("SELECT s.id, c.name, c.line, c.steps, c.complete"
                                 " FROM scenarios c JOIN specs s USING (sid)").fetchall()
        return sorted(reqs), sorted(scens)

    got = stored()
    assert got == expected()
    assert len(got[0]) == 3 and len(got[1]) == 3
    assert {r[4] for r in got[0]} == {"MUST", "SHOULD", "MAY"}
    touch_later(specs / "a.md", spec_text("a", requirements=["It SHALL stop."], scenarios=0))
    (specs / "b.md").unlink()
    got = stored()
    assert got == expected()
    assert [r[3] for r in got[0]] == ["- It SHALL stop."] and got[1] == []


def test_racy_files_are_found_through_an_index(cached, proj, run_sdd):
    """Every refresh after an edit looks up the racy files: a partial index answers it
    without scanning ``specs``."""
    assert run_sdd("list", cwd=proj.root).exit_code == 0
    with sqlite3.connect(_db(proj.root)) as conn:
        for sql in ("SELECT path FROM specs WHERE racy",
                    "SELECT EXISTS (SELECT 1 FROM specs WHERE racy)"):
            plan = " ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert "USING INDEX specs_racy" in plan, plan


def test_rows_of_another_parser_version_are_read_again(cached, proj, run_sdd, monkeypatch):
    """A cache filled by a parser that made something else of the same files (an older
    SDD) reads every file again, although no file changed."""
    from sdd_core import basics

    root = proj.root
    assert run_sdd("list", cwd=root).exit_code == 0
    with sqlite3.connect(_db(root)) as conn:  # as a parser that got the title wrong left it
        conn.execute("UPDATE specs SET title='Stale' WHERE id='auth/login'")
        conn.execute("UPDATE state SET value='1' WHERE key='parser'")
    r = run_sdd("query", "id:auth/login", "--format", "json", cwd=root)
    assert [x["title"] for x in r.json()] == ["Login"]
    assert run_sdd("cache", "verify", cwd=root).exit_code == 0
    with sqlite3.connect(_db(root)) as conn:  # while the version matches, rows are trusted
        conn.execute("UPDATE specs SET title='Kept' WHERE id='auth/login'")
    r = run_sdd("query", "id:auth/login", "--format", "json", cwd=root)
    assert [x["title"] for x in r.json()] == ["Kept"]
    monkeypatch.setattr(basics, "PARSE_VERSION", basics.PARSE_VERSION + 1)
    r = run_sdd("query", "id:auth/login", "--format", "json", cwd=root)
    assert [x["title"] for x in r.json()] == ["Login"]


def test_front_matter_terms_are_matched_per_spec_through_meta_sid(cached, proj, run_sdd):
    """``meta_values`` has one index, on ``sid``: a front matter term (``has:`` or any key)
    is matched per spec through it, and gives the reference evaluator's answers."""
    root = proj.root
    r = run_sdd("query", "phase:2 OR has:tags", "--format", "json", cwd=root)
    assert sorted(x["id"] for x in r.json()) == ["auth/login"]
    r = run_sdd("query", "constitution_version:1.0.0", "--format", "json", cwd=root)
    assert len(r.json()) == 3
    with sqlite3.connect(_db(root)) as conn:
        names = {n for (n,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='meta_values'")}
        assert names == {"meta_sid"}
        for cond in ("x.key_lc = 'tags'", "x.key = 'owner' AND x.value_lc = 'x'"):
            plan = " ".join(r[3] for r in conn.execute(
                f"EXPLAIN QUERY PLAN SELECT s.sid FROM specs s WHERE EXISTS (SELECT 1 FROM"
                f" meta_values x WHERE x.sid = s.sid AND {cond})"))
            assert "USING INDEX meta_sid" in plan, plan


def test_has_and_front_matter_keys_without_rows_for_built_in_names(cached, sdd_project,
                                                                    spec_text, run_sdd):
    """``meta_values`` holds rows only for keys a query can compare; ``has:`` finds every
    key (any case, odd characters included) through ``specs.keys_lc``, as the reference
    evaluator does."""
    proj = sdd_project({
        "a.md": spec_text("a", extra={"Owner": "Team A", "tags": ["x"],
                                      "we\\nird": 1, "multi\nline": 2}),
        "b.md": spec_text("b", extra={"owner": "team b"}),
        "c.md": spec_text("c"),
    })
    root = proj.root
    cases = {"has:owner": ["a", "b"], "has:OWNER": ["a", "b"], "has:tags": ["a"],
             "has:status": ["a", "b", "c"], "has:missing": [], 'Owner:"team a"': ["a"], 'owner:"team b"': ["b"],
             "has:we\\nird": ["a"], "has:multi": [], "has:line": [], "tag:x": ["a"],
             "has:constitution_version": ["a", "b", "c"]}
    for text, want in cases.items():
        got = run_sdd("query", text, "--format", "json", cwd=root)
        assert got.exit_code == 0, (text, got.output)
        ref = run_sdd("query", text, "--format", "json", cwd=root,
                      env={"SDD_DISABLE_PLUGINS": "sqlite"})
        assert sorted(x["id"] for x in got.json()) == want == \
            sorted(x["id"] for x in ref.json()), text
    with sqlite3.connect(_db(root)) as conn:
        keys = {k for (k,) in conn.execute("SELECT DISTINCT key FROM meta_values")}
        assert keys == {"Owner", "owner", "we\\nird", "multi\nline", "constitution_version"}
        from sdd_sqlite.store import has_key

        for key, n in (("multi\nline", 1), ("we\\nird", 1), ("we\nird", 0), ("Owner", 2)):
            assert conn.execute("SELECT count(*) FROM specs WHERE instr(keys_lc, ?)",
                                (has_key(key),)).fetchone()[0] == n, key


def test_rebuild_and_large_refreshes_show_progress_on_stderr_only(cached, proj, run_sdd):
    """A terminal sees the progress of reading the files (``SDD_PROGRESS=1`` stands in for
    one here); stdout stays the command's output, and without a terminal nothing shows."""
    root = proj.root
    r = run_sdd("cache", "rebuild", cwd=root, env={"SDD_PROGRESS": "1"})
    assert r.exit_code == 0, r.output
    assert "sdd: rebuilding the cache" in r.stderr and "3/3 files" in r.stderr
    assert "rebuilding" not in r.stdout
    # the line is erased when the work ends, before the command's own message
    import re

    assert re.search(r"\r +\rRebuilt ", r.stderr), r.stderr
    (root / ".sdd" / "specs" / "billing" / "invoice.md").write_text(
        "---\nid: billing/invoice\ntitle: Invoice 2\n---\n# Invoice 2\n", encoding="utf-8")
    r = run_sdd("query", "status:review", "--format", "json", cwd=root,
                env={"SDD_PROGRESS": "1"})
    assert "sdd: reading changed spec files" in r.stderr and "1/1 files" in r.stderr
    assert [x["id"] for x in r.json()] == ["auth/login"]
    r = run_sdd("cache", "rebuild", cwd=root)
    assert r.exit_code == 0 and "rebuilding the cache" not in r.stderr


@pytest.mark.parametrize("damage", [
    "ALTER TABLE specs DROP COLUMN keys_lc",      # a development build's layout
    "DROP TABLE meta_values",
    "ALTER TABLE tags ADD COLUMN extra TEXT",
])
def test_tables_of_another_shape_are_rebuilt_like_a_damaged_file(cached, proj, run_sdd,
                                                                 damage):
    """A cache whose schema version is current but whose tables are not what this version
    writes is rebuilt with one warning, by a read command or by ``sdd cache rebuild``,
    never a crash and never a fallback on every run."""
    root = proj.root
    expected = run_sdd("query", "status:review OR has:tags", "--format", "json", cwd=root).json()
    for command in (("query", "status:review OR has:tags", "--format", "json"),
                    ("cache", "rebuild")):
        with sqlite3.connect(_db(root)) as conn:
            conn.execute(damage)
        login = root / ".sdd" / "specs" / "auth" / "login" / "spec.md"
        touch_later(login, login.read_text())  # read again: its rows meet the tables
        r = run_sdd(*command, cwd=root)
        assert r.exit_code == 0, r.output
        assert r.stderr.count("warning") == 1 and "damaged" in r.stderr, r.stderr
        if command[0] == "query":
            assert r.json() == expected
        again = run_sdd("query", "status:review OR has:tags", "--format", "json", cwd=root)
        assert again.json() == expected and "warning" not in again.stderr
