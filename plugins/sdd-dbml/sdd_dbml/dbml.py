"""A small DBML reader: enough to know which tables, columns and references a fenced
```dbml block defines, with their lines. Blocks are exported as written; this reader only
feeds the rules and the Mermaid diagram.

It reads ``Table name [as alias] [settings] { columns }`` (column settings with ``pk``,
``unique``, ``not null``, ``increment``, ``default:``, inline ``ref:``), ``Ref: a.b > c.d``
and ``Ref { ... }``; other blocks (Enum, TableGroup, Project, Note, indexes) are skipped.
Strings, expressions and comments are blanked first, so braces inside them do not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sdd_dbml.model import Column, Ref, Table

_NAME = r'(?:"[^"\n]+"|[A-Za-z_]\w*)'
_TABLE = re.compile(
    rf"^\s*table\s+(?P<name>{_NAME}(?:\.{_NAME})?)(?:\s+as\s+(?P<alias>{_NAME}))?"
    r"\s*(?:\[[^\]]*\])?\s*\{", re.IGNORECASE)
_REF_SHORT = re.compile(r"^\s*ref\b[^:{\n]*:\s*(?P<expr>.+)$", re.IGNORECASE)
_REF_LONG = re.compile(r"^\s*ref\b[^:{\n]*\{\s*$", re.IGNORECASE)
_BLOCK = re.compile(r"^\s*[A-Za-z_][\w]*\b[^{\n]*\{")
_ENDPOINT = rf"(?:{_NAME}(?:\.{_NAME})*)\.(?:\([^)]*\)|{_NAME})"
_REF_EXPR = re.compile(rf"^\s*(?P<a>{_ENDPOINT})\s*(?P<op><>|>|<|-)\s*(?P<b>{_ENDPOINT})")
_INLINE_REF = re.compile(rf"\bref\s*:\s*(?P<op><>|>|<|-)\s*(?P<b>{_ENDPOINT})", re.IGNORECASE)
_COLUMN = re.compile(rf"^\s*(?P<name>{_NAME})\s+(?P<type>\"[^\"\n]+\"|[^\s\[]+(?:\[\])?)"
                     r"\s*(?P<settings>\[.*\])?\s*$")


@dataclass
class Parsed:
    """What a block defines; lines are 1-based within the block."""

    tables: list[Table] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def blank(text: str) -> str:
    """``text`` with comments, 'strings', '''notes''' and `expressions` replaced by spaces
    (quotes and newlines kept), so that structure can be read line by line."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("'''", i):
            end = text.find("'''", i + 3)
            closing = "" if end == -1 else "'''"
            end = n if end == -1 else end
            out.append("'''" + re.sub(r"[^\n]", " ", text[i + 3:end]) + closing)
            i = end + 3
        elif c in "'`":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n and text[j] == c else ""))
            i = j + 1 if j < n and text[j] == c else j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j == -1 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end == -1 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _unquote(name: str) -> str:
    return ".".join(p.strip('"') for p in re.findall(r'"[^"]+"|[^.]+', name))


def _endpoint(text: str) -> tuple[str, tuple[str, ...]]:
    m = re.match(rf"^(?P<t>{_NAME}(?:\.{_NAME})*)\.(?P<c>\([^)]*\)|{_NAME})$", text.strip())
    if m is None:  # pragma: no cover - the callers' patterns only pass endpoints
        return text, ()
    cols = m.group("c")
    if cols.startswith("("):
        names = tuple(c.strip().strip('"') for c in cols[1:-1].split(",") if c.strip())
    else:
        names = (cols.strip('"'),)
    return _unquote(m.group("t")), names


def _settings(col: Column, settings: str, table: Table, line: int, out: Parsed) -> None:
    inner = settings.strip()[1:-1]
    for m in _INLINE_REF.finditer(inner):
        to_table, to_cols = _endpoint(m.group("b"))
        out.refs.append(Ref(table.name, (col.name,), m.group("op"), to_table, to_cols,
                            "", "", line, source="dbml"))
    for part in inner.split(","):
        word = " ".join(part.lower().split())
        if word in ("pk", "primary key"):
            col.pk = True
        elif word == "unique":
            col.unique = True
        elif word == "not null":
            col.not_null = True
        elif word == "null":
            col.null = True
        elif word == "increment":
            col.increment = True


def parse_dbml(text: str) -> Parsed:
    """The tables, references and structural problems of a DBML text."""
    out = Parsed()
    lines = blank(text).split("\n")
    depth = 0
    context: list[tuple[str, int, Table | None]] = []  # kind, depth it opened at, table
    for n, line in enumerate(lines, 1):
        opened, closed = line.count("{"), line.count("}")
        if depth == 0:
            tm = _TABLE.match(line)
            if tm:
                alias = tm.group("alias")
                new = Table(name=_unquote(tm.group("name")), spec_id="", spec_path="",
                            line=n, source="dbml", alias=alias.strip('"') if alias else None)
                new.span = (n, n)
                out.tables.append(new)
                context.append(("table", 0, new))
            elif _REF_LONG.match(line):
                context.append(("ref", 0, None))
            elif (short := _REF_SHORT.match(line)) is not None:
                _ref_expr(short.group("expr"), n, out)
            elif _BLOCK.match(line):
                context.append(("other", 0, None))
            elif line.strip() and not closed:
                source = text.split("\n")[n - 1].strip()
                out.problems.append((n, f"cannot read the DBML line {source!r}"))
        elif context and depth == context[-1][1] + 1 and not opened:
            kind, _, table = context[-1]
            stripped = line.strip()
            if kind == "table" and table is not None and stripped and stripped != "}" \
                    and not re.match(r"^note\s*[:{]", stripped, re.IGNORECASE):
                cm = _COLUMN.match(line.replace("}", "") if closed else line)
                if cm:
                    col = Column(name=cm.group("name").strip('"'),
                                 type=cm.group("type").strip('"'), line=n)
                    if cm.group("settings"):
                        _settings(col, cm.group("settings"), table, n, out)
                    table.columns.append(col)
            elif kind == "ref" and stripped and stripped != "}":
                _ref_expr(stripped, n, out)
        depth += opened - closed
        if depth < 0:
            out.problems.append((n, "a '}' closes no block"))
            depth = 0
        while context and depth <= context[-1][1]:
            _, _, closing = context.pop()
            if closing is not None and closing.span is not None:
                closing.span = (closing.span[0], n)
    if depth > 0 and context:
        _, _, outer = context[0]
        start = outer.span[0] if outer is not None and outer.span else 1
        out.problems.append((start, "a '{' opened here is never closed"))
    return out


def _ref_expr(expr: str, line: int, out: Parsed) -> None:
    m = _REF_EXPR.match(expr)
    if m is None:
        out.problems.append((line, f"cannot read the reference {expr.strip()!r}"))
        return
    a_table, a_cols = _endpoint(m.group("a"))
    b_table, b_cols = _endpoint(m.group("b"))
    out.refs.append(Ref(a_table, a_cols, m.group("op"), b_table, b_cols, "", "", line,
                        source="dbml"))
