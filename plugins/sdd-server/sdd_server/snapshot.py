"""An in-memory snapshot of the project's specs, refreshed when the files change.

Reads are served from here (a dict lookup and pre-serialised JSON), so ``GET
/api/specs/{id}`` costs no disk access. The snapshot is rebuilt incrementally: a refresh stats
every spec file and re-parses only the ones whose size or modification time changed (and
those modified in the last two seconds, whose change the clock may not show). A write through
the server marks it stale at once; a background thread notices edits made outside the server
(a ``git pull``, an editor) within ``refresh_interval`` seconds.

:class:`ServerProject` is a :class:`sdd_core.Project` whose index is the snapshot, so every
core and plugin function the server calls (``project.get``, ``project.specs``,
``sdd_review.api``) reads the same state without re-reading files.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from sdd_core.index import IndexBackend, LoadResult, read_spec_file, walk_spec_files
from sdd_core.project import Project

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core.model import Spec

_WORD = re.compile(r"[\w][\w-]*", re.UNICODE)


def spec_detail(spec: "Spec") -> dict[str, Any]:
    """The JSON the API serves for one spec (everything but line bookkeeping)."""
    data = spec.to_json()
    data["version"] = spec.hash
    return data


def spec_summary(spec: "Spec") -> dict[str, Any]:
    """The JSON a listing serves for one spec."""
    data = spec.summary()
    data["status"] = spec.status
    data["version"] = spec.hash
    return data


@dataclass
class Snapshot:
    """One consistent state of every spec, with derived views built on first use."""

    result: LoadResult
    project: Project
    built_at: float = field(default_factory=time.time)
    _json: dict[str, bytes] = field(default_factory=dict)

    @cached_property
    def by_id(self) -> dict[str, "Spec"]:
        """Specs by id."""
        return self.result.by_id()

    @property
    def specs(self) -> list["Spec"]:
        """Every spec, sorted by id."""
        return self.result.specs

    def get(self, ref: str) -> "Spec | None":
        """A spec by id or path."""
        spec = self.by_id.get(ref)
        if spec is None:
            spec = self.project.resolve_ref(ref, self.by_id)
        return spec

    @cached_property
    def graph(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """``(dependencies, dependents)``: resolved ids each spec depends on, and the ids
        depending on it. Unresolvable references are left out."""
        deps: dict[str, list[str]] = {}
        rdeps: dict[str, list[str]] = {sid: [] for sid in self.by_id}
        for spec in self.specs:
            out: list[str] = []
            for ref in spec.depends:
                target = self.project.resolve_ref(ref, self.by_id, spec)
                if target is not None and target.id not in out and target.id != spec.id:
                    out.append(target.id)
            deps[spec.id] = out
            for t in out:
                rdeps.setdefault(t, []).append(spec.id)
        for lst in rdeps.values():
            lst.sort()
        return deps, rdeps

    def unresolved(self, spec: "Spec") -> list[str]:
        """References in ``depends`` that name no spec."""
        return [r for r in spec.depends
                if self.project.resolve_ref(r, self.by_id, spec) is None]

    def dependents_closure(self, spec_id: str) -> dict[str, int]:
        """Every spec depending on ``spec_id`` directly or transitively, with its distance."""
        _, rdeps = self.graph
        seen: dict[str, int] = {}
        frontier = [spec_id]
        depth = 0
        while frontier:
            depth += 1
            nxt: list[str] = []
            for sid in frontier:
                for dep in rdeps.get(sid, ()):
                    if dep not in seen and dep != spec_id:
                        seen[dep] = depth
                        nxt.append(dep)
            frontier = nxt
        return seen

    def detail_json(self, spec: "Spec") -> bytes:
        """:func:`spec_detail` serialised once per snapshot."""
        data = self._json.get(spec.id)
        if data is None:
            data = json.dumps(spec_detail(spec), ensure_ascii=False, default=str).encode()
            self._json[spec.id] = data
        return data

    @cached_property
    def texts(self) -> dict[str, str]:
        """Each spec's searchable text, lower-cased words joined by single spaces."""
        return {spec.id: " ".join(analyzed(f"{spec.id} {spec.title} {spec.description}"
                                           f" {spec.body}")) for spec in self.specs}

    @cached_property
    def titles(self) -> dict[str, str]:
        """Lower-cased titles by id (search ranking)."""
        return {spec.id: spec.title.lower() for spec in self.specs}

    @cached_property
    def words(self) -> dict[str, set[str]]:
        """A small inverted index (lower-cased word -> spec ids) for full-text search when
        no search backend is installed."""
        index: dict[str, set[str]] = {}
        for sid, text in self.texts.items():
            for w in set(text.split()):
                index.setdefault(w, set()).add(sid)
        return index


class SnapshotStore:
    """Holds the current :class:`Snapshot` and rebuilds it incrementally."""

    def __init__(self, project: Project, refresh_interval: float = 2.0) -> None:
        self.project = project
        self.refresh_interval = refresh_interval
        self._files: dict[str, tuple[tuple[int, int], "Spec | None", list[Any]]] = {}
        self._snapshot: Snapshot | None = None
        self._dirty = True
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listeners: list[Any] = []

    def current(self) -> Snapshot:
        """The up-to-date snapshot (refreshed first when a write made it stale)."""
        snap = self._snapshot
        if snap is None or self._dirty:
            return self.refresh()
        return snap

    def mark_dirty(self) -> None:
        """Something changed: refresh before the next read."""
        self._dirty = True

    def on_change(self, callback: Any) -> None:
        """Call ``callback(snapshot)`` whenever a refresh found changed files."""
        self._listeners.append(callback)

    def refresh(self) -> Snapshot:
        """Re-stat every spec file, re-parse the changed ones, build a new snapshot if
        anything changed."""
        with self._lock:
            self._dirty = False
            changed = self._scan()
            if changed or self._snapshot is None:
                result = LoadResult()
                for _key, spec, problems in self._files.values():
                    result.problems.extend(problems)
                    if spec is not None:
                        result.specs.append(spec)
                result.specs.sort(key=lambda s: s.id)
                self._snapshot = Snapshot(result, self.project)
                for cb in list(self._listeners):
                    try:
                        cb(self._snapshot)
                    except Exception:  # noqa: BLE001 - a listener must not break reads
                        pass
            return self._snapshot

    def _scan(self) -> bool:
        project = self.project
        prefix = project.specs_rel + "/"
        now = time.time()
        seen: set[str] = set()
        changed = False
        for full, rel in walk_spec_files(str(project.specs_dir)):
            try:
                st = os.stat(full)
            except OSError:
                continue
            key = (st.st_mtime_ns, st.st_size)
            seen.add(rel)
            old = self._files.get(rel)
            if old is not None and old[0] == key and now - st.st_mtime > 2.0:
                continue
            spec, problems = read_spec_file(full, prefix + rel, rel, st.st_mtime)
            if old is not None and old[0] == key and old[1] is not None and spec is not None \
                    and old[1].hash == spec.hash:
                continue
            self._files[rel] = (key, spec, problems)
            changed = True
        for rel in [r for r in self._files if r not in seen]:
            del self._files[rel]
            changed = True
        return changed

    def start(self) -> None:
        """Watch the files in a background thread."""
        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(self.refresh_interval):
                try:
                    self.refresh()
                except Exception:  # noqa: BLE001 - keep watching
                    pass

        self._thread = threading.Thread(target=loop, name="sdd-snapshot", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()


class SnapshotIndex(IndexBackend):
    """An index backend answering from the server's snapshot."""

    name = "server-snapshot"

    def __init__(self, project: Project, store: SnapshotStore) -> None:
        super().__init__(project)
        self.store = store

    def load(self) -> LoadResult:
        return self.store.current().result

    def result(self) -> LoadResult:
        return self.store.current().result

    def get(self, spec_id: str) -> "Spec | None":
        return self.store.current().get(spec_id)

    def invalidate(self) -> None:
        self.store.mark_dirty()


class ServerProject(Project):
    """A project whose index is the server's in-memory snapshot."""

    def __init__(self, root: Path, refresh_interval: float = 2.0, **kwargs: Any) -> None:
        super().__init__(root, **kwargs)
        self.snapshots = SnapshotStore(self, refresh_interval)
        self._index = SnapshotIndex(self, self.snapshots)

    def index(self, backend: str | None = None) -> IndexBackend:
        if backend is None:
            assert self._index is not None
            return self._index
        return super().index(backend)


def analyzed(text: str) -> list[str]:
    """The search terms of a text, as the core's search analyses them (folded and stemmed)
    when it can, else lower-cased words."""
    from sdd_core import search

    analyze = getattr(search, "analyze", None)
    return list(analyze(text)) if analyze is not None else words_of(text)


def words_of(text: str) -> list[str]:
    """Lower-cased words of a search text."""
    return [w.lower() for w in _WORD.findall(text)]


def visible(project: Project, specs: Iterable["Spec"], actor: Any) -> list["Spec"]:
    """The specs ``actor`` may view."""
    return project.visible(specs, actor)
