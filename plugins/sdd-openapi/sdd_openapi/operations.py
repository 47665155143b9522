"""The operations a spec declares: front matter ``api:`` entries and ``## API`` section lines.

A declaration is kept with where it was written (file line) and, when it is malformed, why:
the generator and the coverage check use the well-formed ones, rule O001 reports the others.
Path templates are compared structurally: ``/a/{id}`` and ``/a/{invoiceId}`` are the same
path (:func:`path_key`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Spec

METHODS: tuple[str, ...] = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
API_SECTIONS = frozenset({"api", "apis", "api operations", "operations", "endpoints", "http api"})

_PARAM = re.compile(r"\{([^{}]*)\}")
# A section line that reads as an operation: optional bullet, optional backtick, a method-like
# upper-case word (or a known method in any case), then the path and an optional summary.
_LINE = re.compile(
    r"^[ \t]*(?:[-*+][ \t]+|\d+[.)][ \t]+)?(?:\*\*|__)?`?(?P<method>[A-Za-z]+)(?:\*\*|__)?[ \t]+"
    r"(?P<path>[^\s`*]+)`?(?:\*\*|__)?(?:[ \t]+(?:[—–:-]+|\|)?[ \t]*(?P<summary>.*))?$"
)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Operation:
    """One declared operation: ``method`` in lower case, the path as written."""

    method: str
    path: str
    spec_id: str
    spec_path: str
    line: int
    operation_id: str | None = None
    summary: str | None = None
    source: str = "front matter"

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the operation: the method and the structural path."""
        return (self.method, path_key(self.path))

    def label(self) -> str:
        """``GET /invoices/{id}``."""
        return f"{self.method.upper()} {self.path}"


@dataclass(frozen=True)
class Malformed:
    """A declaration that cannot be an operation, with the reason and its line."""

    spec_id: str
    spec_path: str
    line: int
    text: str
    reason: str


@dataclass
class Declarations:
    """What one spec declares."""

    operations: list[Operation] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)


def path_key(path: str) -> str:
    """The structural form of a path template: every ``{name}`` becomes ``{}``."""
    return _PARAM.sub("{}", path)


def path_params(path: str) -> list[str]:
    """The parameter names of a path template, in order."""
    return _PARAM.findall(path)


def path_problem(path: str) -> str | None:
    """Why ``path`` is not a valid OpenAPI path template, or ``None`` when it is."""
    if not path:
        return "the path is empty"
    if not path.startswith("/"):
        return f"path {path!r} does not start with '/'"
    if any(c.isspace() for c in path):
        return f"path {path!r} contains white space"
    if "?" in path or "#" in path:
        return f"path {path!r} has a query string or fragment; declare the path alone"
    depth = 0
    for c in path:
        if c == "{":
            depth += 1
            if depth > 1:
                return f"path {path!r} has nested braces"
        elif c == "}":
            depth -= 1
            if depth < 0:
                return f"path {path!r} has a '}}' without its '{{'"
    if depth:
        return f"path {path!r} has a '{{' that is never closed"
    names = path_params(path)
    if any(not n.strip() for n in names):
        return f"path {path!r} has an empty parameter '{{}}'"
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        return f"path {path!r} names parameter {dupes[0]!r} twice"
    return None


def method_problem(method: str) -> str | None:
    """Why ``method`` is not an HTTP method OpenAPI describes, or ``None``."""
    if method.lower() in METHODS:
        return None
    return (f"{method!r} is not an HTTP method OpenAPI describes"
            f" ({', '.join(m.upper() for m in METHODS)})")


def declarations(spec: "Spec", front_matter: str | None = None) -> Declarations:
    """Every operation ``spec`` declares, and every malformed declaration.

    :param front_matter: the spec file's front matter text, used only to point a malformed
        ``api:`` entry at its own line (else the line of the ``api:`` key is given).
    """
    out = Declarations()
    _from_front_matter(spec, out, front_matter)
    _from_section(spec, out)
    return out


def _from_front_matter(spec: "Spec", out: Declarations, fm_text: str | None) -> None:
    if "api" not in spec.meta:
        return
    entries = spec.meta["api"]
    key_line = spec.line_of("api")
    if entries is None:
        return
    if isinstance(entries, (dict, str)):
        entries = [entries]
    if not isinstance(entries, list):
        out.malformed.append(Malformed(spec.id, spec.path, key_line, "api",
                                       "front matter 'api' must be a list of operations"
                                       " (method and path)"))
        return
    lines = _entry_lines(fm_text, key_line, len(entries)) if fm_text is not None else []
    for i, entry in enumerate(entries):
        line = lines[i] if i < len(lines) else key_line
        if isinstance(entry, str):
            m = _LINE.match(entry)
            if m is None:
                out.malformed.append(Malformed(spec.id, spec.path, line, entry,
                                               f"api entry {entry!r} is not 'METHOD /path'"))
                continue
            entry = {"method": m.group("method"), "path": m.group("path"),
                     "summary": m.group("summary")}
        if not isinstance(entry, dict):
            out.malformed.append(Malformed(spec.id, spec.path, line, repr(entry),
                                           "an api entry must be a mapping with method and path"))
            continue
        method, path = entry.get("method"), entry.get("path")
        text = f"{method} {path}"
        if not isinstance(method, str) or not method.strip():
            out.malformed.append(Malformed(spec.id, spec.path, line, text,
                                           "api entry has no 'method'"))
            continue
        if not isinstance(path, str):
            out.malformed.append(Malformed(spec.id, spec.path, line, text,
                                           "api entry has no 'path'"))
            continue
        reason = method_problem(method.strip()) or path_problem(path.strip())
        if reason:
            out.malformed.append(Malformed(spec.id, spec.path, line, text, reason))
            continue
        op_id = entry.get("operationId") or entry.get("operation_id")
        summary = entry.get("summary")
        out.operations.append(Operation(
            method=method.strip().lower(), path=path.strip(), spec_id=spec.id,
            spec_path=spec.path, line=line,
            operation_id=str(op_id).strip() if op_id else None,
            summary=str(summary).strip() if summary else None,
        ))


def _entry_lines(fm_text: str, key_line: int, count: int) -> list[int]:
    """The file line of each ``api:`` list item, read from the front matter text."""
    lines = fm_text.split("\n")
    first = key_line - 2  # the front matter starts on file line 2
    found: list[int] = []
    indent: int | None = None
    for i in range(first + 1, len(lines)):
        raw = lines[i]
        stripped = raw.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        ind = len(raw) - len(stripped)
        if ind == 0 and not stripped.startswith("-"):
            break
        if stripped.startswith("- ") or stripped == "-":
            if indent is None:
                indent = ind
            if ind == indent:
                found.append(i + 2)
                if len(found) == count:
                    break
    return found


def section_lines(spec: "Spec", names: frozenset[str]) -> Iterator[tuple[int, str]]:
    """``(file line, text)`` of the lines of every level-2 section named in ``names``
    (compared case-insensitively), code fences left out."""
    body = spec.body.split("\n")
    sections = spec.sections
    for i, sec in enumerate(sections):
        if sec.level != 2 or sec.title.strip().rstrip(":").strip().lower() not in names:
            continue
        end = spec.body_line + len(body)
        for nxt in sections[i + 1:]:
            if nxt.level <= 2:
                end = nxt.line
                break
        fence = ""
        for line in range(sec.line + 1, end):
            text = body[line - spec.body_line] if 0 <= line - spec.body_line < len(body) else ""
            fm = _FENCE.match(text)
            if fm:
                fence = "" if fence and fm.group(1)[0] == fence[0] else (fence or fm.group(1))
                continue
            if not fence:
                yield line, text


def _from_section(spec: "Spec", out: Declarations) -> None:
    if not spec.sections or not any(s.level == 2 for s in spec.sections):
        return
    for line, text in section_lines(spec, API_SECTIONS):
        m = _LINE.match(text)
        if m is None:
            continue
        method, path = m.group("method"), m.group("path")
        known = method.lower() in METHODS
        if not known and not (method.isupper() and 3 <= len(method) <= 10
                              and ("/" in path or "{" in path)):
            continue  # prose, not a declaration
        reason = method_problem(method) or path_problem(path)
        if reason:
            out.malformed.append(Malformed(spec.id, spec.path, line, text.strip(), reason))
            continue
        summary = (m.group("summary") or "").strip() or None
        out.operations.append(Operation(
            method=method.lower(), path=path, spec_id=spec.id, spec_path=spec.path, line=line,
            summary=summary, source="API section",
        ))


def derive_operation_id(method: str, path: str) -> str:
    """An operationId from the method and path: ``GET /invoices/{id}/lines`` ->
    ``getInvoicesByIdLines``."""
    words = [method.lower()]
    for seg in path.strip("/").split("/"):
        if not seg:
            continue
        params = _PARAM.findall(seg)
        if params and _PARAM.sub("", seg) == "":
            words.append("By" + "".join(_camel(p) for p in params))
            continue
        words.append(_camel(_PARAM.sub(lambda m: " " + m.group(1) + " ", seg)))
    out = "".join(words)
    return out if len(words) > 1 else f"{out}Root"


def _camel(text: str) -> str:
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", text) if p]
    return "".join(p[:1].upper() + p[1:] for p in parts)


def all_declarations(specs: "list[Spec]") -> tuple[list[Operation], list[Malformed]]:
    """Every well-formed operation and every malformed declaration of ``specs``, with an
    operation declared twice by the same spec kept once."""
    ops: list[Operation] = []
    bad: list[Malformed] = []
    for spec in specs:
        d = declarations(spec)
        seen: set[tuple[str, str]] = set()
        for op in d.operations:
            if op.key not in seen:
                seen.add(op.key)
                ops.append(op)
        bad.extend(d.malformed)
    return ops, bad


def grouped(ops: list[Operation]) -> dict[tuple[str, str], list[Operation]]:
    """Operations by their structural key, each list in declaration order."""
    out: dict[tuple[str, str], list[Operation]] = {}
    for op in ops:
        out.setdefault(op.key, []).append(op)
    return out
