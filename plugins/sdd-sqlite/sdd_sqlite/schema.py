"""The cache's tables, its schema version and the migrations between versions.

``PRAGMA user_version`` holds the schema version. Opening a cache written by an older SDD runs
the migrations in order inside one transaction; a cache written by a newer SDD (unknown
version) or one that cannot be read at all is rebuilt from the files.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Callable

#: The schema this version of the plugin writes.
SCHEMA_VERSION = 7

# Version 1: specs, bodies, full-text index, relations, requirements and scenarios.
SCHEMA_V1 = """
CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE specs (
    sid INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,          -- relative to the project root
    id TEXT,                            -- NULL when the file could not be parsed
    id_lc TEXT, hash TEXT, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL,
    racy INTEGER NOT NULL DEFAULT 0,    -- modified too recently to trust mtime alone
    title TEXT, title_lc TEXT, status TEXT, phase INTEGER, domain TEXT, domain_lc TEXT,
    created TEXT, updated TEXT, author TEXT, author_lc TEXT,
    constitution_version TEXT, description TEXT,
    meta TEXT,                          -- front matter as JSON
    light BLOB,                         -- pickled (depends, reviewers, tags)
    problems BLOB                       -- pickled parse findings, NULL when none
);
CREATE INDEX specs_id ON specs(id_lc);
CREATE INDEX specs_status ON specs(status, phase);
CREATE INDEX specs_domain ON specs(domain_lc);
CREATE TABLE spec_data (sid INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE bodies (sid INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE texts (sid INTEGER PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(
    title, text, content='texts', content_rowid='sid',
    tokenize='unicode61 remove_diacritics 2');
CREATE TABLE dependencies (
    sid INTEGER NOT NULL, from_id TEXT NOT NULL, ref TEXT NOT NULL,
    src TEXT NOT NULL, dst TEXT,        -- lower-cased graph keys; dst NULL: unresolved inferred
    to_id TEXT,                         -- the id of the spec ref names, NULL if none
    type TEXT NOT NULL CHECK (type IN ('explicit', 'inferred'))
);
CREATE INDEX deps_sid ON dependencies(sid);
CREATE INDEX deps_src ON dependencies(src, type);
CREATE INDEX deps_dst ON dependencies(dst, type);
CREATE TABLE tags (sid INTEGER NOT NULL, tag TEXT NOT NULL, tag_lc TEXT NOT NULL);
CREATE INDEX tags_sid ON tags(sid);
CREATE INDEX tags_lc ON tags(tag_lc);
CREATE TABLE reviewers (sid INTEGER NOT NULL, reviewer TEXT NOT NULL, reviewer_lc TEXT NOT NULL);
CREATE INDEX reviewers_sid ON reviewers(sid);
CREATE INDEX reviewers_lc ON reviewers(reviewer_lc);
CREATE TABLE reviews (
    sid INTEGER NOT NULL, reviewer TEXT, status TEXT, status_lc TEXT, date TEXT, comment TEXT);
CREATE INDEX reviews_sid ON reviews(sid);
CREATE TABLE meta_values (sid INTEGER NOT NULL, key TEXT NOT NULL, key_lc TEXT NOT NULL,
                          value_lc TEXT);
CREATE INDEX meta_sid ON meta_values(sid);
CREATE INDEX meta_key ON meta_values(key, value_lc);
CREATE INDEX meta_key_lc ON meta_values(key_lc);
CREATE TABLE requirements (sid INTEGER NOT NULL, req_id TEXT NOT NULL, title TEXT, text TEXT,
                           keywords TEXT, line INTEGER);
CREATE INDEX requirements_sid ON requirements(sid);
CREATE TABLE scenarios (sid INTEGER NOT NULL, name TEXT, line INTEGER, steps INTEGER,
                        complete INTEGER);
CREATE INDEX scenarios_sid ON scenarios(sid);
"""

#: The version of the text the search tables index (:func:`sdd_sqlite.search.spec_rows`):
#: their deletes give that text again, so a cache whose rows were made by another version is
#: rebuilt. Bump it with any change to what ``spec_rows`` makes.
ROWS_VERSION = 2

#: The tables of the ``fts5`` search backend (:mod:`sdd_sqlite.search`).
TOKENIZER = "porter unicode61 remove_diacritics 2"
SEARCH_SCHEMA = f"""
CREATE VIRTUAL TABLE search_specs USING fts5(
    title, description, requirements, scenarios, body, cjk, content='',
    tokenize='{TOKENIZER}');
CREATE VIRTUAL TABLE search_raw USING fts5(
    title, description, requirements, scenarios, body, content='',
    tokenize='unicode61 remove_diacritics 2', detail=none, columnsize=0);
CREATE VIRTUAL TABLE search_raw_vocab USING fts5vocab(search_raw, 'row');
CREATE VIRTUAL TABLE search_items USING fts5(
    title, text, cjk, content='', tokenize='{TOKENIZER}');
"""


# Version 2 adds cached validation findings and Git history.
MIGRATE_1_TO_2 = """
CREATE TABLE findings (sid INTEGER PRIMARY KEY, key TEXT NOT NULL, data BLOB);
CREATE TABLE history (
    path TEXT NOT NULL, spec_id TEXT, version INTEGER NOT NULL, sha TEXT NOT NULL,
    author TEXT, email TEXT, date TEXT, action TEXT NOT NULL, old_path TEXT,
    added INTEGER, deleted INTEGER, subject TEXT
);
CREATE INDEX history_path ON history(path, version);
CREATE INDEX history_spec ON history(spec_id);
"""

# Version 3 adds the full-text search tables of the ``fts5`` search backend. The cached rows
# are dropped so that the next refresh re-reads every file and fills them.
#: Empties every table of rows read from the spec files (as they were from version 2 on).
_EMPTY_ROWS = "".join(f"DELETE FROM {t};\n" for t in (
    "specs", "spec_data", "bodies", "texts", "dependencies", "tags", "reviewers", "reviews",
    "meta_values", "requirements", "scenarios", "findings"))

MIGRATE_2_TO_3 = _EMPTY_ROWS + """
INSERT INTO fts(fts) VALUES ('delete-all');
""" + SEARCH_SCHEMA

# Version 4 drops ``fts``, the first full-text index (over ``texts``), which the ``fts5``
# search tables replace; keeping both indexed every spec twice.
MIGRATE_3_TO_4 = """
DROP TABLE fts;
"""

# Version 5 keeps a ``texts`` row (the lower-cased text full-text query terms look in) only
# where SQLite's ``lower()`` of title, description and body differs from Python's, that is
# for text that is not ASCII; the query lower-cases the other specs' text itself.
MIGRATE_4_TO_5 = """
DELETE FROM texts WHERE sid IN (
    SELECT sid FROM (SELECT t.sid, t.text,
                            s.title || char(10) || s.description || char(10) || b.body AS o
                     FROM texts t JOIN specs s ON s.sid = t.sid JOIN bodies b ON b.sid = t.sid)
    WHERE length(CAST(o AS BLOB)) = length(o) AND text = lower(o));
"""

# Version 6 stores less: ``search_raw`` (the unstemmed vocabulary) is contentless (its text is
# bound once for both search tables, rather than read back from ``search_specs``, and no
# column sizes are kept), and the pickled spec data keeps a requirement's text as its place
# in the body; a partial index finds the racy files (which every refresh after an edit looks
# up) without scanning ``specs``. The cached rows are dropped (as version 3 did) so that the
# next refresh re-reads every file and fills the new tables.
_DROP_SEARCH = """
DROP TABLE IF EXISTS search_raw_vocab;
DROP TABLE IF EXISTS search_raw;
DROP TABLE IF EXISTS search_items;
DROP TABLE IF EXISTS search_specs;
"""
MIGRATE_5_TO_6 = _DROP_SEARCH + _EMPTY_ROWS + """
DELETE FROM state WHERE key IN ('walk', 'validation');
CREATE INDEX IF NOT EXISTS specs_racy ON specs(sid) WHERE racy;
""" + SEARCH_SCHEMA

# Version 7 keeps no copy of the searched text: ``search_specs`` and ``search_items`` are
# contentless like ``search_raw`` (the text was a second copy of every body and a third of
# every requirement, ~35% of the file). Snippets are cut from the body when a hit is shown,
# an item's kind is a bit of its rowid, and a delete gives the indexed text again, made from
# the spec's stored data (:func:`sdd_sqlite.search.delete`). The rows are read again.
# ``meta_values`` loses its indexes on ``(key, value_lc)`` and ``key_lc``: every front matter
# term is matched per spec through ``meta_sid`` (the query planner's choice with or without
# them), and building them took ~0.25 s of a 10,000-spec rebuild. It holds rows only for
# the keys a query can compare (``sdd_core.query.names_builtin_field`` is false: a ``status``
# or ``tags`` key is read from its own column or table), a tenth of the rows; ``has:KEY``
# looks in ``specs.keys_lc`` (every key, lower-cased, each between newlines, see
# :func:`sdd_sqlite.store.keys_column`).
MIGRATE_6_TO_7 = _DROP_SEARCH + _EMPTY_ROWS + """
DELETE FROM state WHERE key IN ('walk', 'validation');
DROP INDEX IF EXISTS meta_key;
DROP INDEX IF EXISTS meta_key_lc;
ALTER TABLE specs ADD COLUMN keys_lc TEXT;
""" + SEARCH_SCHEMA

#: ``from_version -> script`` upgrading the schema by one version.
MIGRATIONS: dict[int, str] = {1: MIGRATE_1_TO_2, 2: MIGRATE_2_TO_3, 3: MIGRATE_3_TO_4,
                              4: MIGRATE_4_TO_5, 5: MIGRATE_5_TO_6, 6: MIGRATE_6_TO_7}

#: Every table holding derived data (cleared by a rebuild).
DATA_TABLES: tuple[str, ...] = (
    "specs", "spec_data", "bodies", "texts", "dependencies", "tags", "reviewers", "reviews",
    "meta_values", "requirements", "scenarios", "findings",
)

def data_indexes(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """``(name, CREATE statement)`` of the indexes on the derived-data tables."""
    marks = ", ".join("?" * len(DATA_TABLES))
    return conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql"
                        f" IS NOT NULL AND tbl_name IN ({marks}) ORDER BY name",
                        DATA_TABLES).fetchall()


#: The page size of a new cache file.
PAGE_SIZE = 16384

_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB


class CacheUnusable(Exception):
    """The cache file cannot be used (corrupt, not a database, or not writable)."""


#: What SQLite says (SQLITE_ERROR) of tables that are not the ones this version writes,
#: although the schema version is: a cache written by a development build, or altered.
_SHAPE_ERRORS = ("no such table", "no such column", "columns but", "has no column named")


def is_corruption(exc: BaseException) -> bool:
    """Whether an sqlite error means the file is damaged (rather than busy, locked, full or
    read-only): corrupt, not a database, or tables of another shape than this version's."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    text = str(exc).lower()
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        if (code & 0xFF) in _CORRUPT_CODES:
            return True
        return (code & 0xFF) == 1 and any(e in text for e in _SHAPE_ERRORS)
    return "not a database" in text or "malformed" in text \
        or any(e in text for e in _SHAPE_ERRORS)


def connect(path: Path, timeout: float = 30.0) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, busy timeout."""
    conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None,
                           check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if str(mode).lower() != "wal":
        # a new file: larger pages than the default 4 KiB (fewer overflow pages for spec
        # bodies; a rebuild frees and writes 4 times fewer pages). No effect on a file that
        # already has tables.
        conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    # some SQLite builds (Debian's among them) zero every freed page and deleted cell by
    # default: for a cache of files kept elsewhere that only multiplies the writes (a
    # rebuild would write every page it frees)
    conn.execute("PRAGMA secure_delete=OFF")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA cache_size=-32000")
    return conn


def ensure_schema(conn: sqlite3.Connection, *, migrate: Callable[[int], None] | None = None
                  ) -> str:
    """Create or upgrade the schema; returns ``"current"``, ``"created"``, ``"migrated"`` or
    ``"reset"`` (a newer or unknown schema was dropped and recreated)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return "current"
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            conn.execute("COMMIT")
            return "current"
        outcome = "migrated"
        if version == 0 and not _tables(conn):
            _run(conn, SCHEMA_V1)
            version, outcome = 1, "created"
        elif version not in MIGRATIONS and version != SCHEMA_VERSION:
            _drop_all(conn)
            _run(conn, SCHEMA_V1)
            version, outcome = 1, "reset"
        while version < SCHEMA_VERSION:
            _run(conn, MIGRATIONS[version])
            if migrate is not None:
                migrate(version)
            version += 1
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return outcome


def _run(conn: sqlite3.Connection, script: str) -> None:
    for statement in _statements(script):
        try:
            conn.execute(statement)
        except sqlite3.OperationalError as exc:
            # an added column that is there already (a cache whose version was set back by
            # hand, or a migration interrupted outside its transaction): nothing to add
            if not (statement.lstrip().upper().startswith("ALTER TABLE")
                    and "duplicate column" in str(exc)):
                raise


def _statements(script: str) -> list[str]:
    """Split a script into statements (triggers keep their inner semicolons)."""
    out: list[str] = []
    buf: list[str] = []
    for line in script.splitlines():
        stripped = line.split("--", 1)[0].rstrip()
        if not stripped:
            continue
        buf.append(stripped)
        text = "\n".join(buf)
        if stripped.endswith(";") and sqlite3.complete_statement(text):
            out.append(text)
            buf = []
    if buf:
        out.append("\n".join(buf))
    return out


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]


def _drop_all(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT name, type, sql FROM sqlite_master WHERE type IN ('table',"
                        " 'trigger') AND name NOT LIKE 'sqlite_%'").fetchall()
    for name, kind, _ in rows:
        if kind == "trigger":
            conn.execute(f'DROP TRIGGER IF EXISTS "{name}"')
    virtual = [name for name, kind, sql in rows
               if kind == "table" and (sql or "").upper().startswith("CREATE VIRTUAL")]
    # fts5vocab tables read other virtual tables: drop them first
    for name in sorted(virtual, key=lambda n: not n.endswith("_vocab")):
        conn.execute(f'DROP TABLE IF EXISTS "{name}"')
    for name in _tables(conn):
        if not any(name.startswith(v + "_") for v in virtual):
            conn.execute(f'DROP TABLE IF EXISTS "{name}"')


def remove_cache_files(path: Path) -> None:
    """Delete the cache file and its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(f"{path}{suffix}")
        except FileNotFoundError:
            pass


def warn(message: str) -> None:
    """One warning line on stderr."""
    print(f"sdd: warning: {message}", file=sys.stderr)
