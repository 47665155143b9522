"""The on-disk index: where it lives, how it is opened, rebuilt and kept up to date.

``.sdd/.cache/whoosh/`` holds the Whoosh index and ``manifest.json``: for every spec file its
stat signature (mtime, size, inode), spec id and content hash, plus the index generation it
describes. A refresh stats the spec files; only files whose signature moved are parsed, and
only those whose content hash changed are re-indexed (deleted and added again in one writer).
The same signature and hash are stored in each spec's index document, so a lost or stale
manifest is rebuilt from the index without re-indexing anything.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sdd_whoosh.schema import DOCUMENTS, SCHEMA_VERSION, build_schema, words_of

if TYPE_CHECKING:
    from sdd_core.progress import Progress
    from sdd_core.project import Project

# (project-relative path, absolute path, path under specs/, stat signature) of a file to index
Job = tuple[str, str, str, str]
# what indexing some jobs gave: manifest entries, the paths indexed, word -> documents
Batch = tuple[dict[str, list[Any]], list[str], dict[str, int]]

# From this many specs to index at once, parse and index them in forked processes (one
# segment each, at most MAX_PROCS of them).
PARALLEL_FROM = 500
MAX_PROCS = 4
WORKER_LIMIT_MB = 256
LOCK_TIMEOUT = 5.0
# A file modified this recently (ns) when it was read may change again within the same
# mtime tick without its size changing: its signature is recorded as "racy" so that the next
# refresh reads it again (and re-indexes it only if its content hash moved).
RACY_NS = 2_000_000_000
SCAN_CACHE = "scan.bin"
_SCAN_FORMAT = 1
GC_PAUSE_FROM = 2000


class Scan:
    """The spec files found by one scan: their paths under ``specs/`` (sorted) and stats
    (mtime ns, size, inode). ``digest`` sums them up; ``files`` is what a refresh compares
    with the manifest (built only when the digest does not settle it)."""

    def __init__(self, prefix: str, base: str, rels: list[str],
                 stats: list[tuple[int, int, int]]) -> None:
        self.prefix = prefix  # project-relative folder of the specs, with a trailing /
        self.base = base  # absolute folder of the specs, with a trailing separator
        self.rels = rels
        self.stats = stats
        self._files: dict[str, tuple[str, str, str]] | None = None
        self._digest: str | None = None

    @property
    def digest(self) -> str:
        """A digest of every spec file's path and stat."""
        if self._digest is None:
            import hashlib
            import marshal

            self._digest = hashlib.blake2b(marshal.dumps((self.rels, self.stats)),
                                           digest_size=16).hexdigest()
        return self._digest

    @property
    def files(self) -> dict[str, tuple[str, str, str]]:
        """Project-relative path -> (absolute path, path under specs/, stat signature)."""
        if self._files is None:
            prefix, base = self.prefix, self.base
            self._files = {prefix + rel: (base + rel, rel, f"{m}:{size}:{ino}")
                           for rel, (m, size, ino) in zip(self.rels, self.stats)}
        return self._files


def warn(message: str) -> None:
    """One warning line on stderr."""
    print(f"sdd: warning: {message}", file=sys.stderr)


def index_dir(project: Project) -> Path:
    """Where the project's Whoosh index lives."""
    return project.sdd_dir / ".cache" / "whoosh"


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def speed_up_whoosh() -> None:
    """Two costs of Whoosh 2.7 when it writes a segment, cut.

    Writing postings asks for the length of the field in the document of every posting, and
    Whoosh reads that one byte from the lengths column on disk each time (a seek and a read
    per posting: a third of a segment's commit). The whole column (one byte per document)
    is read once per field instead. And it looked for a lengths column on disk once per
    posting of a field that has none (ID fields): the misses are remembered too."""
    from whoosh import columns
    from whoosh.codec import whoosh3
    from whoosh.util.numeric import byte_to_length

    cls = whoosh3.W3PerDocReader
    if getattr(cls.doc_field_length, "_sdd_memo", False):
        return
    original_cached = cls._cached_reader
    original_length = cls.doc_field_length
    lengths = [byte_to_length(b) for b in range(256)]

    def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
        readers = self._readers
        if fieldname in readers:
            return readers[fieldname]
        reader = original_cached(self, fieldname, column)
        readers[fieldname] = reader
        return reader

    def doc_field_length(self: Any, docnum: int, fieldname: str, default: int = 0
                         ) -> int | None:
        tables = self.__dict__.setdefault("_sdd_lengths", {})
        table = tables.get(fieldname)
        if table is None:
            reader = self._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
            if type(reader) is not columns.NumericColumn.Reader or reader._fixedlen != 1:
                tables[fieldname] = False  # not the one-byte column this reads whole
                return original_length(self, docnum, fieldname, default)
            table = tables[fieldname] = reader._dbfile.get(reader._basepos, reader._count)
        elif table is False:
            return original_length(self, docnum, fieldname, default)
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        byte = table[docnum] if docnum < len(table) else 0
        return lengths[byte] if byte else None  # as Whoosh answers a zero byte

    doc_field_length._sdd_memo = True  # type: ignore[attr-defined]
    doc_field_length.__wrapped__ = original_length  # type: ignore[attr-defined]
    cls._cached_reader = _cached_reader
    cls.doc_field_length = doc_field_length


class IndexStore:
    """Opens, refreshes and (when it is unreadable) rebuilds one of the project's indexes
    (``specs`` or ``items``)."""

    def __init__(self, project: Project, name: str = "specs") -> None:
        self.project = project
        self.name = name
        self.dir = index_dir(project)
        self._ix: Any = None
        self.schema = build_schema(name)
        self.documents = DOCUMENTS[name]
        self.last_changes: tuple[int, int] = (0, 0)  # (specs re-indexed, files removed)

    # ------------------------------------------------------------------ opening

    def exists(self) -> bool:
        """Whether this index was built before."""
        from whoosh import index as windex

        return self.dir.is_dir() and windex.exists_in(str(self.dir), self.name)

    def index(self) -> Any:
        """The open index, created when there is none yet."""
        if self._ix is None:
            from whoosh import index as windex

            self.dir.mkdir(parents=True, exist_ok=True)
            if windex.exists_in(str(self.dir), self.name) and self._schema_ok():
                ix = windex.open_dir(str(self.dir), self.name)
                if set(ix.schema.names()) != set(self.schema.names()):
                    ix.close()
                    ix = self._create()
            else:
                ix = self._create()
            self._ix = ix
        return self._ix

    def _create(self) -> Any:
        from whoosh import index as windex

        self.clear()
        self.dir.mkdir(parents=True, exist_ok=True)
        return windex.create_in(str(self.dir), self.schema, self.name)

    def clear(self) -> None:
        """Delete this index's files (it is derived data; the other index stays)."""
        self.close()
        if not self.dir.is_dir():
            return
        for entry in self.dir.iterdir():
            name = entry.name
            if name.startswith((f"_{self.name}_", f"{self.name}_", f"manifest-{self.name}.",
                                f"words-{self.name}.", f"state-{self.name}.",
                                f".manifest-{self.name}.", f".words-{self.name}.",
                                f".state-{self.name}.")):
                try:
                    entry.unlink()
                except OSError:
                    pass

    def destroy(self) -> None:
        """Delete the whole index folder (both indexes)."""
        self.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def close(self) -> None:
        """Release the open index."""
        if self._ix is not None:
            try:
                self._ix.close()
            except Exception:  # noqa: BLE001 - closing a broken index
                pass
            self._ix = None

    # ------------------------------------------------------------------ manifest

    def _manifest_path(self) -> Path:
        return self.dir / f"manifest-{self.name}.json"

    def _read_manifest(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self._manifest_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _schema_ok(self) -> bool:
        """Whether the index on disk was written with this schema version (the small state
        file says so; else the manifest; a version nobody recorded is taken as current)."""
        state = self._state()
        if isinstance(state, list) and state and state[0] == SCHEMA_VERSION:
            return True
        return self._manifest_schema() in (None, SCHEMA_VERSION)

    def _manifest_schema(self) -> int | None:
        data = self._read_manifest()
        return None if data is None else data.get("schema")

    def _write_manifest(self, generation: int, files: dict[str, list[Any]]) -> None:
        self._write_json(self._manifest_path(), {"schema": SCHEMA_VERSION,
                                                 "generation": generation, "files": files})

    @staticmethod
    def _write_json(path: Path, data: Any) -> None:
        IndexStore._write_bytes(path, json.dumps(data, separators=(",", ":"),
                                                 ensure_ascii=False).encode("utf-8"))

    @staticmethod
    def _write_bytes(path: Path, data: bytes) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    # ------------------------------------------------------------------ vocabulary

    def _words_path(self) -> Path:
        return self.dir / f"words-{self.name}.json"

    def vocabulary(self) -> dict[str, int]:
        """Every word of the specs as written (folded, not stemmed) -> how many specs hold
        it: the source of "did you mean" and of prefix expansion. Kept beside the index and
        updated with it; rebuilt from the stored text when it does not match the index."""
        ix = self.index()
        generation = ix.latest_generation()
        try:
            data = json.loads(self._words_path().read_text(encoding="utf-8"))
            if data.get("generation") == generation and data.get("schema") == SCHEMA_VERSION:
                return dict(data["words"])
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            pass
        counts: dict[str, int] = {}
        with ix.searcher() as searcher:
            for doc in searcher.reader().all_stored_fields():
                for word in words_of(doc):
                    counts[word] = counts.get(word, 0) + 1
        self._write_json(self._words_path(), {"schema": SCHEMA_VERSION,
                                              "generation": generation, "words": counts})
        return counts

    @staticmethod
    def _stored_words(ix: Any, paths: list[str]) -> list[set[str]]:
        """The words of the stored documents of ``paths`` (before they are replaced)."""
        out: list[set[str]] = []
        if not paths:
            return out
        with ix.searcher() as searcher:
            for path in paths:
                for docnum in searcher.document_numbers(path=path):
                    out.append(words_of(searcher.stored_fields(docnum)))
        return out

    def _update_vocabulary(self, ix: Any, old_generation: int, gone: list[set[str]],
                           added: dict[str, int], fresh: bool) -> None:
        """Take away the words of replaced documents and add those of the new ones; written
        for the index generation just committed (``fresh``: the index was empty)."""
        path = self._words_path()
        counts: dict[str, int] | None = {} if fresh else None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("generation") == old_generation and data.get("schema") == SCHEMA_VERSION:
                counts = dict(data["words"])
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            pass
        if counts is None:
            return  # rebuilt from the index on first use
        for words in gone:
            for w in words:
                left = counts.get(w, 0) - 1
                if left > 0:
                    counts[w] = left
                else:
                    counts.pop(w, None)
        for w, n in added.items():
            counts[w] = counts.get(w, 0) + n
        self._write_json(path, {"schema": SCHEMA_VERSION, "generation": ix.latest_generation(),
                                "words": counts})

    def known(self) -> dict[str, list[Any]]:
        """What the index holds: path -> [signature, spec id, content hash]."""
        ix = self.index()
        data = self._read_manifest()
        generation = ix.latest_generation()
        if data is not None and data.get("generation") == generation and \
                data.get("schema") == SCHEMA_VERSION and isinstance(data.get("files"), dict):
            return data["files"]
        out: dict[str, list[Any]] = {}
        with ix.searcher() as searcher:
            for doc in searcher.reader().all_stored_fields():
                out[doc["path"]] = [doc.get("sig"), doc.get("spec_id"), doc.get("hash")]
        return out

    # ------------------------------------------------------------------ refresh

    def scan(self) -> Scan:
        """Every spec file now (see :class:`Scan`): the same files the core's file index
        reads (hidden folders and files skipped).

        The last scan is remembered (``scan.bin``: every folder with its mtime, every spec
        file with its stat). A folder whose mtime is what it was then holds the same entries,
        so it is not listed again: its known spec files and subfolders are stat'ed directly.
        When no folder moved at all, the check is two flat passes of ``stat`` calls (nothing
        listed, nothing parsed). Folders changed within 2 s of a scan are listed again next
        time."""
        import marshal

        top = str(self.project.specs_dir)
        cache_path = self.dir / SCAN_CACHE
        try:
            loaded = marshal.loads(cache_path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            loaded = None
        snap: tuple[Any, ...] | None = None
        if isinstance(loaded, tuple) and len(loaded) == 6 and loaded[0] == _SCAN_FORMAT \
                and loaded[1] == top:
            snap = loaded
        if snap is not None and None not in snap[3]:
            found = self._quick_scan(top, snap)
            if found is not None:
                return found
        return self._walk(top, snap)

    def _quick_scan(self, top: str, snap: tuple[Any, ...]) -> Scan | None:
        """The scan when no folder changed since the last one (else ``None``)."""
        _, _, drels, dmtimes, _, frels = snap
        stat = os.stat
        base = top + os.sep
        try:
            if [stat(base + r).st_mtime_ns for r in drels] != dmtimes:
                return None
            stats = [(st.st_mtime_ns, st.st_size, st.st_ino)
                     for st in map(stat, [base + r for r in frels])]
        except OSError:
            return None  # something vanished: go folder by folder
        return Scan(self.project.specs_rel + "/", base, frels, stats)

    def _walk(self, top: str, snap: tuple[Any, ...] | None) -> Scan:
        """The scan folder by folder: a folder whose mtime is unchanged since ``snap`` is not
        listed again (its known files and subfolders are stat'ed), the others are."""
        cached: dict[str, tuple[Any, list[str], list[str]]] = {}
        if snap is not None:
            try:
                cached = {rel: (mtime, list(subs), list(files))
                          for rel, mtime, (subs, files) in zip(snap[2], snap[3], snap[4])}
            except (TypeError, ValueError):
                cached = {}
        sep = os.sep
        found: list[tuple[str, tuple[int, int, int]]] = []
        seen: dict[str, tuple[Any, list[str], list[str]]] = {}
        now = time.time_ns()

        def add(rel: str, st: os.stat_result) -> None:
            found.append((rel, (st.st_mtime_ns, st.st_size, st.st_ino)))

        def visit(folder: str, rel: str) -> None:
            try:
                mtime = os.stat(folder).st_mtime_ns
            except OSError:
                return
            old = cached.get(rel)
            if old is not None and old[0] == mtime:
                seen[rel] = old
                for name in old[2]:
                    try:
                        add(rel + name, os.stat(folder + sep + name))
                    except OSError:
                        continue
                for name in old[1]:
                    visit(folder + sep + name, rel + name + "/")
                return
            from sdd_core.parsing import is_spec_filename

            subdirs: list[str] = []
            files: list[str] = []
            try:
                entries = os.scandir(folder)
            except OSError:
                return
            with entries:
                for entry in entries:
                    name = entry.name
                    if name[0] == ".":
                        continue
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            subdirs.append(name)
                        elif is_spec_filename(name):
                            add(rel + name, entry.stat())
                            files.append(name)
                    except OSError:
                        continue
            # a folder changed just now may change again within the same mtime tick
            seen[rel] = (mtime if now - mtime >= RACY_NS else None, subdirs, files)
            for name in subdirs:
                visit(folder + sep + name, rel + name + "/")

        visit(top, "")
        found.sort()
        frels = [rel for rel, _ in found]
        stats = [st for _, st in found]
        drels = list(seen)
        snapshot = (_SCAN_FORMAT, top, drels, [seen[r][0] for r in drels],
                    [(seen[r][1], seen[r][2]) for r in drels], frels)
        if snapshot != snap:
            import marshal

            try:
                self.dir.mkdir(parents=True, exist_ok=True)
                self._write_bytes(self.dir / SCAN_CACHE, marshal.dumps(snapshot))
            except OSError:
                pass  # a read-only cache folder: the next scan lists every folder again
        return Scan(self.project.specs_rel + "/", top + sep, frels, stats)

    def refresh(self, current: Scan | None = None) -> bool:
        """Bring the index up to date with the spec files (``current``: a :meth:`scan` made
        just before, else one is made); ``True`` when it is current, ``False`` when another
        process holds the index lock (the index is searched as it is)."""
        if current is None:
            current = self.scan()
        return self._refresh(current)

    def _refresh(self, scan: Scan) -> bool:
        self.last_changes = (0, 0)
        ix = self.index()
        digest = scan.digest
        if self._state() == [SCHEMA_VERSION, ix.latest_generation(), digest]:
            return True  # the files are as the last refresh left them: no manifest to read
        current = scan.files
        known = self.known()
        changed = [p for p, (_, _, sig) in current.items() if known.get(p, [None])[0] != sig]
        removed = [p for p in known if p not in current]
        self.last_changes = (0, len(removed))
        if not changed and not removed:
            self._write_state(ix.latest_generation(), digest)
            return True

        if len(changed) >= GC_PAUSE_FROM:
            # Parsing and indexing thousands of specs allocates millions of long-lived
            # objects: the core's loader pauses the cyclic garbage collector for the same reason.
            from sdd_core.index import gc_paused

            with gc_paused():
                return self._apply(ix, known, current, changed, removed, digest)
        return self._apply(ix, known, current, changed, removed, digest)

    def _apply(self, ix: Any, known: dict[str, list[Any]],
               current: dict[str, tuple[str, str, str]], changed: list[str],
               removed: list[str], digest: str) -> bool:
        from whoosh.writing import LockError

        files = {p: v for p, v in known.items() if p in current}
        now = time.time_ns()
        jobs: list[Job] = []
        for path in changed:
            full, rel, sig = current[path]
            if now - int(sig.split(":", 1)[0]) < RACY_NS:
                sig = "racy:" + sig
            jobs.append((path, full, rel, sig))
        procs = min(cores(), MAX_PROCS)
        parallel = len(jobs) >= PARALLEL_FROM and procs > 1
        try:
            writer = self._writer(ix)
        except LockError:
            warn(f"the search index {self.dir} is being updated by another process;"
                 " searching it as it is")
            return False
        keep_words = self.name == "specs"
        old_generation = ix.latest_generation()
        segments: list[Any] = []
        from sdd_core.progress import progress

        bar = progress("sdd: indexing specs for search" if self.name == "specs" else
                       "sdd: indexing requirements and scenarios for search", len(jobs))
        try:
            if parallel:
                batches, segments = self._index_in_processes(writer, jobs, known, procs, bar)
            else:
                batches = [index_jobs(writer, self.documents, jobs, known, keep_words,
                                      bar.update)]
            bar.update(len(jobs))
            indexed: list[str] = []
            added: dict[str, int] = {}
            for entries, paths, counts in batches:
                for path, entry in entries.items():
                    files[path] = entry
                    old = known.get(path)
                    if entry[1] is None and old is not None and old[1] is not None:
                        removed.append(path)  # it was indexed; now it does not parse
                indexed += paths
                for word, n in counts.items():
                    added[word] = added.get(word, 0) + n
            gone = [*removed, *(p for p in indexed if p in known)]
            if indexed or removed:
                old_words = self._stored_words(ix, gone) if keep_words else []
                for path in gone:
                    writer.delete_by_term("path", path)
                if segments:
                    writer.commit(mergetype=_adding(segments))
                else:
                    writer.commit()
            else:
                writer.cancel()
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
        finally:
            bar.close()
        if indexed or removed:
            self.close()
            ix = self.index()
            if keep_words:
                self._update_vocabulary(ix, old_generation, old_words, added, fresh=not known)
        self.last_changes = (len(indexed), len(removed))
        generation = ix.latest_generation()
        self._write_manifest(generation, files)
        if not any(str(v[0]).startswith("racy:") for v in files.values()):
            self._write_state(generation, digest)
        return True

    def _index_in_processes(self, writer: Any, jobs: list[Job], known: dict[str, list[Any]],
                            procs: int, bar: "Progress | None" = None
                            ) -> tuple[list[Batch], list[Any]]:
        """Parse and index ``jobs`` in ``procs`` forked processes, each writing a segment of
        its own (nothing is pickled but the results); ``writer`` holds the index lock
        meanwhile. Returns each process's results and the segments to add. The processes
        count the jobs they have done in shared memory, which ``bar`` shows."""
        import multiprocessing
        import pickle

        ctx = multiprocessing.get_context("fork")
        keep_words = self.name == "specs"
        documents = self.documents
        storage, indexname = writer.storage, writer.indexname
        # in order, so that documents are numbered as one writer would number them (equal
        # scores rank alike)
        size = -(-len(jobs) // procs)
        shares = [jobs[i:i + size] for i in range(0, len(jobs), size)]
        done = ctx.RawArray("q", len(shares))  # jobs done, per process

        def work(k: int, share: list[Job], conn: Any) -> None:
            try:
                from whoosh.writing import SegmentWriter

                ix = storage.open_index(indexname)
                sub = SegmentWriter(ix, _lk=False, limitmb=WORKER_LIMIT_MB)

                def count(n: int) -> None:
                    done[k] = n

                batch = index_jobs(sub, documents, share, known, keep_words, count)
                segment = sub._finalize_segment() if batch[1] else None
                if segment is None:
                    sub._close_segment()
                conn.send_bytes(pickle.dumps((None, batch, segment), protocol=5))
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                import traceback

                error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
                conn.send_bytes(pickle.dumps((error, None, None)))
            finally:
                conn.close()

        running = []
        for k, share in enumerate(shares):
            receive, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=work, args=(k, share, send), daemon=True)
            proc.start()
            send.close()
            running.append((proc, receive))
        batches: list[Batch] = []
        segments: list[Any] = []
        failure = None
        for proc, receive in running:
            try:
                while bar is not None and not receive.poll(0.1):
                    bar.update(sum(done))
                error, batch, segment = pickle.loads(receive.recv_bytes())
            except EOFError:
                error, batch, segment = "an indexing process died", None, None
            finally:
                receive.close()
                proc.join()
            if error is not None:
                failure = failure or error
                continue
            batches.append(batch)
            if segment is not None:
                segments.append(segment)
        if failure is not None:
            for segment in segments:  # written for nothing (the next commit would drop them)
                for name in segment.list_files(storage):
                    try:
                        storage.delete_file(name)
                    except OSError:
                        pass
            raise RuntimeError(f"indexing failed: {failure}")
        return batches, segments

    # ------------------------------------------------------------------ state

    def _state_path(self) -> Path:
        return self.dir / f"state-{self.name}.json"

    def _state(self) -> Any:
        try:
            return json.loads(self._state_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _write_state(self, generation: int, digest: str) -> None:
        """Remember the digest of a scan the index and manifest fully agree with (no racy
        file), so the next refresh that scans the same can stop there."""
        try:
            self._write_json(self._state_path(), [SCHEMA_VERSION, generation, digest])
        except OSError:
            pass

    def _writer(self, ix: Any) -> Any:
        """The writer of one refresh: it holds the index lock until it commits."""
        speed_up_whoosh()
        return ix.writer(limitmb=256, timeout=LOCK_TIMEOUT, delay=0.05)


def _adding(segments: list[Any]) -> Any:
    """A Whoosh merge policy: the usual one (small segments merged), plus ``segments``
    (written by other processes) as they are."""
    from whoosh.writing import MERGE_SMALL

    def merge(writer: Any, existing: list[Any]) -> list[Any]:
        return [*MERGE_SMALL(writer, existing), *segments]

    return merge


def index_jobs(writer: Any, documents: Any, jobs: list[Job], known: dict[str, list[Any]],
               keep_words: bool, done: Callable[[int], None] | None = None) -> Batch:
    """Parse each job's spec file and add its documents to ``writer``; a file whose spec
    id and content hash are what the index holds (touched, not changed) is not indexed.
    Returns the manifest entries of the jobs, the paths indexed and (``keep_words``) how
    many of the indexed documents hold each word. ``done(n)`` is told how many jobs are
    done, after each."""
    from sdd_core.index import read_spec_file

    entries: dict[str, list[Any]] = {}
    indexed: list[str] = []
    counts: dict[str, int] = {}
    for n, (path, full, rel, sig) in enumerate(jobs, 1):
        if done is not None and n > 1:
            done(n - 1)
        spec, _problems = read_spec_file(full, path, rel)
        if spec is None:
            entries[path] = [sig, None, None]
            continue
        entries[path] = [sig, spec.id, spec.hash]
        old = known.get(path)
        if old is not None and old[1] == spec.id and old[2] == spec.hash:
            continue  # touched, not changed
        indexed.append(path)
        for doc in documents(spec, sig):
            writer.add_document(**doc)
            if keep_words:
                for word in words_of(doc):
                    counts[word] = counts.get(word, 0) + 1
    if done is not None:
        done(len(jobs))
    return entries, indexed, counts
