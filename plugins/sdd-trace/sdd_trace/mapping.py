"""``.sdd/code-mapping.json``: which files and folders belong to which spec (sdd-tool format).

::

    {"version": "1.0", "mappings": [
        {"specId": "auth/login", "files": ["src/auth/login.py"], "directories": ["src/auth/"]}
    ]}

Paths are relative to the project root. A ``files`` entry may be a glob (``src/**/*.ts``,
Git wildmatch rules); a ``directories`` entry covers every file below it.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sdd_core.model import Finding, Severity

MAPPING_FILE = ".sdd/code-mapping.json"


@dataclass(frozen=True)
class MappingEntry:
    """One mapping: the spec it names (as written), its files and folders, and its line."""

    spec: str
    line: int
    files: frozenset[str] = frozenset()
    globs: Any = None
    directories: tuple[str, ...] = ()

    def covers(self, rel: str) -> bool:
        """Whether the file at ``rel`` (relative to the root) belongs to this mapping."""
        if rel in self.files:
            return True
        if any(d == "" or rel.startswith(d) for d in self.directories):
            return True
        return self.globs is not None and self.globs.match_file(rel)


@dataclass
class CodeMapping:
    """Every mapping of the project, and the problems met while reading the file."""

    entries: list[MappingEntry] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)

    def specs_for(self, rel: str) -> list[MappingEntry]:
        """The mappings that cover the file at ``rel``."""
        return [e for e in self.entries if e.covers(rel)]


def _norm(path: str) -> str:
    path = path.replace("\\", "/").strip()
    norm = posixpath.normpath(path) if path else "."
    return "" if norm == "." else norm.lstrip("/")


def _problem(message: str, line: int | None = None) -> Finding:
    return Finding(code="TR005", severity=Severity.ERROR, message=message, path=MAPPING_FILE,
                   line=line)


def load_mapping(root: Path) -> CodeMapping:
    """Read ``.sdd/code-mapping.json`` (an empty mapping when the file does not exist)."""
    out = CodeMapping()
    path = root / MAPPING_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return out
    except (OSError, UnicodeDecodeError) as exc:
        out.problems.append(_problem(f"cannot read the code mapping: {exc}"))
        return out
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        out.problems.append(_problem(f"the code mapping is not valid JSON: {exc.msg}", exc.lineno))
        return out
    mappings = data.get("mappings") if isinstance(data, dict) else None
    if not isinstance(mappings, list):
        out.problems.append(_problem("the code mapping needs a 'mappings' list"
                                     " of {specId, files, directories}"))
        return out
    pos = 0
    for i, item in enumerate(mappings):
        spec = item.get("specId") if isinstance(item, dict) else None
        if not isinstance(spec, str) or not spec.strip():
            out.problems.append(_problem(f"mappings[{i}] has no 'specId'"))
            continue
        found = text.find(json.dumps(spec), pos)
        if found >= 0:
            pos = found + 1
        line = text.count("\n", 0, found) + 1 if found >= 0 else None
        files: set[str] = set()
        patterns: list[str] = []
        for f in item.get("files") or []:
            if isinstance(f, str) and f.strip():
                if any(c in f for c in "*?["):
                    patterns.append(f.replace("\\", "/"))
                else:
                    files.add(_norm(f))
        dirs = []
        for d in item.get("directories") or []:
            if isinstance(d, str):
                n = _norm(d)
                dirs.append(n + "/" if n else "")
        globs = None
        if patterns:
            import pathspec

            globs = pathspec.GitIgnoreSpec.from_lines(patterns)
        out.entries.append(MappingEntry(spec=spec.strip(), line=line or 1,
                                        files=frozenset(files), globs=globs,
                                        directories=tuple(dirs)))
    return out
