"""What each spec's body refers to (link targets and mentions), remembered by content hash.

Building the graph needs, besides ``depends``, the link targets and backticked ids of every
body. A fast index backend hands out specs whose bodies load on first touch; reading 10,000
bodies just to find their references would cost more than everything else. So the raw
candidates (not yet resolved: that depends on the other specs) are kept in
``.sdd/.cache/graph-refs.json`` keyed by the file's content hash (and ``sdd quality``
keeps its content-only criteria in ``quality.json`` the same way): a changed file has a new
hash and is read again. The file is derived data: deleting it is always safe, and when it
cannot be written the graph is built all the same.
"""

from __future__ import annotations

import gc
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Project, Spec

REFS_CACHE = "graph-refs"
REFS_VERSION = 1

Refs = tuple[list[str], list[str]]  # (link targets, mentions)


class HashMemo:
    """Values computed from a spec's content, kept in ``.sdd/.cache/<name>.json`` by the
    content hash. ``version`` changes whenever the computation does; the core parser's
    version (``sdd_core.basics.PARSE_VERSION``) is part of it, since the values come from
    what the parser made of the content. Entries of another version are ignored."""

    def __init__(self, project: Project, name: str, version: int) -> None:
        from sdd_core.basics import PARSE_VERSION

        self.path = project.sdd_dir / ".cache" / f"{name}.json"
        self.version = f"{version}.{PARSE_VERSION}"
        self.entries: dict[str, Any] = {}
        self.used: set[str] = set()
        self.dirty = False
        try:
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
            if isinstance(data, dict) and data.get("version") == self.version:
                self.entries = data.get("entries") or {}
        except (OSError, ValueError):
            pass

    def get(self, key: str) -> Any:
        """The value stored for content hash ``key``, or ``None``."""
        if not key:
            return None
        self.used.add(key)
        return self.entries.get(key)

    def put(self, key: str, value: Any) -> None:
        """Remember ``value`` for content hash ``key``."""
        if key:
            self.entries[key] = value
            self.used.add(key)
            self.dirty = True

    def save(self, *, prune: bool = False) -> None:
        """Write the file if anything was added; ``prune`` keeps only the hashes used in this
        run (when every spec was looked at)."""
        if prune and len(self.used) != len(self.entries):
            self.entries = {k: v for k, v in self.entries.items() if k in self.used}
            self.dirty = True
        if self.dirty:
            _store(self.path, {"version": self.version, "entries": self.entries})
            self.dirty = False


def refs_of(spec: Spec) -> Refs:
    """The link targets and mentions of a spec, read from the spec itself."""
    return [link.target for link in spec.links], list(spec.mentions)


class RefMemo(HashMemo):
    """Link targets and mentions by content hash."""

    def __init__(self, project: Project) -> None:
        super().__init__(project, REFS_CACHE, REFS_VERSION)

    def refs(self, spec: Spec) -> Refs:
        """The spec's link targets and mentions (from the memo when its hash is known)."""
        hit = self.get(spec.hash)
        if isinstance(hit, list) and len(hit) == 2:
            return hit[0], hit[1]
        refs = refs_of(spec)
        self.put(spec.hash, [refs[0], refs[1]])
        return refs


def body_refs(project: Project, specs: Iterable[Spec]) -> dict[str, Refs]:
    """``{spec id: (link targets, mentions)}`` for every spec of the project (``specs``)."""
    memo = RefMemo(project)
    out = {spec.id: memo.refs(spec) for spec in specs}
    memo.save(prune=True)
    return out


def _store(path: os.PathLike[str] | str, data: dict[str, Any]) -> None:
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".memo.", dir=folder)
        try:
            os.chmod(tmp, file_mode())
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # a read-only project still gets its answers, only not faster next time


def file_mode() -> int:
    """The mode a new file gets under the current umask (mkstemp's files are 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large acyclic structures (tens of
    thousands of specs, dicts and edges): its full passes otherwise cost more than the work."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
