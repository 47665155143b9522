"""The SQLite index backend: every read command answered from the cache.

Before every read the cache is refreshed from the files (see :mod:`sdd_sqlite.store`), then
read inside one read transaction, so one command sees one consistent state even while another
process writes.

Specs are rebuilt from the cache without parsing. Listing fields (id, title, status, dates,
tags ...) come from columns; the rest (body, requirements, scenarios, front matter, line
numbers) is loaded the first time a command touches it, so ``sdd list`` on 10,000 specs never
unpickles 10,000 bodies. Such a spec is a :class:`CachedSpec`, a ``Spec`` subclass whose
``model_dump``, equality, copies and pickling behave like a plain ``Spec``. It lives in
:mod:`sdd_sqlite.cached`, imported on first use: ``sdd query`` and ``sdd search`` answer
from columns (:class:`~sdd_core.index.SpecSummary`, search hits) without the spec model and
its pydantic start-up.
"""

from __future__ import annotations

import datetime as _dt
import os
import pickle
import sqlite3
from typing import TYPE_CHECKING, Any, Callable

from sdd_core.basics import blake2b as _blake2b
from sdd_core.index import FileIndex, IndexBackend, LoadResult, SpecSummary

from sdd_sqlite import schema
from sdd_sqlite.store import Cache, inflate, walk_key

if TYPE_CHECKING:
    from sdd_core.model import Finding, Spec

    from sdd_sqlite.cached import CachedSpec
    from sdd_core.project import Project
    from sdd_core.query import Node

_BULK_AFTER = 32  # after this many single lazy loads, load the rest of the result at once
_SPEC_SELECT = ("SELECT sid, path, id, title, status, phase, domain, created, updated, author,"
                " constitution_version, description, hash, light FROM specs")


def _pack(found: "dict[str, list[Finding]]") -> bytes:
    return pickle.dumps({code: [(f.code, f.severity.value, f.message, f.path, f.line, f.spec_id)
                                for f in items] for code, items in found.items()},
                        protocol=pickle.HIGHEST_PROTOCOL)


def _unpack(blob: bytes) -> "dict[str, list[Finding]]":
    from sdd_core.model import Finding, Severity

    global _SEV
    if not _SEV:
        _SEV = {s.value: s for s in Severity}
    out: dict[str, list[Finding]] = {}
    setattr_ = object.__setattr__
    for code, items in pickle.loads(blob).items():
        made = []
        for c, sev, message, path, line, spec_id in items:
            f = Finding.__new__(Finding)
            setattr_(f, "__dict__", {"code": c, "severity": _SEV[sev], "message": message,
                                     "path": path, "line": line, "spec_id": spec_id})
            setattr_(f, "__pydantic_fields_set__", _FINDING_FIELDS)
            setattr_(f, "__pydantic_extra__", None)
            setattr_(f, "__pydantic_private__", None)
            made.append(f)
        out[code] = made
    return out


_SEV: dict[str, Any] = {}
_FINDING_FIELDS = {"code", "severity", "message", "path", "line", "spec_id"}


_CACHED: Any = None


def _cached() -> Any:
    """:mod:`sdd_sqlite.cached` (imports the spec model: only when specs are built)."""
    global _CACHED
    if _CACHED is None:
        from sdd_sqlite import cached

        _CACHED = cached
    return _CACHED


def _date(text: str | None) -> _dt.date | None:
    """A stored date (dates are immutable: one object per distinct text is shared)."""
    value = _dt.date.fromisoformat(text) if text else None
    if len(_DATES) < 100_000:
        _DATES[text] = value
    return value


_DATES: dict[str | None, _dt.date | None] = {None: None}


class SqliteIndex(IndexBackend):
    """Reads through the SQLite cache in ``.sdd/.cache/sdd.db``."""

    name = "sqlite"

    def __init__(self, project: "Project") -> None:
        super().__init__(project)
        self.cache = Cache(project)
        self._fresh = False
        self._by_sid: dict[int, CachedSpec] = {}
        self._sid_of: dict[int, int] = {}  # id(spec) -> sid
        self._links: dict[int, list[str]] = {}
        self._lazy_loads = 0
        self._fallback: FileIndex | None = None

    # ------------------------------------------------------------------ connection

    def _conn(self) -> sqlite3.Connection:
        """The connection, refreshed once per backend instance and inside a read transaction."""
        conn = self.cache.open()
        if not self._fresh:
            self.cache.refresh()
            self._fresh = True
        if not conn.in_transaction:
            conn.execute("BEGIN")
        return conn

    def _guard(self, action: Callable[[], Any], fallback: Callable[[FileIndex], Any]) -> Any:
        """Run ``action`` on the cache; a corrupt cache is rebuilt once, any other cache
        failure falls back to reading the files (with one warning), never a crash."""
        if self._fallback is not None:
            return fallback(self._fallback)
        for attempt in (1, 2):
            try:
                return action()
            except sqlite3.DatabaseError as exc:
                if attempt == 1 and schema.is_corruption(exc):
                    self.cache.reset(f"the cache {self.cache.path} is damaged ({exc});"
                                     " rebuilding it from the spec files")
                    self._forget()
                    continue
                self.cache.warn(f"the cache {self.cache.path} cannot be used ({exc});"
                                " reading the spec files directly")
                self.cache.close()
                break
            except OSError as exc:
                self.cache.warn(f"the cache {self.cache.path} cannot be used ({exc});"
                                " reading the spec files directly")
                self.cache.close()
                break
        self._fallback = FileIndex(self.project)
        return fallback(self._fallback)

    def _forget(self) -> None:
        self._fresh = False
        self._result = None
        self._by_sid.clear()
        self._sid_of.clear()
        self._links.clear()

    def invalidate(self) -> None:
        """Forget what was read; the next read refreshes the cache again."""
        conn = self.cache.conn
        if conn is not None and conn.in_transaction:
            conn.execute("COMMIT")
        self._forget()
        if self._fallback is not None:
            self._fallback.invalidate()

    def close(self) -> None:
        """Close the cache connection."""
        self._forget()
        self.cache.close()

    # ------------------------------------------------------------------ building specs

    def _spec(self, row: tuple[Any, ...]) -> CachedSpec:
        (sid, path, spec_id, title, status, phase, domain, created, updated, author,
         cversion, description, hash_, light) = row
        hit = self._by_sid.get(sid)
        if hit is not None:
            return hit
        depends, reviewers, tags, links = pickle.loads(light)
        cached = _CACHED or _cached()
        spec = cached.CachedSpec.__new__(cached.CachedSpec)
        dates = _DATES
        d = {"id": spec_id, "path": path, "title": title, "status": status, "phase": phase,
             "domain": domain, "depends": depends,
             "created": dates[created] if created in dates else _date(created),
             "updated": dates[updated] if updated in dates else _date(updated),
             "author": author, "reviewers": reviewers, "tags": tags,
             "constitution_version": cversion, "description": description, "hash": hash_}
        setattr_ = object.__setattr__
        setattr_(spec, "__dict__", d)
        setattr_(spec, "__pydantic_fields_set__", cached.FIELDS_SET.copy())
        setattr_(spec, "__pydantic_extra__", None)
        setattr_(spec, "__pydantic_private__", {"_sdd_src": (self, sid)})
        self._by_sid[sid] = spec
        self._sid_of[id(spec)] = sid
        if links:
            self._links[sid] = links
        return spec

    @staticmethod
    def _order(specs: list[Any]) -> list[Any]:
        specs.sort(key=lambda s: s.id)
        ids = [s.id for s in specs]
        if len(set(ids)) != len(ids):  # duplicate ids: the file index's walk order decides
            specs.sort(key=lambda s: (s.id, walk_key(s.path)))
        return specs

    def heavy_fields(self, spec: CachedSpec, sid: int) -> dict[str, Any]:
        """The lazily loaded fields of one spec (and, after many single loads, of every
        spec of the current result at once)."""
        self._lazy_loads += 1
        if self._lazy_loads == _BULK_AFTER and self._result is not None:
            self._load_all_heavy()
            d = spec.__dict__
            if all(k in d for k in _cached().HEAVY):
                return {}
        try:
            conn = self.cache.conn
            if conn is None:
                raise sqlite3.ProgrammingError("closed")
            row = conn.execute(
                "SELECT d.data, b.body, s.hash FROM spec_data d JOIN bodies b USING (sid)"
                " JOIN specs s USING (sid) WHERE sid=?", (sid,)).fetchone()
        except sqlite3.Error:
            row = None
        if row is None or row[2] != spec.__dict__.get("hash"):
            return self._parse_heavy(spec)
        return inflate(pickle.loads(row[0]), row[1])

    def _load_all_heavy(self) -> None:
        pending = {sid: s for sid, s in self._by_sid.items()
                   if (s.__pydantic_private__ or {}).get("_sdd_src") is not None}
        if not pending:
            return
        import gc

        enabled = gc.isenabled()
        gc.disable()
        try:
            conn = self._conn()
            for sid, data, body in conn.execute(
                    "SELECT sid, d.data, b.body FROM spec_data d JOIN bodies b USING (sid)"):
                spec = pending.get(sid)
                if spec is None:
                    continue
                values = inflate(pickle.loads(data), body)
                d = spec.__dict__
                for key, value in values.items():
                    d.setdefault(key, value)
                private = spec.__pydantic_private__
                if private is not None:
                    private["_sdd_src"] = None
        except sqlite3.Error:
            pass
        finally:
            if enabled:
                gc.enable()

    def _parse_heavy(self, spec: CachedSpec) -> dict[str, Any]:
        """Fallback when the cache row is gone: parse the file itself."""
        from sdd_core.index import read_spec_file

        prefix = len(self.project.specs_rel) + 1
        fresh, _ = read_spec_file(str(self.project.root / spec.path), spec.path,
                                  spec.path[prefix:])
        if fresh is None:
            from sdd_core.model import Spec

            return {k: Spec.model_fields[k].get_default(call_default_factory=True)
                    for k in _cached().HEAVY}
        return {k: fresh.__dict__[k] for k in _cached().HEAVY}

    # ------------------------------------------------------------------ IndexBackend

    def load(self) -> LoadResult:
        return self._guard(self._load, lambda f: f.load())

    def _load(self) -> LoadResult:
        import gc

        conn = self._conn()
        enabled = gc.isenabled()
        gc.disable()  # 10,000 new specs: collections would only rescan them
        try:
            rows = conn.execute(_SPEC_SELECT + " WHERE id IS NOT NULL").fetchall()
            specs = self._order([self._spec(r) for r in rows])
        finally:
            if enabled:
                gc.enable()
        problems: list[tuple[str, list[Finding]]] = [
            (path, pickle.loads(blob)) for path, blob in conn.execute(
                "SELECT path, problems FROM specs WHERE problems IS NOT NULL")]
        problems.sort(key=lambda p: walk_key(p[0]))
        return LoadResult(specs=list(specs), problems=[f for _, fs in problems for f in fs])

    def get(self, spec_id: str) -> Spec | None:
        """One spec by id (first in id and walk order), else by path reference."""
        if self._result is None and self._fallback is None:
            def lookup() -> Spec | None:
                conn = self._conn()
                rows = conn.execute(_SPEC_SELECT + " WHERE id = ?", (spec_id.strip(),)).fetchall()
                if rows:
                    return self._order([self._spec(r) for r in rows])[0]
                return None

            hit = self._guard(lookup, lambda f: None)
            if hit is not None:
                return hit
        return super().get(spec_id)

    def query(self, node: "Node") -> list[Spec]:
        """Specs matching a query, compiled to SQL (the same set as the reference)."""
        return self._guard(lambda: self._query(node), lambda f: f.query(node))

    def _compiled(self, conn: sqlite3.Connection, node: "Node") -> tuple[str, list[Any]]:
        """The SQL (selecting ``sid``) and parameters of a query."""
        from sdd_sqlite.compile import compile_query, uses_graph

        key_of_ref: Callable[[str], str] = lambda ref: ref.strip().lower()  # noqa: E731
        if uses_graph(node):
            key_of_ref = self._key_of_ref(conn)
        sql, params = compile_query(node, key_of_ref)
        return sql, list(params)

    def summaries(self, node: "Node | None" = None) -> list[SpecSummary]:
        """Listing fields of the matching specs, read from the columns (no spec built)."""
        if self._result is not None:
            return super().summaries(node)
        return self._guard(lambda: self._summaries(node), lambda f: f.summaries(node))

    def _summaries(self, node: "Node | None") -> list[SpecSummary]:
        conn = self._conn()
        where, params = " WHERE id IS NOT NULL", list[Any]()
        if node is not None:
            sql, params = self._compiled(conn, node)
            where = f" WHERE id IS NOT NULL AND sid IN ({sql})"
        dates = _DATES
        out: list[SpecSummary] = []
        for (spec_id, path, title, status, phase, domain, created, updated, author,
             light) in conn.execute("SELECT id, path, title, status, phase, domain, created,"
                                    " updated, author, light FROM specs" + where, params):
            depends, reviewers, tags, _ = pickle.loads(light)
            out.append(SpecSummary(
                spec_id, path, title, status, phase, domain, depends,
                dates[created] if created in dates else _date(created),
                dates[updated] if updated in dates else _date(updated),
                author, reviewers, tags))
        return self._order(out)  # type: ignore[arg-type]

    def _query(self, node: "Node") -> list[Spec]:
        conn = self._conn()
        sql, params = self._compiled(conn, node)
        sids = [r[0] for r in conn.execute(sql, params)]
        missing = [s for s in sids if s not in self._by_sid]
        for i in range(0, len(missing), 500):
            part = missing[i:i + 500]
            marks = ",".join("?" * len(part))
            for row in conn.execute(_SPEC_SELECT + f" WHERE sid IN ({marks})", part):
                self._spec(row)
        return list(self._order([self._by_sid[s] for s in sids]))

    def _key_of_ref(self, conn: sqlite3.Connection) -> Callable[[str], str]:
        from sdd_core.query import resolve_ref

        stubs = self.cache.id_stubs(conn)
        folded: dict[str, str] = {}
        for sid in stubs:
            folded.setdefault(sid.lower(), sid)

        def key_of_ref(ref: str) -> str:
            hit = resolve_ref(ref, stubs, None)  # type: ignore[arg-type]
            if hit is not None:
                return hit.id.lower()
            f = folded.get(ref.strip().lower())
            return f.lower() if f is not None else ref.strip().lower()

        return key_of_ref

    def front_matter_keys(self) -> set[str]:
        """Every front matter key any spec uses that a query may name as a field (those
        ``sdd_core.query.names_builtin_field`` does not read as a built-in field)."""
        from sdd_core.query import names_builtin_field

        return self._guard(
            lambda: {r[0] for r in self._conn().execute("SELECT DISTINCT key FROM meta_values")},
            lambda f: {k for s in f.specs() for k in s.meta
                       if not (isinstance(k, str) and names_builtin_field(k))})

    def search(self, text: str, limit: int = 50) -> list[tuple[Spec, float]]:
        """Ranked full-text search (bm25) over titles, descriptions, requirements, scenarios
        and bodies: ``(spec, score)``, every word required. Reads the ``fts5`` search
        backend's tables; ``sdd search`` offers the full syntax."""
        from sdd_sqlite.search import SPEC_BM25, TEXT_COLUMNS

        def run() -> list[tuple[Spec, float]]:
            conn = self._conn()
            terms = " ".join('"' + w.replace('"', '""') + '"' for w in text.split())
            if not terms:
                return []
            rows = conn.execute(
                f"SELECT s.sid, s.path, s.id, s.title, s.status, s.phase, s.domain, s.created,"
                f" s.updated, s.author, s.constitution_version, s.description, s.hash, s.light,"
                f" bm25(search_specs, {SPEC_BM25}) AS score FROM search_specs f"
                f" JOIN specs s ON s.sid = f.rowid WHERE search_specs MATCH ?"
                f" AND s.id IS NOT NULL ORDER BY score, s.id LIMIT ?",
                (f"{TEXT_COLUMNS} : ({terms})", limit)).fetchall()
            return [(self._spec(r[:-1]), -float(r[-1])) for r in rows]

        return self._guard(run, lambda f: [])

    # ------------------------------------------------------------------ validation

    def validation_findings(self, run: Callable[[LoadResult], "list[Finding]"]
                            ) -> "list[Finding]":
        """Findings of every rule: per-spec rules of unchanged specs come from the cache,
        and when nothing that any rule reads changed since the last run, every finding does
        (without building a single spec)."""
        if self._result is None and self._fallback is None:
            try:
                memo = self._memo_findings()
            except sqlite3.Error:
                memo = None
            if memo is not None:
                return memo
        result = self.result()
        if self._fallback is not None:
            return run(result)
        try:
            return self._validation(result, run)
        except sqlite3.Error:
            return run(result)

    # The whole-run memo: every finding of the last full run, stored under a key made of
    # everything the built-in rules read (the rules' code, the config and constitution, each
    # spec file's path, id, content hash, date and parse problems, and whether each relative
    # link target exists). A rule from a plugin may read anything, so the memo is only used
    # when every rule is a built-in one.

    def _memo_key(self, conn: sqlite3.Connection) -> bytes | None:
        project = self.project
        registry = project.rules
        if not all(project.pm.is_builtin(registry.providers.get(r.code, ""))
                   for r in registry.values()):
            return None
        h = _blake2b(self._rules_key(registry.values()), digest_size=16)
        root = str(project.root) + os.sep
        exists: dict[str, bytes] = {}
        for path, spec_id, hash_, updated, light, problems in conn.execute(
                "SELECT path, id, hash, updated, light, problems FROM specs ORDER BY path"):
            h.update(f"\0{path}\0{spec_id}\0{hash_}\0{updated}\0".encode())
            if problems is not None:
                h.update(_blake2b(problems, digest_size=16).digest())
            if light is not None:
                for p in pickle.loads(light)[3]:
                    bit = exists.get(p)
                    if bit is None:
                        bit = exists[p] = b"\1" if os.path.exists(root + p) else b"\0"
                    h.update(bit)
        return h.digest()

    def _memo_findings(self) -> "list[Finding] | None":
        conn = self._conn()
        row = conn.execute("SELECT value FROM state WHERE key='validation'").fetchone()
        if row is None or not isinstance(row[0], bytes):
            return None
        key = self._memo_key(conn)
        if key is None or row[0][:16] != key:
            return None
        return _unpack(row[0][16:]).get("", [])

    def _validation(self, result: LoadResult, run: Callable[[LoadResult], "list[Finding]"]
                    ) -> "list[Finding]":
        from sdd_core.registry import RuleContext
        from sdd_core.validation import run_rules, sort_findings

        project = self.project
        registry = project.rules
        rules = registry.values()
        cacheable = [r for r in rules if r.check is not None and r.check_project is None]
        if not cacheable:
            return run(result)
        foreign = any(not project.pm.is_builtin(registry.providers.get(r.code, ""))
                      for r in cacheable)
        base = self._validation_key(result, cacheable, foreign)
        conn = self._conn()
        stored = {sid: (key, data) for sid, key, data in
                  conn.execute("SELECT sid, key, data FROM findings")}
        root = str(project.root) + os.sep
        per_spec: list[dict[str, list[Finding]]] = []
        fresh: list[tuple[int, str, bytes | None]] = []
        ctx = None
        seed = _blake2b(base, digest_size=16)
        exists: dict[str, bytes] = {}  # link target -> b"\1" when the file exists
        sid_of = self._sid_of
        links = self._links
        for spec in result.specs:
            sid = sid_of.get(id(spec))
            if sid is None:
                return run(result)
            h = seed.copy()
            h.update(f"\0{spec.hash}\0{spec.path}\0{spec.updated}".encode())
            for p in links.get(sid, ()):
                bit = exists.get(p)
                if bit is None:
                    bit = exists[p] = b"\1" if os.path.exists(root + p) else b"\0"
                h.update(bit)
            key = h.hexdigest()
            hit = stored.get(sid)
            if hit is not None and hit[0] == key:
                per_spec.append(_unpack(hit[1]) if hit[1] is not None else {})
                continue
            if ctx is None:
                ctx = RuleContext(project=project, specs=result.by_id(), result=result)
            found: dict[str, list[Finding]] = {}
            for rule in cacheable:
                try:
                    items = list(rule.check(spec, ctx))  # type: ignore[misc]
                except Exception:  # noqa: BLE001 - the full run reports the crash
                    return run(result)
                if items:
                    found[rule.code] = items
            per_spec.append(found)
            fresh.append((sid, key, _pack(found) if found else None))
        # project-wide rules run every time (cheap); ties between findings of one rule keep
        # the rule's order, as in run_rules
        findings: list[Finding] = run_rules(project, result,
                                            [r for r in rules if r not in cacheable])
        for rule in cacheable:
            for found in per_spec:
                findings.extend(found.get(rule.code, ()))
        findings = sort_findings(findings)
        memo_key = self._memo_key(conn)
        memo = memo_key + _pack({"": findings}) if memo_key is not None else None
        if fresh or memo is not None:
            self._store_findings(fresh, memo)
        return findings

    def _store_findings(self, rows: list[tuple[int, str, bytes | None]],
                        memo: bytes | None = None) -> None:
        conn = self.cache.conn
        if conn is None:
            return
        try:
            if conn.in_transaction:
                conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT OR REPLACE INTO findings SELECT ?, ?, ?"
                             " WHERE EXISTS (SELECT 1 FROM specs WHERE sid=?)",
                             [(sid, key, data, sid) for sid, key, data in rows])
            if memo is not None:
                conn.execute("INSERT OR REPLACE INTO state VALUES ('validation', ?)", (memo,))
            conn.execute("COMMIT")
        except sqlite3.Error:  # busy or read-only: the findings are simply not cached
            if conn.in_transaction:
                conn.execute("ROLLBACK")

    def _rules_key(self, rules: list[Any]) -> bytes:
        """What every cached finding depends on besides the specs: the rules (and their
        code), the config and the constitution."""
        import sdd_core
        from sdd_core.basics import PARSE_VERSION

        project = self.project
        h = _blake2b(digest_size=16)
        h.update(sdd_core.__version__.encode())
        h.update(f"\0parser {PARSE_VERSION}".encode())
        for rule in rules:
            provider = project.rules.providers.get(rule.code, "")
            h.update(f"\0{rule.code}\0{provider}\0{rule.severity}".encode())
            for fn in (rule.check, rule.check_project):
                code = getattr(fn, "__code__", None)
                if code is not None:
                    try:
                        st = os.stat(code.co_filename)
                        h.update(f"{code.co_filename}{st.st_mtime_ns}{st.st_size}".encode())
                    except OSError:
                        pass
        for name in ("config.yml", "constitution.md"):
            try:
                h.update((project.sdd_dir / name).read_bytes())
            except OSError:
                h.update(b"-")
        return h.digest()

    def _validation_key(self, result: LoadResult, rules: list[Any], foreign: bool) -> bytes:
        """What every cached per-spec finding depends on besides the spec itself: the rules
        (and their code), the config, the constitution, and the set of spec ids and paths
        (every spec's content too when a rule from outside the core may read other specs)."""
        h = _blake2b(self._rules_key(rules), digest_size=16)
        for spec in result.specs:
            h.update(f"\0{spec.id}\0{spec.path}".encode())
            if foreign:
                h.update(spec.hash.encode())
        return h.digest()


def open_index(project: "Project") -> SqliteIndex:
    """The factory registered as the ``sqlite`` index backend."""
    return SqliteIndex(project)
