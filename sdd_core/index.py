"""Index backends: what answers "which specs are there, and what do they say".

The built-in :class:`FileIndex` reads and parses every spec file on each run. A cache plugin
registers a faster backend through ``register_index_backends``; it must give the same answers
(the conformance suite in :mod:`sdd_core.testing` checks that).
"""

from __future__ import annotations

import datetime as _dt
import gc
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator

from sdd_core.basics import Severity, is_spec_filename

if TYPE_CHECKING:
    from sdd_core.model import Finding, Spec
    from sdd_core.project import Project
    from sdd_core.query import Node


@dataclass
class LoadResult:
    """Every spec of a project and the problems met while reading them."""

    specs: list[Spec] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)

    def by_id(self) -> dict[str, Spec]:
        """Specs by id (the first one wins when ids collide)."""
        out: dict[str, Spec] = {}
        for spec in self.specs:
            out.setdefault(spec.id, spec)
        return out


def summary_of(spec: "Spec | SpecSummary") -> dict[str, object]:
    """The metadata a listing shows of a spec (or its summary): no body."""
    return {
        "id": spec.id,
        "title": spec.title,
        "status": spec.status,
        "phase": spec.phase,
        "domain": spec.domain,
        "path": spec.path,
        "depends": list(spec.depends),
        "created": spec.created.isoformat() if spec.created else None,
        "updated": spec.updated.isoformat() if spec.updated else None,
        "author": spec.author,
        "tags": list(spec.tags),
    }


class SpecSummary:
    """The listing fields of a spec (what ``sdd list`` and ``sdd query`` print), without the
    body, requirements or front matter. A cache builds these from its columns, without the
    spec model; :meth:`summary` gives the same dict as :meth:`Spec.summary
    <sdd_core.model.Spec.summary>`."""

    __slots__ = ("id", "path", "title", "status", "phase", "domain", "depends", "created",
                 "updated", "author", "reviewers", "tags")

    def __init__(self, id: str, path: str, title: str = "", status: str = "draft",  # noqa: A002
                 phase: int | None = None, domain: str = "common",
                 depends: "list[str] | None" = None, created: "_dt.date | None" = None,
                 updated: "_dt.date | None" = None, author: str | None = None,
                 reviewers: "list[str] | None" = None, tags: "list[str] | None" = None) -> None:
        self.id = id
        self.path = path
        self.title = title
        self.status = status
        self.phase = phase
        self.domain = domain
        self.depends = depends if depends is not None else []
        self.created = created
        self.updated = updated
        self.author = author
        self.reviewers = reviewers if reviewers is not None else []
        self.tags = tags if tags is not None else []

    @classmethod
    def of(cls, spec: "Spec | SpecSummary") -> "SpecSummary":
        """The summary of a spec."""
        return cls(spec.id, spec.path, spec.title, spec.status, spec.phase, spec.domain,
                   list(spec.depends), spec.created, spec.updated, spec.author,
                   list(spec.reviewers), list(spec.tags))

    def summary(self) -> dict[str, object]:
        """The metadata a listing shows, as :meth:`Spec.summary` gives it."""
        return summary_of(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SpecSummary):
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SpecSummary(id={self.id!r}, path={self.path!r})"


class IndexBackend:
    """Base class of index backends. Subclasses override :meth:`load`, and may override
    :meth:`get`, :meth:`query` and :meth:`validation_findings` with faster versions."""

    name = "base"

    def __init__(self, project: "Project") -> None:
        self.project = project
        self._result: LoadResult | None = None

    def load(self) -> LoadResult:
        """Every spec and load problem, fresh from the source of truth."""
        raise NotImplementedError

    def result(self) -> LoadResult:
        """:meth:`load`, once per backend instance."""
        if self._result is None:
            self._result = self.load()
        return self._result

    def specs(self) -> list[Spec]:
        """Every spec, sorted by id."""
        return self.result().specs

    def get(self, spec_id: str) -> Spec | None:
        """One spec by id (or by path), or ``None``."""
        specs = self.result().by_id()
        return self.project.resolve_ref(spec_id, specs)

    def query(self, node: "Node") -> list[Spec]:
        """Specs matching a query AST, sorted by id (the reference evaluator by default)."""
        from sdd_core.query import evaluate

        return evaluate(node, self.specs())

    def summaries(self, node: "Node | None" = None) -> list[SpecSummary]:
        """The listing fields of every spec matching ``node`` (every spec when ``None``),
        in the order of :meth:`query`. A cache may answer from its columns without building
        specs (``sdd query`` uses this when no access plugin has to see whole specs)."""
        specs = self.specs() if node is None else self.query(node)
        return [SpecSummary.of(s) for s in specs]

    def validation_findings(self, run: Callable[[LoadResult], list[Finding]]) -> list[Finding]:
        """Findings of every rule; a cache may answer unchanged specs from stored findings."""
        return run(self.result())

    def invalidate(self) -> None:
        """Forget what was loaded (after a write)."""
        self._result = None


@dataclass(frozen=True)
class IndexBackendFactory:
    """A registered index backend."""

    name: str
    open: Callable[["Project"], IndexBackend]
    priority: int = 0
    description: str = ""


def walk_spec_files(specs_dir: str) -> Iterator[tuple[str, str]]:
    """``(absolute path, path relative to specs_dir)`` of every spec file, sorted."""
    base_len = len(specs_dir) + 1
    for dirpath, dirnames, filenames in os.walk(specs_dir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if is_spec_filename(name) and not name.startswith("."):
                full = os.path.join(dirpath, name)
                yield full, full[base_len:].replace(os.sep, "/")


def read_spec_fields(full: str, rel_root: str, rel_specs: str, mtime: float | None = None
                     ) -> "tuple[dict[str, object] | None, list[Finding]]":
    """:func:`read_spec_file` without the spec model: the fields of the spec (see
    :func:`sdd_core.parsing.parse_fields`) or ``None``, and the problems."""
    from sdd_core.parsing import parse_fields

    try:
        with open(full, "rb") as fh:
            data = fh.read()
            if mtime is None:
                mtime = os.fstat(fh.fileno()).st_mtime
    except OSError as exc:
        from sdd_core.model import Finding

        return None, [Finding(code="E101", severity=Severity.ERROR, path=rel_root,
                              message=f"cannot read the file: {exc.strerror or exc}")]
    fields, problems = parse_fields(data, rel_root, rel_specs)
    if fields is not None and fields["updated"] is None and mtime is not None:
        fields["updated"] = _dt.date.fromtimestamp(mtime)  # spec-format.md: falls back to mtime
    return fields, problems


def read_spec_file(full: str, rel_root: str, rel_specs: str, mtime: float | None = None
                   ) -> tuple[Spec | None, list[Finding]]:
    """Read and parse one spec file; an unreadable file becomes a finding."""
    from sdd_core.parsing import spec_from_fields

    fields, problems = read_spec_fields(full, rel_root, rel_specs, mtime)
    return (spec_from_fields(fields) if fields is not None else None), problems


class FileIndex(IndexBackend):
    """Reads every spec file on each run (no cache)."""

    name = "files"

    def load(self) -> LoadResult:
        project = self.project
        prefix = project.specs_rel + "/"
        out = LoadResult()
        with gc_paused():
            for full, rel in walk_spec_files(str(project.specs_dir)):
                spec, problems = read_spec_file(full, prefix + rel, rel)
                out.problems.extend(problems)
                if spec is not None:
                    out.specs.append(spec)
        out.specs.sort(key=lambda s: s.id)
        return out


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many long-lived objects are built.

    Parsing 10,000 specs allocates millions of objects that all stay alive; each automatic
    collection would walk them again (measured: a third of the load time). Afterwards the
    survivors are frozen, so later collections in this process skip them too.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
