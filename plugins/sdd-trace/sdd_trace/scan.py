"""Finding the source and test files to read: the folders to walk, and the files to skip.

A file is read when it is under one of the ``--src`` folders and none of these hold:

- a folder on its path is skipped by name (:data:`SKIP_DIRS`) or ignored by a ``.gitignore``;
- it matches an ``--exclude`` pattern, or ``--include`` patterns are given and it matches none;
- without ``--include``: its extension marks documentation, data or a binary format
  (:data:`SKIP_EXTENSIONS`), or it is a lock file;
- it is larger than :data:`MAX_BYTES`, minified, or binary (a NUL byte in its first 8 KB).

Patterns (``.gitignore``, ``--include``, ``--exclude``) use Git's wildmatch rules, through
the ``pathspec`` library, on paths relative to the project root.
"""

from __future__ import annotations

import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

MAX_BYTES = 1024 * 1024
SNIFF_BYTES = 8192

SKIP_DIRS = frozenset({
    ".sdd", ".git", ".hg", ".svn", "node_modules", "bower_components", "vendor", "third_party",
    "dist", "build", ".venv", "venv", "__pycache__", ".tox", ".nox", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", "site-packages",
})

SKIP_EXTENSIONS = frozenset({
    # documentation and data: examples of markers there are not references
    ".md", ".markdown", ".rst", ".txt", ".adoc", ".json", ".csv", ".tsv", ".log", ".lock",
    ".map", ".svg",
    # binary formats (also caught by the NUL test, but not worth reading)
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".pdf", ".zip", ".gz", ".tgz",
    ".bz2", ".xz", ".7z", ".tar", ".jar", ".war", ".class", ".so", ".dylib", ".dll", ".exe",
    ".o", ".a", ".obj", ".pyc", ".pyo", ".whl", ".woff", ".woff2", ".ttf", ".otf", ".eot",
    ".mp3", ".mp4", ".mov", ".wav", ".ogg", ".sqlite", ".db",
})

LOCK_FILES = frozenset({"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock",
                        "Cargo.lock", "go.sum", "composer.lock", "Gemfile.lock", "uv.lock"})

_MINIFIED_NAME = re.compile(r"[.-]min\.[A-Za-z0-9]+$")

_TEST_NAME = re.compile(
    r"^(?:test_.*\.py|.*_test\.py|conftest\.py|.*_test\.go"
    r"|.*\.(?:test|spec)\.(?:[cm]?[jt]sx?)|.*_spec\.rb|.*Tests?\.(?:java|kt|cs|scala))$"
)
TEST_DIRS = frozenset({"tests", "test", "__tests__", "spec"})


def is_test_path(rel: str) -> bool:
    """Whether a path (relative, ``/``-separated) is a test file by its name or folder."""
    parts = rel.split("/")
    if _TEST_NAME.match(parts[-1]):
        return True
    return any(p in TEST_DIRS for p in parts[:-1])


@dataclass(frozen=True)
class SourceFile:
    """A file to read: its path relative to the project root and whether it holds tests."""

    rel: str
    path: str
    is_test: bool
    data: bytes


@dataclass
class ScanStats:
    """How many files were read and why others were skipped."""

    scanned: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {"scanned": self.scanned, "skipped": dict(sorted(self.skipped.items()))}


def _compile(patterns: Iterable[str]) -> Any:
    import pathspec

    lines = [p for p in patterns if p.strip()]
    return pathspec.GitIgnoreSpec.from_lines(lines) if lines else None


def _read_gitignore(folder: str) -> Any:
    try:
        with open(os.path.join(folder, ".gitignore"), encoding="utf-8", errors="replace") as fh:
            return _compile(fh.read().splitlines())
    except OSError:
        return None


Ignores = tuple[tuple[str, Any], ...]  # (folder relative to the root, compiled .gitignore)


def _ignored(rel: str, is_dir: bool, ignores: Ignores) -> bool:
    """Git's answer: the deepest ``.gitignore`` with a matching pattern decides."""
    verdict = False
    for base, spec in ignores:
        sub = rel[len(base) + 1:] if base else rel
        result = spec.check_file(sub + "/" if is_dir else sub)
        if result.include is not None:
            verdict = result.include
    return verdict


class Scanner:
    """Walks the ``--src`` folders of a project and yields the files worth reading."""

    def __init__(self, root: str, *, include: Iterable[str] = (), exclude: Iterable[str] = (),
                 gitignore: bool = True) -> None:
        self.root = os.path.abspath(root)
        self.include = _compile(include)
        self.exclude = _compile(exclude)
        self.gitignore = gitignore
        self.stats = ScanStats()
        self._seen: set[str] = set()

    def _rel(self, path: str) -> str:
        rel = os.path.relpath(path, self.root)
        return "" if rel == "." else rel.replace(os.sep, "/")

    def _ancestor_ignores(self, folder: str) -> Ignores:
        """The ``.gitignore`` files from the project root down to ``folder`` (exclusive)."""
        rel = self._rel(folder)
        if not self.gitignore or rel.startswith(".."):
            return ()
        out: list[tuple[str, Any]] = []
        parts = rel.split("/") if rel else []
        for depth in range(len(parts)):
            base = "/".join(parts[:depth])
            spec = _read_gitignore(os.path.join(self.root, base))
            if spec is not None:
                out.append((base, spec))
        return tuple(out)

    def files(self, folders: Iterable[str]) -> Iterator[SourceFile]:
        """Every file worth reading under ``folders`` (each file once)."""
        for folder in folders:
            folder = os.path.abspath(folder)
            yield from self._walk(folder, self._ancestor_ignores(folder))

    def _walk(self, top: str, ignores: Ignores) -> Iterator[SourceFile]:
        stack: list[tuple[str, str, Ignores]] = [(top, self._rel(top), ignores)]
        while stack:
            folder, folder_rel, ignores = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                self.stats.skipped["unreadable"] += 1
                continue
            if self.gitignore and any(e.name == ".gitignore" for e in entries):
                spec = _read_gitignore(folder)
                if spec is not None:
                    ignores = (*ignores, (folder_rel, spec))
            subdirs: list[tuple[str, str, Ignores]] = []
            prefix = folder_rel + "/" if folder_rel else ""
            for entry in entries:
                name = entry.name
                rel = prefix + name
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_dir:
                    if name in SKIP_DIRS or (ignores and _ignored(rel, True, ignores)):
                        continue
                    if self.exclude is not None and self.exclude.match_file(rel + "/"):
                        continue
                    subdirs.append((entry.path, rel, ignores))
                    continue
                if name == ".gitignore" or (ignores and _ignored(rel, False, ignores)):
                    continue
                src = self._file(entry, rel)
                if src is not None:
                    yield src
            stack.extend(reversed(subdirs))

    def _file(self, entry: os.DirEntry[str], rel: str) -> SourceFile | None:
        name = entry.name
        if self.exclude is not None and self.exclude.match_file(rel):
            return None
        if self.include is not None:
            if not self.include.match_file(rel):
                return None
        else:
            ext = os.path.splitext(name)[1].lower()
            if ext in SKIP_EXTENSIONS or name in LOCK_FILES:
                return None
        try:
            st = entry.stat()
        except OSError:
            self.stats.skipped["unreadable"] += 1
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        if rel in self._seen:
            return None
        self._seen.add(rel)
        if st.st_size > MAX_BYTES:
            self.stats.skipped["too_large"] += 1
            return None
        if _MINIFIED_NAME.search(name):
            self.stats.skipped["minified"] += 1
            return None
        try:
            with open(entry.path, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except OSError:
            self.stats.skipped["unreadable"] += 1
            return None
        head = data[:SNIFF_BYTES]
        if b"\0" in head:
            self.stats.skipped["binary"] += 1
            return None
        if len(data) > SNIFF_BYTES and head.count(b"\n") < 8:
            self.stats.skipped["minified"] += 1
            return None
        self.stats.scanned += 1
        return SourceFile(rel=rel, path=entry.path, is_test=is_test_path(rel), data=data)
