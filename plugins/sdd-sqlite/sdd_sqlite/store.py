"""The cache file: opening it safely, and the incremental refresh from the spec files.

The refresh stats every spec file (``os.scandir``: mtime in nanoseconds and size), compares
with what the cache recorded, and re-reads only the files that differ. All changes of one
refresh are written in one ``BEGIN IMMEDIATE`` transaction, so a reader (WAL) sees either the
cache before the refresh or after it, never a half-written state. A full rebuild is the same
transaction with every table emptied first.
"""

from __future__ import annotations

import gc
import io
import json
import marshal
import os
import pickle
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from sdd_sqlite import schema

if TYPE_CHECKING:
    from sdd_core.model import Finding, Spec
    from sdd_core.progress import Progress
    from sdd_core.project import Project

CACHE_DIR = ".cache"
CACHE_FILE = "sdd.db"
#: A file modified less than this many seconds before it was read may change again within
#: the same mtime tick; such files are re-hashed on the next refresh.
RACY_SECONDS = 2.0

#: Spec fields kept as columns (or in the small ``light`` blob): enough for listings,
#: queries and sorting. Everything else is loaded on first access.
LIGHT_FIELDS: tuple[str, ...] = (
    "id", "path", "title", "status", "phase", "domain", "depends", "created", "updated",
    "author", "reviewers", "tags", "constitution_version", "description", "hash",
)


def cache_path(project: "Project") -> Path:
    """Where a project's cache lives: ``.sdd/.cache/sdd.db``."""
    return project.sdd_dir / CACHE_DIR / CACHE_FILE


def walk_key(path: str) -> tuple[tuple[int, str], ...]:
    """A sort key giving the order ``os.walk`` (sorted, top-down) visits files in: a folder's
    files before its subfolders'."""
    parts = path.split("/")
    return tuple((1, p) for p in parts[:-1]) + ((0, parts[-1]),)


def scan(specs_dir: str, prefix: str,
         dirs: list[tuple[str, int]] | None = None) -> dict[str, tuple[int, int]]:
    """``{project-relative path: (mtime_ns, size)}`` of every spec file (the same files
    :func:`sdd_core.index.walk_spec_files` yields). A file that cannot be stat-ed maps to
    ``(-1, -1)``. ``dirs`` (when given) receives ``(relative folder path, mtime_ns)`` of every
    folder listed, parents before children, each stat-ed before it was listed."""
    out: dict[str, tuple[int, int]] = {}
    stack = [(specs_dir, prefix)]
    while stack:
        folder, rel = stack.pop()
        if dirs is not None:
            try:
                dirs.append((rel, os.stat(folder).st_mtime_ns))
            except OSError:
                continue
        subs = _list_folder(folder, rel, out)
        if subs is None:
            if dirs is not None:
                dirs.pop()
            continue
        stack.extend(subs)
    return out


# ---------------------------------------------------------------------- the walk snapshot
#
# Listing 10,000 folders costs far more than stat-ing them. After every refresh the cache
# records each folder's mtime and the stat of each spec file in it. The next refresh stats the
# folders: a folder whose mtime is unchanged has the same entries (adding, removing or renaming
# an entry changes it), so only its files are stat-ed; a changed folder is listed again and new
# subfolders are walked. Folders modified within RACY_SECONDS of being recorded are always
# listed again.
#
# The record is split in two ``state`` rows. ``walk`` is small and read by every refresh: the
# folders' mtimes and the files' ``(mtime_ns, size)``, packed as 64-bit integers in walk order
# (:func:`sdd_core.statahead.stat_paths` gives the same layout, so "nothing changed" is two
# byte-string comparisons), and the key of ``walk-paths``: the folders and files themselves,
# read only when something differs. The same paths are the stat-ahead plan
# (:mod:`sdd_core.statahead`): the ``sdd`` launcher stats them in a child process while the
# CLI starts, and the refresh takes those figures instead of stat-ing 20,000 paths itself.

_WALK_FORMAT = 3


@dataclass
class Walk:
    """A walk snapshot: what :func:`encode_walk` recorded."""

    prefix: str
    key: bytes
    any_racy: bool
    #: indexes of the folders modified within RACY_SECONDS of the record
    racy_dirs: list[int]
    dmtimes: bytes
    fstats: bytes
    #: ``(folders, files per folder, files)``, read on demand
    paths: tuple[list[str], list[int], list[str]] | None = None


def encode_walk(prefix: str, disk: dict[str, tuple[int, int]], dirs: list[tuple[str, int]],
                any_racy: bool, now: float) -> tuple[bytes, bytes, bytes, list[str]] | None:
    """``(walk row, walk-paths row, key, plan)`` for a walk that found ``disk`` in ``dirs``
    (``None`` when a file lies outside the folders listed). The key is a digest of the paths,
    so two processes recording the same tree agree on it."""
    from array import array

    from sdd_core.basics import blake2b

    files: dict[str, list[str]] = {rel: [] for rel, _ in dirs}
    for path in disk:
        folder = files.get(path[: path.rfind("/") + 1])
        if folder is None:
            return None
        folder.append(path)
    drels = [rel for rel, _ in dirs]
    frels = [path for rel in drels for path in files[rel]]
    # marshal version 2 writes no back-references, so equal paths give equal bytes (and key)
    paths = marshal.dumps((prefix, drels, [len(files[rel]) for rel in drels], frels), 2)
    key = blake2b(paths, digest_size=16).digest()
    limit = int((now - RACY_SECONDS) * 1e9)
    flat = array("q", [v for p in frels for v in disk[p]])
    head = marshal.dumps((
        _WALK_FORMAT, prefix, key, any_racy,
        [i for i, (_, mtime) in enumerate(dirs) if mtime >= limit],
        array("q", [mtime for _, mtime in dirs]).tobytes(), flat.tobytes()))
    return head, paths, key, drels + frels


def decode_walk(blob: bytes | None) -> Walk | None:
    """The snapshot of a ``walk`` row, ``None`` when there is none usable."""
    try:
        data: Any = marshal.loads(blob) if blob else None
        if isinstance(data, tuple) and len(data) == 7 and data[0] == _WALK_FORMAT:
            return Walk(*data[1:])
    except (EOFError, ValueError, TypeError):
        pass
    return None


def _load_paths(walk: Walk, blob: bytes | None) -> bool:
    """Fill ``walk.paths`` from a ``walk-paths`` row; False when it does not match."""
    from sdd_core.basics import blake2b

    if walk.paths is not None:
        return True
    if not blob or blake2b(blob, digest_size=16).digest() != walk.key:
        return False
    try:
        prefix, drels, dcounts, frels = marshal.loads(blob)
    except (EOFError, ValueError, TypeError):
        return False
    if prefix != walk.prefix or len(drels) * 8 != len(walk.dmtimes) \
            or len(frels) * 16 != len(walk.fstats):
        return False
    walk.paths = (drels, dcounts, frels)
    return True


@dataclass
class Scan:
    """What :func:`quick_scan` found."""

    #: True: every folder and file as the snapshot recorded; False: the same files, but some
    #: differ from the snapshot (or may: racy files); None: folders changed or no snapshot.
    same: bool | None
    #: ``{path: (mtime_ns, size)}`` of every spec file (built on first use when ``same``
    #: is not None)
    _disk: dict[str, tuple[int, int]] | None = None
    #: ``(folder, mtime_ns)`` of every folder walked (when ``same`` is None)
    dirs: list[tuple[str, int]] = field(default_factory=list)
    walk: Walk | None = None
    #: the files' stats now, packed as in :class:`Walk` (when ``same`` is not None)
    fstats: bytes = b""
    #: whether the stats came from the stat-ahead child
    ahead: bool = False

    def folders(self) -> list[tuple[str, int]]:
        """``(folder, mtime_ns)`` of every folder: the walked ones, or the snapshot's when
        the folders are unchanged."""
        if self.same is None or self.walk is None or self.walk.paths is None:
            return self.dirs
        from array import array

        dmtimes = array("q")
        dmtimes.frombytes(self.walk.dmtimes)
        return list(zip(self.walk.paths[0], dmtimes.tolist()))

    @property
    def disk(self) -> dict[str, tuple[int, int]]:
        if self._disk is None:
            from sdd_core.statahead import unpack

            assert self.walk is not None and self.walk.paths is not None
            self._disk = dict(zip(self.walk.paths[2], unpack(self.fstats)))
        return self._disk

    def stats_of(self, paths: list[str]) -> dict[str, tuple[int, int]]:
        """``{path: stat now}`` of those of ``paths`` the snapshot lists (``same`` not
        None)."""
        from sdd_core.statahead import unpack

        assert self.walk is not None and self.walk.paths is not None
        want = set(paths)
        if not want:
            return {}
        return {p: unpack(self.fstats[i * 16:i * 16 + 16])[0]
                for i, p in enumerate(self.walk.paths[2]) if p in want}

    def changed(self) -> dict[str, tuple[int, int]]:
        """``{path: stat}`` of the files whose stat differs from the snapshot's (``same``
        False, same folders)."""
        from sdd_core.statahead import unpack

        assert self.walk is not None and self.walk.paths is not None
        frels = self.walk.paths[2]
        old, cur = self.walk.fstats, self.fstats
        out: dict[str, tuple[int, int]] = {}
        block = 16 * 512
        for start in range(0, len(cur), block):
            if cur[start:start + block] == old[start:start + block]:
                continue
            for at in range(start, min(start + block, len(cur)), 16):
                if cur[at:at + 16] != old[at:at + 16]:
                    out[frels[at // 16]] = unpack(cur[at:at + 16])[0]
        return out


def quick_scan(root: str, prefix: str, blob: bytes | None,
               paths: Callable[[], bytes | None]) -> Scan:
    """Compare the files under ``root/prefix`` with the snapshot of a ``walk`` row (``paths``
    gives its ``walk-paths`` row when needed), using the stat-ahead figures when there are."""
    from array import array

    from sdd_core import statahead

    specs_dir = os.path.join(root, prefix)
    walk = decode_walk(blob)
    if walk is None or walk.prefix != prefix:
        dirs: list[tuple[str, int]] = []
        return Scan(None, scan(specs_dir, prefix, dirs), dirs)
    nd = len(walk.dmtimes) // 8
    cur = statahead.results(root, walk.key)
    ahead = cur is not None
    if cur is None:
        if not _load_paths(walk, paths()):
            dirs = []
            return Scan(None, scan(specs_dir, prefix, dirs), dirs)
        drels, _, frels = walk.paths  # type: ignore[misc]
        if statahead.enabled() and statahead.plan_key(root) != walk.key:
            statahead.save_plan(root, walk.key, drels + frels)
        cur = statahead.stat_paths(root, drels + frels)
    if len(cur) != nd * 16 + len(walk.fstats):
        cur = b""  # a plan of other paths: treat every folder as changed
    dstats = array("q")
    dstats.frombytes(cur[: nd * 16])
    if cur and not walk.racy_dirs and dstats[::2].tobytes() == walk.dmtimes:
        # no folder gained, lost or renamed an entry: the same files
        fstats = cur[nd * 16:]
        same = not walk.any_racy and fstats == walk.fstats
        if not same and not _load_paths(walk, paths()):
            dirs = []
            return Scan(None, scan(specs_dir, prefix, dirs), dirs)
        return Scan(same, None, [], walk, fstats, ahead)
    if not _load_paths(walk, paths()):
        dirs = []
        return Scan(None, scan(specs_dir, prefix, dirs), dirs)
    drels, dcounts, frels = walk.paths  # type: ignore[misc]
    dmt = array("q")
    dmt.frombytes(walk.dmtimes)
    racy = set(walk.racy_dirs)
    disk, dirs = _scan_by_folder(specs_dir, prefix, drels, dmt.tolist(),
                                 [i in racy for i in range(nd)], dcounts, frels)
    return Scan(None, disk, dirs, walk)


def _list_folder(folder: str, rel: str, files: dict[str, tuple[int, int]]
                 ) -> list[tuple[str, str]] | None:
    """List one folder: the stat of each spec file in it goes into ``files`` (``(-1, -1)``
    when it cannot be stat-ed); returns its subfolders as ``(path, relative path/)``
    (hidden entries and symlinked folders skipped), or ``None`` when it cannot be listed."""
    from sdd_core.basics import is_spec_filename

    subs: list[tuple[str, str]] = []
    try:
        it = os.scandir(folder)
    except OSError:
        return None
    with it:
        for entry in it:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.is_symlink():
                    subs.append((entry.path, f"{rel}{name}/"))
                continue
            if not is_spec_filename(name):
                continue
            try:
                st = entry.stat()
                files[rel + name] = (st.st_mtime_ns, st.st_size)
            except OSError:
                files[rel + name] = (-1, -1)
    return subs


def _scan_by_folder(specs_dir: str, prefix: str, drels: list[str], dmtimes: list[int],
                    dracy: list[bool], dcounts: list[int], frels: list[str]
                    ) -> tuple[dict[str, tuple[int, int]], list[tuple[str, int]]]:
    """:func:`quick_scan` when some folder changed: unchanged folders have their files
    stat-ed, changed ones are listed again and new subfolders walked."""
    disk: dict[str, tuple[int, int]] = {}
    dirs: list[tuple[str, int]] = []
    # folder -> None (unchanged) or its subfolders (listed again); absent: gone
    alive: dict[str, set[str] | None] = {}
    recorded = set(drels)
    top = specs_dir + "/"
    cut = len(prefix)
    stat = os.stat
    missing = (-1, -1)
    start = 0
    for rel, mtime, racy, count in zip(drels, dmtimes, dracy, dcounts):
        first, start = start, start + count
        if rel != prefix:
            parent = rel[: rel.rfind("/", 0, -1) + 1]
            if parent not in alive:
                continue  # its parent is gone
            listed = alive[parent]
            if listed is not None and rel not in listed:
                continue  # its parent no longer lists it
        folder = top + rel[cut:]
        try:
            now_mtime = stat(folder).st_mtime_ns
        except OSError:
            continue
        if now_mtime == mtime and not racy:
            alive[rel] = None
            dirs.append((rel, mtime))
            for path in frels[first:start]:
                try:
                    st = stat(top + path[cut:])
                except OSError:
                    disk[path] = missing
                    continue
                disk[path] = (st.st_mtime_ns, st.st_size)
            continue
        # the folder changed (or may have): list it again, walk new subfolders
        dirs.append((rel, now_mtime))
        subs = _list_folder(folder, rel, disk)
        if subs is None:
            dirs.pop()
            continue
        for path, sub in subs:
            if sub not in recorded:
                disk.update(scan(path, sub, dirs))
        alive[rel] = {sub for _, sub in subs}
    return disk, dirs


@dataclass
class RefreshReport:
    """What one refresh changed."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    #: How many worker processes read the files (0: this process read them).
    workers: int = 0
    #: Whether the files' stats came from the stat-ahead child (:mod:`sdd_core.statahead`).
    stats_ahead: bool = False

    @property
    def any(self) -> bool:
        """Whether anything changed."""
        return bool(self.added or self.changed or self.deleted)


# ---------------------------------------------------------------------- encoding one spec


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _heavy(spec: "Spec") -> bytes:
    data = spec.__dict__
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _reducers()
    heavy = {k: v for k, v in data.items() if k not in LIGHT_FIELDS and k != "body"}
    _in_body(heavy, data.get("body") or "")
    pickler.dump(heavy)
    return buf.getvalue()


# The texts of requirements are pieces of the body, which is stored anyway (``bodies``): the
# pickled data keeps where they are in it, ``(start, length)``, rather than a second copy (a
# third of the blob). ``_in_body`` names the fields so kept. (Steps and section titles are
# short and many: making them whole again in Python cost more load time than it saved.)


def _in_body(heavy: dict[str, Any], body: str) -> None:
    """Replace texts found in ``body`` by their place in it (a field stays as it is when one
    of its texts is not found)."""
    kept: list[str] = []
    find = body.find
    reqs = heavy.get("requirements")
    if reqs:
        out: list[Any] = []
        at = 0
        for r in reqs:
            i = find(r.text, at)
            if i < 0:
                break
            at = i + len(r.text)
            out.append((r.id, r.title, i, len(r.text), r.keywords, r.line))
        else:
            heavy["requirements"] = out
            kept.append("requirements")
    if kept:
        heavy["_in_body"] = kept


def inflate(values: dict[str, Any], body: str) -> dict[str, Any]:
    """The heavy fields of a spec from its unpickled ``spec_data`` and its body (texts kept
    as places in the body made whole again); ``values`` gains ``body``."""
    kept = values.pop("_in_body", None)
    if kept:
        from sdd_core.parts import Requirement

        if "requirements" in kept:
            values["requirements"] = [Requirement(rid, title, body[i:i + n], kws, line)
                                      for rid, title, i, n, kws, line in values["requirements"]]
    values["body"] = body
    return values


_REDUCERS: dict[type, Any] = {}


def _reducers() -> dict[type, Any]:
    """Pickle the parser's small dataclasses as ``cls(*fields)``: their default pickling
    (``__getstate__`` of a slotted dataclass) is several times slower. Loading is plain
    ``pickle.loads``, which also reads blobs written the default way."""
    if not _REDUCERS:
        import copyreg
        import dataclasses
        import operator

        from sdd_core.parts import Link, Requirement, Scenario, Section, Step

        table = dict(copyreg.dispatch_table)
        for cls in (Step, Scenario, Requirement, Section, Link):
            names = [f.name for f in dataclasses.fields(cls)]
            getter = operator.attrgetter(*names)
            table[cls] = (lambda c, g: lambda obj: (c, g(obj)))(cls, getter)
        _REDUCERS.update(table)
    return _REDUCERS


def spec_row(spec: "Spec") -> tuple[Any, ...]:
    """The metadata columns of ``specs`` for one parsed spec (from ``title`` on)."""
    return (
        spec.title, spec.title.lower(), spec.status, _clamp(spec.phase), spec.domain,
        (spec.domain or "").lower(),
        spec.created.isoformat() if spec.created else None,
        spec.updated.isoformat() if spec.updated else None,
        spec.author, (spec.author or "").lower(), spec.constitution_version, spec.description,
        json.dumps(spec.meta, default=_json_default, ensure_ascii=False),
        pickle.dumps((spec.depends, spec.reviewers, spec.tags, link_paths(spec)),
                     protocol=pickle.HIGHEST_PROTOCOL),
    )


def _escape_key(key: str) -> str:
    return key.replace("\\", "\\\\").replace("\n", "\\n")


def keys_column(meta: dict[Any, Any]) -> str:
    """``specs.keys_lc``: the front matter keys, lower-cased, each followed by a newline and
    the first preceded by one (a backslash or newline in a key escaped), so that
    :func:`has_key` finds a key with ``instr``."""
    keys = "\n".join(map(str, meta))
    if "\\" not in keys and keys.count("\n") == len(meta) - 1:  # no key to escape
        return f"\n{keys.lower()}\n" if meta else "\n"
    return "\n" + "".join(f"{_escape_key(str(k).lower())}\n" for k in meta)


def has_key(key: str) -> str:
    """What ``instr(keys_lc, ...)`` looks for: a spec has front matter key ``key`` (any
    case)."""
    return f"\n{_escape_key(key.lower())}\n"


def _clamp(n: int | None) -> int | None:
    if n is None:
        return None
    return max(-(2**63) + 1, min(2**63 - 1, n))


_SCHEMES = ("http:", "https:", "mailto:", "ftp:", "tel:", "data:", "javascript:")


def link_paths(spec: "Spec") -> list[str]:
    """Project-relative paths of the files a spec's relative links point to (whether they
    exist decides the broken-link finding, so cached findings are keyed by it)."""
    if not spec.links:
        return []  # most specs (and a rebuild prepares 10,000 of them)
    import posixpath
    from urllib.parse import unquote

    out: list[str] = []
    base = posixpath.dirname(spec.path)
    for link in spec.links:
        target = link.target.strip()
        if not target or target.startswith("#") or target.lower().startswith(_SCHEMES) \
                or "://" in target:
            continue
        path = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if path:
            out.append(posixpath.normpath(path.lstrip("/") if path.startswith("/")
                                          else posixpath.join(base, path)))
    return out


SPEC_COLUMNS = ("title, title_lc, status, phase, domain, domain_lc, created, updated, author,"
                " author_lc, constitution_version, description, meta, light")


# ---------------------------------------------------------------------- the cache


class Cache:
    """One project's cache database."""

    def __init__(self, project: "Project", path: Path | None = None) -> None:
        self.project = project
        self.path = path or cache_path(project)
        self.conn: sqlite3.Connection | None = None
        self.warned = False
        self.last_report: RefreshReport | None = None

    # ------------------------------------------------------------------ opening

    def open(self) -> sqlite3.Connection:
        """The connection, with the schema created or upgraded. A corrupt or unreadable
        file is deleted and recreated with one warning."""
        if self.conn is not None:
            return self.conn
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = schema.connect(self.path)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            outcome = schema.ensure_schema(conn)
        except sqlite3.DatabaseError as exc:
            if not schema.is_corruption(exc):
                raise
            self.reset(f"the cache {self.path} is unreadable ({exc}); rebuilding it from the"
                       " spec files")
            conn = schema.connect(self.path)
            outcome = schema.ensure_schema(conn)
        if outcome == "reset":
            self.warn(f"the cache {self.path} was written by another SDD version; rebuilt")
        self.conn = conn
        return conn

    def reset(self, message: str) -> None:
        """Warn once and delete the cache files (the next open recreates them)."""
        self.close()
        self.warn(message)
        schema.remove_cache_files(self.path)

    def warn(self, message: str) -> None:
        """One warning per process and cache."""
        if not self.warned:
            self.warned = True
            schema.warn(message)

    def close(self) -> None:
        """Close the connection (ending any open read transaction)."""
        if self.conn is not None:
            try:
                self.conn.close()
            except sqlite3.Error:
                pass
            self.conn = None

    # ------------------------------------------------------------------ refresh

    def refresh(self, *, full: bool = False) -> RefreshReport:
        """Bring the cache up to date with the files (``full``: rebuild everything)."""
        conn = self.open()
        t0 = time.perf_counter()
        project = self.project
        prefix = project.specs_rel + "/"
        if not full and self._state(conn, "parser") != _rows_version():
            # rows made by another version of the parser (or of the search rows, whose text
            # deletes must give again): read every file again
            full = True
        dirs: list[tuple[str, int]] = []
        # partial: only the files in `disk` differ from the snapshot `walk_row` (same folders)
        partial = False
        walk_row: bytes | None = None
        ahead = False
        sc: Scan | None = None
        if full:
            disk, dirs = self._rebuild_walk(conn, prefix)
        else:
            walk_row = self._state(conn, "walk")
            sc = quick_scan(str(project.root), prefix, walk_row,
                            lambda: self._state(conn, "walk-paths"))
            ahead = sc.ahead
            if sc.same:  # every folder and file as the snapshot recorded: nothing to read
                report = RefreshReport(seconds=time.perf_counter() - t0, stats_ahead=ahead)
                self.last_report = report
                return report
            racy = self._racy(conn) if sc.same is False and sc.walk is not None \
                and sc.walk.any_racy else []
            racy_now = sc.stats_of(racy) if racy else {}
            if sc.same is False and len(racy_now) == len(set(racy)):
                # the same files: compare only those whose stat differs, and the racy ones
                partial, disk = True, sc.changed()
                disk.update(racy_now)
            else:
                disk = sc.disk
                dirs = sc.folders()
            if sc.same is None:  # folders changed, perhaps no spec did: look before locking
                known = self._known(conn)
                todo = self._diff(disk, known)
                if todo is None:
                    self._store_walk(conn, prefix, disk, dirs)
                    report = RefreshReport(seconds=time.perf_counter() - t0,
                                           stats_ahead=ahead)
                    self.last_report = report
                    return report
        producer: _Producer | None = None
        bar: "Progress | None" = None
        if full:
            # the cache is derived data: a rebuild does not wait for the disk (a crash
            # mid-way leaves a cache that is detected as damaged and rebuilt again)
            conn.execute("PRAGMA synchronous=OFF")
            # the files are read by worker processes while the old tables are emptied
            producer = self._producer(plan(sorted(disk), disk, {}, 1))
        try:
            conn.execute("BEGIN IMMEDIATE")
            if partial and self._state(conn, "walk") != walk_row:
                # another process refreshed in between: compare every file
                assert sc is not None
                partial, disk, dirs = False, sc.disk, sc.folders()
            indexes: list[tuple[str, str]] = []
            if full:
                # the indexes are built again once every row is in: cheaper than keeping
                # them up to date row by row
                indexes = schema.data_indexes(conn)
                for name, _ in indexes:
                    conn.execute(f'DROP INDEX "{name}"')
                for table in schema.DATA_TABLES:
                    conn.execute(f"DELETE FROM {table}")
                from sdd_sqlite import search as search_index

                search_index.clear(conn)
                known = {}
            else:  # again, under the write lock
                known = self._known(conn, list(disk) if partial else None)
            todo = self._diff(disk, known) if not full else (sorted(disk), [], [])
            report = RefreshReport(stats_ahead=ahead)
            if todo is not None:
                from sdd_core.progress import progress

                # on a terminal, a refresh that takes a while shows its progress on stderr
                # (until the commit: the edges, indexes and commit follow the last file)
                bar = progress("sdd: rebuilding the cache" if full else
                               "sdd: reading changed spec files", len(todo[0]))
                self._apply(conn, disk, known, *todo, report=report, full=full,
                            producer=producer, bar=bar)
            for _, sql in indexes:
                conn.execute(sql)
            conn.execute("INSERT OR REPLACE INTO state VALUES ('last_refresh', ?)",
                         (str(time.time()),))
            if full:
                conn.execute("INSERT OR REPLACE INTO state VALUES ('parser', ?)",
                             (_rows_version(),))
            if partial:
                assert sc is not None and sc.walk is not None
                self._write_stats(conn, sc.walk, sc.fstats)
            else:
                self._write_walk(conn, prefix, disk, dirs)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            if bar is not None:
                bar.close()
            if producer is not None:
                producer.close()
            if full:
                conn.execute("PRAGMA synchronous=NORMAL")
        report.seconds = time.perf_counter() - t0
        self.last_report = report
        return report

    def _rebuild_walk(self, conn: sqlite3.Connection, prefix: str
                      ) -> tuple[dict[str, tuple[int, int]], list[tuple[str, int]]]:
        """The walk of a rebuild: what :func:`scan` finds, found through the walk snapshot
        when there is one (stat-ing unchanged folders rather than listing all of them)."""
        def state(key: str) -> Any:
            try:
                return self._state(conn, key)
            except sqlite3.DatabaseError:
                return None

        sc = quick_scan(str(self.project.root), prefix, state("walk"),
                        lambda: state("walk-paths"))
        if sc.same is not None and (sc.walk is None
                                    or not _load_paths(sc.walk, state("walk-paths"))):
            dirs: list[tuple[str, int]] = []
            return scan(str(self.project.specs_dir), prefix, dirs), dirs
        return sc.disk, sc.folders()

    @staticmethod
    def _racy(conn: sqlite3.Connection) -> list[str]:
        """The paths of the files marked racy (re-hashed by the next refresh)."""
        return [r[0] for r in conn.execute("SELECT path FROM specs WHERE racy")]

    @staticmethod
    def _state(conn: sqlite3.Connection, key: str) -> Any:
        row = conn.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def _write_walk(self, conn: sqlite3.Connection, prefix: str,
                    disk: dict[str, tuple[int, int]], dirs: list[tuple[str, int]]) -> None:
        """Record the walk snapshot (inside the caller's write transaction), and the
        stat-ahead plan when the paths changed."""
        from sdd_core import statahead

        any_racy = conn.execute("SELECT EXISTS (SELECT 1 FROM specs WHERE racy)").fetchone()[0]
        encoded = encode_walk(prefix, disk, dirs, bool(any_racy), time.time())
        if encoded is None:
            conn.execute("DELETE FROM state WHERE key IN ('walk', 'walk-paths')")
            return
        head, paths, key, rels = encoded
        old = decode_walk(self._state(conn, "walk"))
        if old is None or old.key != key:
            conn.execute("INSERT OR REPLACE INTO state VALUES ('walk-paths', ?)", (paths,))
        conn.execute("INSERT OR REPLACE INTO state VALUES ('walk', ?)", (head,))
        root = str(self.project.root)
        if statahead.enabled() and statahead.plan_key(root) != key:
            statahead.save_plan(root, key, rels)

    @staticmethod
    def _write_stats(conn: sqlite3.Connection, walk: Walk, fstats: bytes) -> None:
        """Record new file stats in the snapshot ``walk`` (the same folders and files)."""
        from array import array

        any_racy = conn.execute("SELECT EXISTS (SELECT 1 FROM specs WHERE racy)").fetchone()[0]
        limit = int((time.time() - RACY_SECONDS) * 1e9)
        dmtimes = array("q")
        dmtimes.frombytes(walk.dmtimes)
        conn.execute("INSERT OR REPLACE INTO state VALUES ('walk', ?)", (marshal.dumps((
            _WALK_FORMAT, walk.prefix, walk.key, bool(any_racy),
            [i for i, mtime in enumerate(dmtimes) if mtime >= limit], walk.dmtimes,
            fstats)),))

    def _store_walk(self, conn: sqlite3.Connection, prefix: str,
                    disk: dict[str, tuple[int, int]], dirs: list[tuple[str, int]]) -> None:
        """Record a new snapshot after a walk that found no change to the specs (folders
        changed, or no snapshot yet), unless another process holds the write lock."""
        timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        try:
            conn.execute("PRAGMA busy_timeout=0")
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            conn.execute(f"PRAGMA busy_timeout={int(timeout)}")
            return
        try:
            if self._diff(disk, self._known(conn)) is None:
                self._write_walk(conn, prefix, disk, dirs)
            conn.execute("COMMIT")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        finally:
            conn.execute(f"PRAGMA busy_timeout={int(timeout)}")

    @staticmethod
    def _known(conn: sqlite3.Connection, paths: list[str] | None = None
               ) -> dict[str, tuple[int, int, int, str | None, int]]:
        """``{path: (mtime_ns, size, racy, hash, sid)}`` of every spec row (of ``paths``)."""
        sql = "SELECT path, mtime_ns, size, racy, hash, sid FROM specs"
        if paths is None:
            return {r[0]: (r[1], r[2], r[3], r[4], r[5]) for r in conn.execute(sql)}
        out: dict[str, tuple[int, int, int, str | None, int]] = {}
        for part in chunks(paths):
            out.update((r[0], (r[1], r[2], r[3], r[4], r[5])) for r in conn.execute(
                f"{sql} WHERE path IN ({','.join('?' * len(part))})", part))
        return out

    def _diff(self, disk: dict[str, tuple[int, int]],
              known: dict[str, tuple[int, int, int, str | None, int]]
              ) -> tuple[list[str], list[str], list[str]] | None:
        """``(paths to (re)read, paths deleted, racy paths unchanged)`` or ``None``."""
        reread: list[str] = []
        settle: list[str] = []
        for path, stat in disk.items():
            old = known.get(path)
            if old is None or (old[0], old[1]) != stat:
                reread.append(path)
            elif old[2]:
                if self._hash(path) != old[3]:
                    reread.append(path)
                elif time.time() - stat[0] / 1e9 > RACY_SECONDS:
                    settle.append(path)
        deleted = [p for p in known if p not in disk]
        if not reread and not deleted and not settle:
            return None
        return reread, deleted, settle

    def _hash(self, path: str) -> str | None:
        from sdd_core.basics import content_hash

        try:
            with open(self.project.root / path, "rb") as fh:
                return content_hash(fh.read())
        except OSError:
            return None

    def _producer(self, work: list[tuple[int, str, int, int, int]]) -> "_Producer":
        """The rows of ``work``, prepared in worker processes when there are many files."""
        project = self.project
        return _Producer(str(project.root), len(project.specs_rel) + 1, work)

    def _apply(self, conn: sqlite3.Connection, disk: dict[str, tuple[int, int]],
               known: dict[str, tuple[int, int, int, str | None, int]], reread: list[str],
               deleted: list[str], settle: list[str], *, report: RefreshReport,
               full: bool = False, producer: "_Producer | None" = None,
               bar: "Progress | None" = None) -> None:
        for path in settle:
            conn.execute("UPDATE specs SET racy=0 WHERE path=?", (path,))
        gone = [known[p][4] for p in deleted]
        deleted_hashes = {known[p][3]: p for p in deleted if known[p][3]}
        changed_sids = [known[p][4] for p in reread if p in known]
        old_id: dict[int, str | None] = {}
        for part in chunks(changed_sids):
            old_id.update(conn.execute(f"SELECT sid, id FROM specs WHERE sid IN"
                                       f" ({','.join('?' * len(part))})", part).fetchall())
        new_id: dict[int, str | None] = {}
        self._delete_children(conn, gone + changed_sids)
        if gone:
            conn.executemany("DELETE FROM specs WHERE sid=?", [(s,) for s in gone])
        report.deleted = sorted(deleted)
        next_sid = (conn.execute("SELECT max(sid) FROM specs").fetchone()[0] or 0) + 1
        if producer is None or (producer.work and producer.work[0][0] != next_sid):
            if producer is not None:
                producer.close()
            producer = self._producer(plan(reread, disk, known, next_sid))
        work = producer.work
        report.workers = producer.workers
        # a rebuild writes the dependency rows once every id is known, resolved (rather than
        # updating them afterwards)
        edges: list[tuple[Any, ...]] | None = [] if full else None
        paths = {w[0]: w[1] for w in work} if full else {}
        enabled = gc.isenabled()
        gc.disable()  # thousands of parsed objects: the collector would only slow this down
        try:
            with producer:
                for part, (rows, infos) in producer:
                    if edges is not None:
                        edges += rows.pop("dependencies")
                    self._flush(conn, rows)
                    if bar is not None:
                        bar.advance(len(part))
                    for (sid, path, *_), info in zip(part, infos):
                        new_id[sid] = info[0] if info is not None else None
                        if path in known:
                            report.changed.append(path)
                        elif info is not None and info[1] in deleted_hashes:
                            report.renamed.append((deleted_hashes.pop(info[1]), path))
                            report.added.append(path)
                        else:
                            report.added.append(path)
            if edges is not None:
                stubs = self.id_stubs(conn)
                conn.executemany("INSERT INTO dependencies VALUES (?, ?, ?, ?, ?, ?, ?)", [
                    (sid, from_id, ref, src, *_edge(ref, kind, paths[sid], stubs), kind)
                    for sid, from_id, ref, src, _, _, kind in edges])
        finally:
            if enabled:
                gc.enable()
        same_ids = all(old_id.get(sid) == new_id.get(sid) for sid in changed_sids)
        if full:
            conn.execute("DELETE FROM findings")
        elif deleted or report.added or not same_ids:
            # the set of specs (or an id) changed: resolve every edge
            self._resolve_edges(conn, None)
            conn.execute("DELETE FROM findings")
        else:
            self._resolve_edges(conn, [known[p][4] for p in reread])

    @staticmethod
    def _delete_children(conn: sqlite3.Connection, sids: list[int]) -> None:
        if not sids:
            return
        from sdd_sqlite import search as search_index

        rows = [(s,) for s in sids]
        search_index.delete(conn, sids)
        for table in ("spec_data", "bodies", "texts", "dependencies", "tags", "reviewers",
                      "reviews", "meta_values", "requirements", "scenarios", "findings"):
            conn.executemany(f"DELETE FROM {table} WHERE sid=?", rows)

    @staticmethod
    def _flush(conn: sqlite3.Connection, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        for table, items in rows.items():
            if items and not table.startswith("search_"):
                marks = ", ".join("?" * len(items[0]))
                verb = "INSERT OR REPLACE" if table == "specs" else "INSERT"
                conn.executemany(f"{verb} INTO {table} VALUES ({marks})", items)
        from sdd_sqlite import search as search_index

        search_index.write(conn, rows.get("search_specs", []), rows.get("search_items", []))

    # ------------------------------------------------------------------ dependency graph

    def id_stubs(self, conn: sqlite3.Connection) -> dict[str, "_Stub"]:
        """Every spec as a light ``(id, path)`` stub, by id, first one winning on duplicate
        ids in the order the file index lists specs (by id, then walk order)."""
        # SQLite orders text by its UTF-8 bytes, which is Python's order of str
        return _stubs(conn.execute("SELECT id, path FROM specs WHERE id IS NOT NULL"
                                   " ORDER BY id").fetchall())

    def stubs_for(self, conn: sqlite3.Connection, refs: list[tuple[str, str]]
                  ) -> dict[str, "_Stub"]:
        """The part of :meth:`id_stubs` that references ``(ref, path of the spec making
        it)`` can resolve to: the specs whose id is one of the keys a reference may name,
        or whose path gives one (``key.md``, ``key/spec.md``). Resolving those references
        against it gives what resolving them against every stub gives."""
        from sdd_core.refs import SPECS_REL, ref_keys

        ids: set[str] = set()
        paths: set[str] = set()
        for ref, origin in refs:
            ids.add(ref.strip())
            for key in ref_keys(ref, origin):
                ids.add(key)
                paths.update((f"{SPECS_REL}/{key}.md", f"{SPECS_REL}/{key}/spec.md"))
        ids_l, paths_l = sorted(ids), sorted(paths)
        lowered = sorted({i.lower() for i in ids_l})
        # two indexed look-ups (id_lc, path): one `id IN ... OR path IN ...` scans the table
        found = {r[0] for r in conn.execute(
            f"SELECT id FROM specs WHERE id_lc IN ({','.join('?' * len(lowered))})"
            f" AND id IN ({','.join('?' * len(ids_l))})"
            f" UNION SELECT id FROM specs WHERE path IN ({','.join('?' * len(paths_l))})"
            f" AND id IS NOT NULL", [*lowered, *ids_l, *paths_l])}
        # every file holding a found id: a duplicate elsewhere may come first in walk order
        found_l = sorted(found)
        return _stubs(conn.execute(
            f"SELECT id, path FROM specs WHERE id IN ({','.join('?' * len(found_l))})"
            f" ORDER BY id", found_l).fetchall()) if found_l else {}

    def _resolve_edges(self, conn: sqlite3.Connection, sids: list[int] | None) -> None:
        """Fill ``dst``/``to_id`` of dependency rows (all of them, or those of ``sids``) the
        way the reference query evaluator resolves references."""
        if sids is not None and not sids:
            return
        if sids is None:
            rows = conn.execute("SELECT d.rowid, d.ref, d.type, s.path FROM dependencies d"
                                " JOIN specs s ON s.sid = d.sid").fetchall()
        else:
            rows = []
            for sid in sids:
                rows += conn.execute("SELECT d.rowid, d.ref, d.type, s.path FROM dependencies d"
                                     " JOIN specs s ON s.sid = d.sid WHERE d.sid=?",
                                     (sid,)).fetchall()
        if sids is not None and len(rows) <= _FEW_REFS:
            # a few references (an edited spec): only the specs they can name, not all stubs
            stubs = self.stubs_for(conn, [(ref, path) for _, ref, _, path in rows])
        else:
            stubs = self.id_stubs(conn)
        updates = [(*_edge(ref, kind, path, stubs), rowid) for rowid, ref, kind, path in rows]
        conn.executemany("UPDATE dependencies SET dst=?, to_id=? WHERE rowid=?", updates)


def _edge(ref: str, kind: str, path: str, stubs: dict[str, "_Stub"]
          ) -> tuple[str | None, str | None]:
    """``(dst, to_id)`` of a dependency row: the reference resolved as the reference query
    evaluator resolves it, from the spec at ``path``."""
    from sdd_core.query import resolve_ref

    hit = resolve_ref(ref, stubs, _Stub("", path))  # type: ignore[arg-type]
    to_id = hit.id if hit is not None else None
    if kind == "explicit":
        return (to_id.lower() if to_id is not None else ref.strip().lower()), to_id
    return (to_id.lower() if to_id is not None else None), to_id


def write_spec(rows: dict[str, list[tuple[Any, ...]]], sid: int, path: str, mtime_ns: int,
               size: int, racy: int, spec: "Spec | None", problems: "list[Finding]") -> None:
    """Queue the rows of one spec file (written by :meth:`Cache._flush`)."""
    from sdd_core.query import meta_strings, names_builtin_field, search_text

    probs = pickle.dumps(problems, protocol=pickle.HIGHEST_PROTOCOL) if problems else None
    if spec is None:
        rows["specs"].append((sid, path, None, None, None, mtime_ns, size, racy)
                             + (None,) * 14 + (probs, None))
        return
    rows["specs"].append((sid, path, spec.id, spec.id.lower(), spec.hash, mtime_ns, size,
                          racy, *spec_row(spec), probs, keys_column(spec.meta)))
    rows["spec_data"].append((sid, _heavy(spec)))
    rows["bodies"].append((sid, spec.body))
    if not (spec.title.isascii() and spec.description.isascii() and spec.body.isascii()):
        # SQLite's lower() folds ASCII letters only (exactly as Python does there): keep the
        # text Python lower-cased
        rows["texts"].append((sid, spec.title, search_text(spec)))
    srow, items = _search_rows(sid, spec)
    rows["search_specs"].append(srow)
    rows["search_items"].extend(items)
    rows["tags"].extend((sid, t, t.lower()) for t in spec.tags)
    rows["reviewers"].extend((sid, r, r.lower()) for r in spec.reviewers)
    for r in spec.reviews:
        if isinstance(r, dict):
            status = str(r.get("status", ""))
            rows["reviews"].append((sid, _text(r.get("reviewer")), status, status.lower(),
                                    _text(r.get("date")), _text(r.get("comment"))))
    meta_rows = rows["meta_values"]
    for key, value in spec.meta.items():
        key = str(key)
        if names_builtin_field(key):
            continue  # a query reads that name as a built-in field, never as this key
        key_lc = key.lower()
        strings = meta_strings(value)
        if not strings:
            meta_rows.append((sid, key, key_lc, None))
        for s in dict.fromkeys(x.lower() for x in strings):
            meta_rows.append((sid, key, key_lc, s))
    rows["requirements"].extend((sid, r.id, r.title, r.text, ",".join(r.keywords), r.line)
                                for r in spec.requirements)
    rows["scenarios"].extend((sid, s.name, s.line, len(s.steps), int(s.complete))
                             for s in spec.scenarios)
    src = spec.id.lower()
    rows["dependencies"].extend((sid, spec.id, ref, src, None, None, "explicit")
                                for ref in spec.depends)
    rows["dependencies"].extend((sid, spec.id, ref, src, None, None, "inferred")
                                for ref in _inferred_refs(spec))


def _rows_version() -> str:
    """What the cached rows were made by (state ``parser``): the versions of the core's
    parser and search analysis, and of the search rows (``schema.ROWS_VERSION``)."""
    from sdd_core.basics import ANALYSIS_VERSION, PARSE_VERSION

    return f"{PARSE_VERSION}.{ANALYSIS_VERSION}.{schema.ROWS_VERSION}"


def plan(reread: list[str], disk: dict[str, tuple[int, int]],
         known: dict[str, tuple[int, int, int, str | None, int]], next_sid: int
         ) -> list[tuple[int, str, int, int, int]]:
    """``(sid, path, mtime_ns, size, racy)`` of every file to read: a known path keeps its
    sid, new ones are numbered from ``next_sid`` in order."""
    now = time.time()
    work = []
    for path in reread:
        mtime_ns, size = disk[path]
        racy = 1 if mtime_ns < 0 or now - mtime_ns / 1e9 <= RACY_SECONDS else 0
        if path in known:
            sid = known[path][4]
        else:
            sid, next_sid = next_sid, next_sid + 1
        work.append((sid, path, mtime_ns, size, racy))
    return work


Rows = dict[str, list[tuple[Any, ...]]]
#: Per file read: ``(id, hash)`` of its spec, None when it could not be parsed.
Infos = list[tuple[str, str] | None]


def prepare(root: str, cut: int, work: list[tuple[int, str, int, int, int]]
            ) -> tuple[Rows, Infos]:
    """Read and parse the files of ``work`` (see :func:`plan`) into the rows of every table.

    The parser's fields are used as they are (:func:`sdd_core.index.read_spec_fields`), not
    made into ``Spec`` models: the rows need only the values, and a refresh of one edited
    file then does not load the spec model (pydantic) at all."""
    from types import SimpleNamespace

    from sdd_core.index import read_spec_fields

    rows: Rows = {t: [] for t in _ROW_TABLES}
    infos: Infos = []
    for sid, path, mtime_ns, size, racy in work:
        fields, problems = read_spec_fields(os.path.join(root, path), path, path[cut:],
                                            mtime_ns / 1e9 if mtime_ns >= 0 else None)
        spec: Any = SimpleNamespace(**fields) if fields is not None else None
        write_spec(rows, sid, path, mtime_ns, size, racy, spec, problems)
        infos.append((spec.id, spec.hash) if spec is not None else None)
    return rows, infos


#: Fewer files than this are read in-process: starting workers would cost more than it saves.
PARALLEL_MIN = 500
#: Files per piece of work handed to a worker process, at most (fewer for smaller jobs, so
#: that every worker gets several pieces).
CHUNK = 500
#: Pieces a worker may finish before this process takes them.
AHEAD = 4


def _workers() -> int:
    """How many worker processes read files (``SDD_CACHE_JOBS`` overrides; 0: none)."""
    env = os.environ.get("SDD_CACHE_JOBS", "").strip()
    if env:
        try:
            return max(0, int(env))
        except ValueError:
            pass
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return min(cpus, 4) if cpus > 1 else 0


class _Producer:
    """The rows of a list of files, in order, as ``(part of the work, (rows, infos))``.

    With many files and ``os.fork`` available, forked worker processes read and parse the
    files (piece ``k`` by worker ``k % n``) and send back plain row tuples through pipes,
    while this process writes the rows it already has. A worker that fails or dies leaves
    its pieces to this process, so the outcome never depends on the workers: the rows are
    those :func:`prepare` makes here.
    """

    def __init__(self, root: str, cut: int, work: list[tuple[int, str, int, int, int]]
                 ) -> None:
        self.root = root
        self.cut = cut
        self.work = work
        self.pids: list[int] = []
        self.pipes: list[Any] = []
        self.queues: list[Any] = []
        self.threads: list[Any] = []
        self.workers = 0
        n = _workers() if len(work) >= PARALLEL_MIN else 0
        if n > 0 and hasattr(os, "fork") and _single_threaded():
            size = max(1, min(CHUNK, len(work) // (n * 4)))
            self.parts = [work[i:i + size] for i in range(0, len(work), size)]
            self._start(min(n, len(self.parts)))
        else:
            self.parts = [work]

    def _start(self, n: int) -> None:
        import sdd_core.index  # noqa: F401  (imported once, before forking)
        import sdd_core.query  # noqa: F401
        import sdd_sqlite.search  # noqa: F401

        _reducers()
        for i in range(n):
            r, w = os.pipe()
            try:
                pid = os.fork()
            except OSError:
                os.close(r)
                os.close(w)
                break
            if pid == 0:  # the worker
                code = 1
                try:
                    gc.disable()
                    os.close(r)
                    for f in self.pipes:
                        f.close()
                    with os.fdopen(w, "wb") as out:
                        for k in range(i, len(self.parts), n):
                            # plain values only (str, bytes, numbers, None): marshal is
                            # twice as fast as pickle both ways
                            blob = marshal.dumps(prepare(self.root, self.cut, self.parts[k]))
                            out.write(len(blob).to_bytes(8, "little"))
                            out.write(blob)
                            out.flush()
                    code = 0
                finally:
                    os._exit(code)
            os.close(w)
            self.pids.append(pid)
            self.pipes.append(os.fdopen(r, "rb"))
        self.workers = len(self.pids)
        # one thread per worker drains its pipe, so that workers run ahead (up to AHEAD
        # pieces each) while this process is busy writing
        import queue
        import threading

        self.queues = [queue.Queue(AHEAD) for _ in self.pipes]
        self.threads = [threading.Thread(target=_drain, args=(pipe, q), daemon=True)
                        for pipe, q in zip(self.pipes, self.queues)]
        for t in self.threads:
            t.start()

    def __iter__(self) -> Iterator[tuple[list[tuple[int, str, int, int, int]],
                                         tuple[Rows, Infos]]]:
        n = len(self.pipes)
        dead: set[int] = set()
        for k, part in enumerate(self.parts):
            result = None
            if n and k % n not in dead:
                blob = self.queues[k % n].get()
                try:
                    if blob is None:
                        raise EOFError
                    result = marshal.loads(blob)
                except (EOFError, ValueError, TypeError):
                    # the worker failed or died: its pieces are read here
                    dead.add(k % n)
            if result is None:
                result = prepare(self.root, self.cut, part)
            yield part, result

    def __enter__(self) -> "_Producer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (if still running) and reap them."""
        import queue
        import signal

        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass
        self.pids = []
        for t, q in zip(self.threads, self.queues):  # the pipes are at their end now
            while t.is_alive():
                try:
                    q.get_nowait()
                except queue.Empty:
                    t.join(0.01)
        self.threads = []
        self.queues = []
        for f in self.pipes:
            f.close()
        self.pipes = []


def _drain(pipe: Any, out: Any) -> None:
    """Move a worker's pieces from its pipe to a queue, then None (the pipe's end)."""
    try:
        while True:
            size = int.from_bytes(pipe.read(8), "little")
            blob = pipe.read(size) if size else b""
            if not size or len(blob) != size:
                break
            out.put(blob)
    except (OSError, ValueError):
        pass
    out.put(None)


def _single_threaded() -> bool:
    """Forking is only safe while this process runs one thread."""
    import threading

    return threading.active_count() == 1


_ROW_TABLES = ("specs", "spec_data", "bodies", "texts", "tags", "reviewers", "reviews",
               "meta_values", "requirements", "scenarios", "dependencies", "search_specs",
               "search_items")


def _stubs(rows: list[tuple[str, str]]) -> dict[str, "_Stub"]:
    """``(id, path)`` rows as stubs by id, the first in walk order winning on duplicates."""
    out: dict[str, _Stub] = {}
    for spec_id, path in rows:
        hit = out.get(spec_id)
        if hit is None:
            out[spec_id] = _Stub(spec_id, path)
        elif walk_key(path) < walk_key(hit.path):  # a duplicate id: walk order decides
            hit.path = path
    return out


#: At most this many references resolved against :meth:`Cache.stubs_for` rather than every
#: stub (an edit touches a few specs; a large refresh loads every stub once).
_FEW_REFS = 200


class _Stub:
    """A spec's id and path: all reference resolution looks at."""

    __slots__ = ("id", "path")

    def __init__(self, spec_id: str, path: str) -> None:
        self.id = spec_id
        self.path = path


def _search_rows(sid: int, spec: "Spec") -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    from sdd_sqlite.search import spec_rows

    return spec_rows(sid, spec)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _inferred_refs(spec: "Spec") -> Iterator[str]:
    """References a body makes without ``depends``: backticked ids and links to spec files."""
    seen: set[str] = set(spec.depends)
    for m in spec.mentions:
        if m not in seen:
            seen.add(m)
            yield m
    for link in spec.links:
        target = link.target.split("#", 1)[0]
        if target.endswith(".md") and "://" not in target and target not in seen:
            seen.add(target)
            yield target


def chunks(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    """``items`` in lists of at most ``size``."""
    for i in range(0, len(items), size):
        yield items[i:i + size]
