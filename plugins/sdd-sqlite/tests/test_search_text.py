"""The fts5 backend's text preparation (the core's plain_text, CJK pairs), and the cache
schema keeps a single full-text index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sdd_sqlite.search import ITEM_KINDS, ITEM_SHIFT, KIND_SHIFT, cjk_column, spec_rows

from sdd_core.search import item_documents, plain_text, spec_fields


def test_plain_text_cases() -> None:
    # worked by hand from the core's rules: markers only at line starts, ** and __ in pairs
    assert plain_text("# Title\n- **bold** item\n  2. `code`") == "Title bold item code"
    assert plain_text("_**_") == "__"          # the ** goes, the two lone _ stay
    assert plain_text("***") == "*"
    assert plain_text("a\t\tb\n\n c") == "a b c"
    assert plain_text("- - x") == "- x"        # one marker per line


def test_cjk_column_only_for_cjk_text() -> None:
    assert cjk_column("plain ascii text", "Café au lait") == ""
    assert cjk_column("결제가 완료") == "결제 제가 0 완료"


def _spec(project_dir: Path, text: str):  # type: ignore[no-untyped-def]
    from sdd_core.index import read_spec_file

    path = project_dir / "spec.md"
    path.write_text(text, encoding="utf-8")
    spec, problems = read_spec_file(str(path), "spec.md", "spec.md")
    assert spec is not None, problems
    return spec


def test_spec_rows_equal_the_core_documents(tmp_path: Path, spec_text) -> None:  # type: ignore[no-untyped-def]
    text = spec_text("pay/retry", title="Retrying payments",
                     requirements=["The system MUST retry a **declined** payment.",
                                   "국내 결제 수단을 지원해야 한다 (SHOULD)."],
                     body_extra="A **failed** payment is `retried`.\n\n- one\n- two\n")
    spec = _spec(tmp_path, text)
    row, items = spec_rows(7, spec)
    fields = spec_fields(spec)
    assert row[0] == 7
    assert row[1:5] == tuple(fields[f] for f in ("title", "description", "requirements",
                                                   "scenarios"))
    # the body column holds the body less the requirement texts and steps (worked by hand)
    assert row[5] == ("Retrying payments What it is for. Requirements REQ-01: Requirement 1"
                      " REQ-02: Requirement 2 Scenarios Scenario 1: Path 1 A failed payment is"
                      " retried. one two")
    assert row[6] == cjk_column(*row[1:2], *row[5:6], *row[3:5])
    assert "결제 수단" in fields["body"] and row[6]
    expected = []
    for kind in ("requirement", "scenario"):
        for n, (item_id, f, text) in enumerate(item_documents(spec, kind)):
            # the rowid holds the spec, the kind and the place; the tables keep no text
            rowid = 7 << ITEM_SHIFT | ITEM_KINDS.index(kind) << KIND_SHIFT | n
            expected.append((rowid, f["title"], f["text"], cjk_column(f["title"], f["text"])))
    assert items == expected
    assert len(items) == 3 and items[1][-1] != ""  # the Korean requirement has bigrams
    assert [i[0] >> 12 for i in items] == [7, 7, 7]


def test_version_3_cache_loses_the_old_fts_table(sdd_entrypoints, sdd_project, spec_text,
                                                 run_sdd) -> None:  # type: ignore[no-untyped-def]
    from sdd_sqlite import schema

    sdd_entrypoints("sqlite")
    proj = sdd_project({"a.md": spec_text("a", title="Payment failure handling")})
    db = proj.root / ".sdd" / ".cache" / "sdd.db"
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    for script in (schema.SCHEMA_V1, schema.MIGRATE_1_TO_2, schema.MIGRATE_2_TO_3):
        for statement in schema._statements(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version=3")
    conn.commit()
    conn.close()
    r = run_sdd("search", "payment", "--format", "json", cwd=proj.root)
    assert r.exit_code == 0, r.output
    assert [h["id"] for h in r.json()] == ["a"]
    conn = sqlite3.connect(db)
    names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert "fts" not in names and not any(n.startswith("fts_") for n in names)
    assert {"search_specs", "search_raw", "search_items"} <= names
    conn.close()


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _age(root: Path, seconds: int = 10) -> None:
    """Move every folder's and file's mtime into the past (out of the racy window)."""
    import os

    for folder, subdirs, files in os.walk(root):
        for name in files + subdirs:
            p = os.path.join(folder, name)
            st = os.stat(p)
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns - seconds * 1_000_000_000))
    st = os.stat(root)
    os.utime(root, ns=(st.st_atime_ns, st.st_mtime_ns - seconds * 1_000_000_000))


def test_quick_scan_sees_what_a_full_walk_sees(tmp_path: Path) -> None:
    import os
    import shutil
    import time

    from sdd_sqlite.store import encode_walk, quick_scan, scan

    specs = tmp_path / "specs"
    root = str(tmp_path)
    _tree(specs, {"a/spec.md": "a", "a/b/spec.md": "b", "c/spec.md": "c", "top.md": "t",
                  "a/plan.md": "not a spec"})
    _age(specs)
    rows: dict[str, bytes] = {}

    def record() -> bytes:
        dirs: list[tuple[str, int]] = []
        disk = scan(str(specs), "specs/", dirs)
        encoded = encode_walk("specs/", disk, dirs, False, time.time())
        assert encoded is not None
        head, rows["paths"], _, plan = encoded
        assert sorted(plan) == sorted([rel for rel, _ in dirs] + list(disk))
        return head

    def check(blob: bytes):  # type: ignore[no-untyped-def]
        found = quick_scan(root, "specs/", blob, lambda: rows["paths"])
        assert found.disk == scan(str(specs), "specs/")
        return found

    blob = record()
    found = check(blob)
    assert found.same
    assert sorted(found.disk) == ["specs/a/b/spec.md", "specs/a/spec.md", "specs/c/spec.md",
                                  "specs/top.md"]

    def mutated(change) -> None:  # type: ignore[no-untyped-def]
        nonlocal blob
        change()
        assert not check(blob).same  # False (files differ) or None (folders changed)
        _age(specs)
        blob = record()
        assert check(blob).same

    mutated(lambda: (specs / "c/spec.md").write_text("c changed", encoding="utf-8"))
    (specs / "c/spec.md").write_text("c changed again", encoding="utf-8")
    found = check(blob)
    assert found.same is False  # same folders, a file differs
    assert list(found.changed()) == ["specs/c/spec.md"]
    assert found.changed()["specs/c/spec.md"][1] == len("c changed again")
    _age(specs)
    blob = record()
    mutated(lambda: _tree(specs, {"a/b/new.md": "n"}))                # file in a known folder
    mutated(lambda: _tree(specs, {"d/e/f/spec.md": "deep"}))          # new nested folders
    mutated(lambda: (specs / "a/spec.md").unlink())
    mutated(lambda: os.rename(specs / "a", specs / "z"))              # a folder renamed
    mutated(lambda: shutil.rmtree(specs / "d"))
    mutated(lambda: (specs / "c").rename(specs / "c2")
            or os.symlink(specs / "c2", specs / "c"))                 # replaced by a symlink
    # a folder changed within the racy window is listed again even when its mtime stays
    _tree(specs, {"r/spec.md": "r"})
    blob = record()  # r is recent: racy
    st = os.stat(specs / "r")
    _tree(specs, {"r/x.md": "x"})
    os.utime(specs / "r", ns=(st.st_atime_ns, st.st_mtime_ns))  # same tick as recorded
    found = check(blob)
    assert "specs/r/x.md" in found.disk and not found.same
    # no snapshot, a damaged one, or a paths row that does not match it: a full walk
    assert check(b"garbage").same is None
    _age(specs)
    blob = record()
    good = rows["paths"]
    rows["paths"] = good[:-1] + b"x"
    assert check(blob).same is None
    rows["paths"] = good
    assert check(blob).same


def test_refresh_indexes_only_what_changed(sdd_entrypoints, sdd_project, spec_text,
                                           run_sdd) -> None:  # type: ignore[no-untyped-def]
    """An edit adds one spec's text to the unstemmed index (not every spec's again), and
    prefix search follows edits."""
    from sqlite_helpers import touch_later

    sdd_entrypoints("sqlite")
    files = {f"s{i:02}.md": spec_text(f"s{i:02}", title=f"Payouts ledger {i}") for i in range(20)}
    files["c.md"] = spec_text("c", title="Refunds")
    proj = sdd_project(files)
    db = proj.root / ".sdd" / ".cache" / "sdd.db"

    def query(sql: str, *args: object) -> int:
        conn = sqlite3.connect(db)
        try:
            row = conn.execute(sql, args).fetchone()
            return row[0] if row and row[0] is not None else 0
        finally:
            conn.close()

    assert run_sdd("cache", "rebuild", cwd=proj.root).exit_code == 0
    size = query("SELECT sum(length(block)) FROM search_raw_data")
    vocab = "SELECT doc FROM search_raw_vocab WHERE term=?"
    assert query(vocab, "payouts") == 20
    touch_later(proj.root / ".sdd" / "specs" / "c.md", spec_text("c", title="Payouts refunds"))
    r = run_sdd("search", "payout*", "--format", "json", "--limit", "50", cwd=proj.root)
    assert len(r.json()) == 21
    assert query(vocab, "payouts") == 21 and query(vocab, "refunds") == 1
    grown = query("SELECT sum(length(block)) FROM search_raw_data") - size
    # one spec of 21 written again (a small segment), not all of them (about `size` again)
    assert 0 < grown < 0.8 * size
    touch_later(proj.root / ".sdd" / "specs" / "s00.md", spec_text("s00", title="Ledger"))
    r = run_sdd("search", "payout*", "--format", "json", "--limit", "50", cwd=proj.root)
    assert "s00" not in {h["id"] for h in r.json()} and len(r.json()) == 20
    assert query(vocab, "payouts") == 20


def test_an_edit_that_changes_an_id_re_resolves_other_specs_edges(
        sdd_entrypoints, sdd_project, spec_text, run_sdd) -> None:  # type: ignore[no-untyped-def]
    from sqlite_helpers import touch_later

    sdd_entrypoints("sqlite")
    proj = sdd_project({
        "a.md": spec_text("a", depends=["x.md"]),  # a path: resolves to whatever id x has
        "x.md": spec_text("other"),
    })

    def required_by_a() -> list[str]:
        r = run_sdd("query", "required_by:a", "--format", "json", cwd=proj.root)
        assert r.exit_code == 0, r.output
        return [row["id"] for row in r.json()]

    assert required_by_a() == ["other"]
    touch_later(proj.root / ".sdd" / "specs" / "x.md", spec_text("target"))
    assert required_by_a() == ["target"]
    touch_later(proj.root / ".sdd" / "specs" / "x.md", spec_text("other"))
    assert required_by_a() == ["other"]



def test_item_hits_carry_the_item_text(sdd_entrypoints, sdd_project, spec_text) -> None:  # type: ignore[no-untyped-def]
    """Requirement hits show the requirement's Markdown, scenario hits their steps (neither
    is stored with the item: read from the spec data, or the indexed text), as the scan
    backend shows them."""
    from sdd_core.search_conformance import run_search

    sdd_entrypoints("sqlite")
    proj = sdd_project({
        "a.md": spec_text("a", title="Payments",
                          requirements=["The system MUST retry a **declined** payment.",
                                        "Payments SHOULD be `logged`.\n- twice"]),
        "b.md": spec_text("b", title="Refunds",
                          requirements=["A refund MUST follow a payment."]),
    })
    for kind in ("requirement", "scenario"):
        for text in ("payment", "given", "refund"):
            got = run_search(proj, "fts5", text, type=kind, limit=50)
            want = run_search(proj, "scan", text, type=kind, limit=50)
            assert sorted((h.spec_id, h.item_id, h.text) for h in got) == sorted(
                (h.spec_id, h.item_id, h.text) for h in want)
            if kind == "requirement" and text == "payment":
                assert any("**declined**" in (h.text or "") for h in got)


def test_walk_key_depends_on_the_paths_only() -> None:
    """Two processes that record the same tree agree on the key (and so on the stat-ahead
    plan), whichever string objects their walk happened to share."""
    from sdd_sqlite.store import encode_walk

    prefix = "specs/"
    shared = encode_walk(prefix, {"specs/a/x.md": (1, 2)}, [(prefix, 5), ("specs/a/", 6)],
                         False, 0.0)
    copies = encode_walk("".join(["spec", "s/"]), {"".join(["specs/a/", "x.md"]): (3, 4)},
                         [("".join(["specs", "/"]), 7), ("".join(["specs/", "a/"]), 8)],
                         False, 0.0)
    assert shared is not None and copies is not None
    assert shared[1] == copies[1] and shared[2] == copies[2]  # paths row and key
    assert shared[0] != copies[0]  # the figures differ


_TRICKY = """---
id: t
title: Tricky
---
# Tricky

Intro words.

## Requirements

### REQ-01: Login
The system MUST log in.

#### Notes
Nested alpha words.

```text
### REQ-99: not a heading
- GIVEN fenced bravo
```

### REQ-02: Logout
It SHOULD log out.
## Scenarios

### Scenario: Happy path
Prose charlie inside the scenario.
- **GIVEN** a user
- WHEN they leave
  continued delta line
- THEN the session ends

## Notes
Closing echo words.
"""


def test_body_rest_drops_exactly_what_other_columns_hold(tmp_path: Path) -> None:
    """Requirement texts (nested headings and fences included) and step lines leave the
    body column; prose, headings and continuation lines stay; every word of the body is in
    some column."""
    from sdd_sqlite.search import body_rest

    from sdd_core.search import tokenize

    spec = _spec(tmp_path, _TRICKY)
    rest = body_rest(spec)
    for gone in ("MUST log in", "Nested alpha", "fenced bravo", "SHOULD log out", "a user",
                 "they leave", "session ends"):
        assert gone not in rest, gone
    for kept in ("# Tricky", "Intro words.", "### REQ-01: Login", "### REQ-02: Logout",
                 "## Scenarios", "### Scenario: Happy path", "Prose charlie",
                 "continued delta line", "## Notes", "Closing echo words."):
        assert kept in rest, kept
    row, _ = spec_rows(1, spec)
    columns = set(tokenize(" ".join(row[1:6])))
    assert set(tokenize(plain_text(spec.body))) <= columns
