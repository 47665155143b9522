"""The server's own database: SQLite (embedded default) or PostgreSQL (teams).

It holds what is not in the spec files: API tokens, locks, the event log (outbox and fan-out),
invites, registered projects and derived spec rows. The spec files stay the source of truth.

SQL is written once with ``?`` placeholders; :class:`Database` rewrites them for psycopg.
The schema is versioned in ``sdd_schema_migrations``; :func:`Database.migrate` applies the
missing steps in order, under a lock (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on
PostgreSQL) so two server processes starting together do not race.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from sdd_core.errors import ProjectError

#: (version, name, statements); ``{id}`` is the dialect's auto-increment primary key.
MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (1, "tokens, locks, events", [
        """CREATE TABLE tokens (
            id TEXT PRIMARY KEY, user_name TEXT NOT NULL, role TEXT NOT NULL,
            salt TEXT NOT NULL, hash TEXT NOT NULL, label TEXT,
            created_at TEXT NOT NULL, expires_at TEXT, revoked_at TEXT)""",
        "CREATE INDEX tokens_user ON tokens (user_name)",
        """CREATE TABLE locks (
            spec_id TEXT PRIMARY KEY, owner TEXT NOT NULL,
            acquired_at TEXT NOT NULL, expires_at TEXT NOT NULL)""",
        """CREATE TABLE events (
            id {id}, type TEXT NOT NULL, actor TEXT, resource TEXT,
            created_at TEXT NOT NULL, payload TEXT NOT NULL)""",
        "CREATE INDEX events_created ON events (created_at)",
    ]),
    (2, "projects, derived specs, invites, sessions", [
        """CREATE TABLE projects (
            name TEXT PRIMARY KEY, root TEXT NOT NULL, registered_at TEXT NOT NULL,
            spec_count INTEGER NOT NULL DEFAULT 0)""",
        """CREATE TABLE specs (
            project TEXT NOT NULL, id TEXT NOT NULL, path TEXT NOT NULL, title TEXT,
            status TEXT, domain TEXT, phase INTEGER, hash TEXT, created TEXT, updated TEXT,
            depends TEXT, tags TEXT, PRIMARY KEY (project, id))""",
        """CREATE TABLE invites (
            id {id}, team TEXT NOT NULL, role TEXT NOT NULL, user_name TEXT NOT NULL,
            token_id TEXT, created_by TEXT, created_at TEXT NOT NULL)""",
        """CREATE TABLE sessions (
            id TEXT PRIMARY KEY, user_name TEXT NOT NULL, connected_at TEXT NOT NULL,
            last_seen TEXT NOT NULL)""",
    ]),
]


def utcnow() -> dt.datetime:
    """Now, in UTC."""
    return dt.datetime.now(dt.timezone.utc)


def iso(when: dt.datetime | None) -> str | None:
    """A timestamp as stored: ISO 8601 UTC with a ``Z`` (sorts as text)."""
    if when is None:
        return None
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str | None) -> dt.datetime | None:
    """The inverse of :func:`iso`."""
    if not text:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def default_url(project_root: Path) -> str:
    """The embedded database of a project: ``.sdd/.cache/server.db``."""
    return f"sqlite:///{project_root / '.sdd' / '.cache' / 'server.db'}"


class Database:
    """A thread-safe handle on the server database (one connection per thread)."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith(("postgresql://", "postgres://")):
            self.kind = "postgresql"
        elif url.startswith("sqlite:///"):
            self.kind = "sqlite"
            self.path = Path(url[len("sqlite:///"):])
        else:
            raise ProjectError(f"unsupported database URL {url!r}",
                               hint="use sqlite:///PATH or postgresql://USER:PASS@HOST/DB")
        self._local = threading.local()
        self._all: list[Any] = []
        self._guard = threading.Lock()

    # ---------------------------------------------------------------- connections

    def _connect(self) -> Any:
        if self.kind == "sqlite":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            return conn
        import psycopg

        try:
            return psycopg.connect(self.url, autocommit=True)
        except psycopg.OperationalError as exc:
            raise ProjectError(f"cannot connect to the server database: {exc}".strip(),
                               hint="check --database-url and that PostgreSQL is running") from exc

    @property
    def conn(self) -> Any:
        """This thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None or (self.kind == "postgresql" and conn.closed):
            conn = self._connect()
            self._local.conn = conn
            with self._guard:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection this handle opened."""
        with self._guard:
            conns, self._all = self._all, []
        for conn in conns:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing on shutdown
                pass
        self._local = threading.local()

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.kind == "postgresql" else sql

    # ---------------------------------------------------------------- statements

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        cur = self.conn.execute(self._sql(sql), tuple(params))
        return cur.rowcount

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows as dicts."""
        cur = self.conn.execute(self._sql(sql), tuple(params))
        if cur.description is None:
            return []
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        """The first row, or ``None``."""
        rows = self.query(sql, params)
        return rows[0] if rows else None

    @contextmanager
    def transaction(self) -> Iterator["Database"]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite)."""
        conn = self.conn
        if self.kind == "sqlite":
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        else:
            with conn.transaction():
                yield self

    # ---------------------------------------------------------------- schema

    def migrate(self) -> list[int]:
        """Apply missing migrations in order; the versions applied."""
        auto = ("INTEGER PRIMARY KEY AUTOINCREMENT" if self.kind == "sqlite"
                else "BIGSERIAL PRIMARY KEY")
        applied: list[int] = []
        with self.transaction():
            if self.kind == "postgresql":
                self.execute("SELECT pg_advisory_xact_lock(7302011)")
            self.execute("""CREATE TABLE IF NOT EXISTS sdd_schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)""")
            done = {r["version"] for r in self.query("SELECT version FROM sdd_schema_migrations")}
            newest = max((v for v, _, _ in MIGRATIONS), default=0)
            if done and max(done) > newest:
                raise ProjectError(
                    f"the server database has schema version {max(done)}, newer than this"
                    f" SDD ({newest})", hint="upgrade sdd-server")
            for version, name, statements in MIGRATIONS:
                if version in done:
                    continue
                for stmt in statements:
                    self.execute(stmt.replace("{id}", auto))
                self.execute("INSERT INTO sdd_schema_migrations (version, name, applied_at)"
                             " VALUES (?, ?, ?)", (version, name, iso(utcnow())))
                applied.append(version)
        return applied

    def schema_version(self) -> int:
        """The newest applied migration (0 for an empty database)."""
        try:
            row = self.one("SELECT MAX(version) AS v FROM sdd_schema_migrations")
        except Exception:  # noqa: BLE001 - table missing
            return 0
        return int(row["v"] or 0) if row else 0

    # ---------------------------------------------------------------- events

    def insert_event(self, payload: dict[str, Any]) -> int:
        """Append an event to the log; its id."""
        values = (payload.get("type"), payload.get("actor"), payload.get("resource"),
                  payload.get("timestamp") or iso(utcnow()), json.dumps(payload))
        row = self.one("INSERT INTO events (type, actor, resource, created_at, payload)"
                       " VALUES (?, ?, ?, ?, ?) RETURNING id", values)
        assert row is not None
        return int(row["id"])
