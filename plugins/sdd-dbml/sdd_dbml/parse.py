"""Reading a spec's data model: the ``## Data Model`` section's field tables, and fenced
```dbml blocks anywhere in the body.

Field tables are read tolerantly: the column holding the field name may be called Field,
Name or Column; the type column Type; constraints Constraints, Attributes or Settings
(``pk``, ``unique``, ``not null``, ``increment``, ``default: X``); references Ref or
References (``table.column``, ``> table.column``); notes Notes or Description. A column
called "References/Notes" holds both.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

from sdd_dbml.dbml import parse_dbml
from sdd_dbml.model import Block, Column, DataModel, Problem, Ref, Table

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Spec

DATA_SECTIONS = frozenset({"data model", "data models", "database", "database schema",
                           "schema", "data"})
ROLES: dict[str, str] = {}
for _role, _names in {
    "name": ("field", "fields", "name", "column", "field name", "column name", "attribute",
             "property"),
    "type": ("type", "data type", "datatype", "sql type", "db type"),
    "constraints": ("constraints", "constraint", "attributes", "settings", "modifiers",
                    "flags", "keys", "key", "options"),
    "ref": ("ref", "refs", "reference", "references", "relation", "relations",
            "relationship", "foreign key", "fk", "links to", "points to"),
    "note": ("note", "notes", "description", "comment", "comments", "details", "meaning"),
    "default": ("default", "default value"),
    "nullable": ("nullable", "null"),
    "required": ("required", "mandatory"),
    "pk": ("pk", "primary key", "primary"),
    "unique": ("unique",),
}.items():
    for _n in _names:
        ROLES[_n] = _role

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)")
_SEPARATOR = re.compile(r"^:?-{1,}:?$")
_IDENT = r"[A-Za-z_][\w]*"
_TARGET = re.compile(
    rf"(?P<op><>|>|<|-(?!>)|→|->)?[ \t]*`?(?P<target>{_IDENT}(?:\.{_IDENT}){{1,2}})`?"
    rf"|(?P<t2>{_IDENT}(?:\.{_IDENT})?)\((?P<c2>{_IDENT})\)")
_LEAD = re.compile(r"^(?:ref|refs|references?|fk|foreign key|→|->|>|<|<>|-)\b|^[→>\-<]",
                   re.IGNORECASE)
_HEADING_NAME = re.compile(rf"^(?:table\b[ \t]*:?[ \t]*)?`?(?P<name>{_IDENT}(?:\.{_IDENT})?)`?"
                           rf"(?P<rest>.*)$", re.IGNORECASE)
_YES = frozenset({"yes", "y", "true", "x", "✓", "✔", "pk", "1"})
_NO = frozenset({"no", "n", "false", "0", "-"})


def parse_model(spec: "Spec") -> DataModel:
    """The data model one spec describes (empty for a spec that describes none)."""
    out = DataModel()
    body = spec.body
    if "```" in body or "~~~" in body:
        _dbml_blocks(spec, out)
    if any(s.level == 2 and _is_data_section(s.title) for s in spec.sections):
        _field_tables(spec, out)
    return out


def _is_data_section(title: str) -> bool:
    return title.strip().rstrip(":").strip().lower() in DATA_SECTIONS


def _lines(spec: "Spec") -> list[str]:
    return spec.body.split("\n")


def _dbml_blocks(spec: "Spec", out: DataModel) -> None:
    lines = _lines(spec)
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(1), m.group(2).lower()
        j = i + 1
        while j < len(lines):
            close = _FENCE.match(lines[j])
            if close and close.group(1)[0] == fence[0] and len(close.group(1)) >= len(fence) \
                    and not lines[j].strip().strip(fence[0]):
                break
            j += 1
        if info == "dbml":
            text = "\n".join(lines[i + 1:j])
            first = spec.body_line + i + 1
            block = Block(text=text, spec_id=spec.id, spec_path=spec.path, line=first)
            parsed = parse_dbml(text)
            for t in parsed.tables:
                t.spec_id, t.spec_path, t.line = spec.id, spec.path, first + t.line - 1
                for c in t.columns:
                    c.line = first + c.line - 1
                block.tables.append(t)
                out.tables.append(t)
            for r in parsed.refs:
                r.spec_id, r.spec_path, r.line = spec.id, spec.path, first + r.line - 1
                out.refs.append(r)
            for line, message in parsed.problems:
                out.problems.append(Problem(spec.id, spec.path, first + line - 1, message))
            out.blocks.append(block)
        i = j + 1


def _field_tables(spec: "Spec", out: DataModel) -> None:
    lines = _lines(spec)
    sections = spec.sections
    for idx, sec in enumerate(sections):
        if sec.level != 2 or not _is_data_section(sec.title):
            continue
        end = spec.body_line + len(lines)
        for nxt in sections[idx + 1:]:
            if nxt.level <= 2:
                end = nxt.line
                break
        headings = {s.line: s for s in sections[idx + 1:] if s.line < end}
        current: tuple[str, int, str | None, bool] | None = None  # name, line, note, explicit
        rows: list[tuple[int, str]] = []
        fence = ""
        has_fields = False

        def flush(current: tuple[str, int, str | None, bool] | None) -> None:
            nonlocal rows, has_fields
            if rows:
                if current is None:
                    out.problems.append(Problem(
                        spec.id, spec.path, rows[0][0],
                        "a field table in the data model needs a '### Table name' heading"
                        " above it"))
                else:
                    table = _read_table(spec, current, rows, out)
                    if table is not None:
                        out.tables.append(table)
                        has_fields = True
            rows = []

        for line in range(sec.line + 1, end):
            text = lines[line - spec.body_line] if 0 <= line - spec.body_line < len(lines) \
                else ""
            fm = _FENCE.match(text)
            if fm:
                fence = "" if fence and fm.group(1)[0] == fence[0] else (fence or fm.group(1))
                flush(current)
                continue
            if fence:
                continue
            if line in headings:
                flush(current)
                if current is not None and current[3] and not has_fields \
                        and not _heading_has_dbml(spec, current[1], line):
                    out.problems.append(Problem(spec.id, spec.path, current[1],
                                                f"table {current[0]!r} has no field table"))
                current, has_fields = _heading(spec, headings[line], out), False
                continue
            if text.lstrip().startswith("|"):
                rows.append((line, text))
            else:
                flush(current)
        flush(current)
        if current is not None and current[3] and not has_fields \
                and not _heading_has_dbml(spec, current[1], end):
            out.problems.append(Problem(spec.id, spec.path, current[1],
                                        f"table {current[0]!r} has no field table"))


def _heading_has_dbml(spec: "Spec", start: int, end: int) -> bool:
    lines = _lines(spec)
    return any(re.match(r"^ {0,3}(`{3,}|~{3,})[ \t]*dbml\b", lines[i - spec.body_line], re.IGNORECASE)
               for i in range(start + 1, end) if 0 <= i - spec.body_line < len(lines))


def _heading(spec: "Spec", sec: object, out: DataModel
             ) -> tuple[str, int, str | None, bool] | None:
    title = getattr(sec, "title", "").strip()
    line = getattr(sec, "line", 0)
    m = _HEADING_NAME.match(title)
    if m is None:
        out.problems.append(Problem(spec.id, spec.path, line,
                                    f"cannot read a table name in the heading {title!r}"
                                    " (write '### Table name' or '### name')"))
        return None
    rest = m.group("rest").strip().strip("—–-:()").strip()
    explicit = title.lower().startswith("table") and m.group("name").lower() != "table"
    return m.group("name"), line, rest or None, explicit


def _split_row(text: str) -> list[str]:
    text = text.strip()
    text = text.removeprefix("|")
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    if "`" not in text and "\\" not in text:
        return [c.strip() for c in text.split("|")]
    cells, buf, code = [], [], False
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] == "|":
            buf.append("|")
            i += 2
            continue
        if c == "`":
            code = not code
        if c == "|" and not code:
            cells.append("".join(buf).strip())
            buf = []
        else:
            buf.append(c)
        i += 1
    cells.append("".join(buf).strip())
    return cells


def _clean(cell: str) -> str:
    """A cell without the emphasis or code marks around it (``**id**``, `` `id` ``)."""
    value = cell.strip()
    for mark in ("**", "__", "*", "_"):
        if len(value) > 2 * len(mark) and value.startswith(mark) and value.endswith(mark):
            value = value[len(mark):-len(mark)].strip()
            break
    if len(value) > 2 and value[0] == value[-1] == "`":
        value = value[1:-1].strip()
    return value


def _roles(header: list[str]) -> list[list[str]]:
    out = []
    for cell in header:
        name = _clean(cell).lower()
        roles = []
        for part in re.split(r"\s*(?:/|&|\band\b|\+)\s*", name):
            role = ROLES.get(part.strip())
            if role:
                roles.append(role)
        out.append(roles)
    return out


def _read_table(spec: "Spec", head: tuple[str, int, str | None, bool],
                rows: list[tuple[int, str]], out: DataModel) -> Table | None:
    name, line, note, _ = head
    cells = [(ln, _split_row(text)) for ln, text in rows]
    if len(cells) < 2 or not all(_SEPARATOR.match(c.strip() or "-") for c in cells[1][1]):
        out.problems.append(Problem(spec.id, spec.path, rows[0][0],
                                    f"table {name!r}: a field table needs a header row and a"
                                    " '|---|' separator row"))
        return None
    roles = _roles(cells[0][1])
    flat = [r for rs in roles for r in rs]
    if "name" not in flat:
        # tolerate unknown headers: the first column names the field, the second its type
        roles[0] = ["name"]
        if len(roles) > 1 and "type" not in flat:
            roles[1] = ["type"]
    table = Table(name=name, spec_id=spec.id, spec_path=spec.path, line=line, note=note)
    for ln, row in cells[2:]:
        values: dict[str, str] = {}
        combined: dict[str, str] = {}
        for i, cell in enumerate(row):
            if i >= len(roles) or not roles[i]:
                continue
            if len(roles[i]) == 1:
                values.setdefault(roles[i][0], cell)
            else:
                combined["+".join(roles[i])] = cell
        col_name = _clean(values.get("name", ""))
        if not col_name:
            if any(c.strip() for c in row):
                out.problems.append(Problem(spec.id, spec.path, ln,
                                            f"table {name!r}: a field row without a name"))
            continue
        col_type = _clean(values.get("type", ""))
        if not col_type:
            out.problems.append(Problem(spec.id, spec.path, ln,
                                        f"table {name!r}: field {col_name!r} has no type"))
            col_type = "unknown"
        col = Column(name=col_name, type=col_type, line=ln)
        notes: list[str] = []
        _apply_constraints(col, values.get("constraints", ""), table, ln, spec, out, notes)
        for flag in ("pk", "unique"):
            if flag in values and _clean(values[flag]).lower() in _YES:
                setattr(col, flag, True)
        if "required" in values:
            v = _clean(values["required"]).lower()
            col.not_null = col.not_null or v in _YES
            col.null = col.null or v in _NO and v != "-"
        if "nullable" in values:
            v = _clean(values["nullable"]).lower()
            col.null = col.null or v in _YES
            col.not_null = col.not_null or (v in _NO and v != "-")
        if values.get("default", "").strip():
            col.default = _clean(values["default"])
        if "ref" in values:
            _refs_in(values["ref"], table, col, ln, spec, out, strict=False)
        for roles_key, cell in combined.items():
            if "ref" in roles_key:
                rest = _refs_in(cell, table, col, ln, spec, out, strict=True)
                if "note" in roles_key and rest:
                    notes.append(rest)
            elif "note" in roles_key and cell:
                notes.append(cell)
        if values.get("note", "").strip():
            notes.append(values["note"].strip())
        col.note = "; ".join(n for n in notes if n) or None
        table.columns.append(col)
    return table


def _tokens(text: str) -> list[str]:
    if not any(c in text for c in "'\"`(["):
        return [t.strip() for t in re.split(r"[,;]", text) if t.strip()]
    out, buf, depth, quote = [], [], 0, ""
    for c in text:
        if quote:
            buf.append(c)
            if c == quote:
                quote = ""
            continue
        if c in "'\"`":
            quote = c
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c in ",;" and depth <= 0:
            out.append("".join(buf).strip())
            buf = []
            continue
        buf.append(c)
    out.append("".join(buf).strip())
    return [t for t in out if t]


def _apply_constraints(col: Column, cell: str, table: Table, line: int, spec: "Spec",
                       out: DataModel, notes: list[str]) -> None:
    for raw in _tokens(cell):
        token = raw.strip().strip("`").strip()
        low = re.sub(r"[\s_-]+", " ", token.lower()).strip()
        if low in ("pk", "primary key", "primary"):
            col.pk = True
        elif low in ("unique", "uniq", "uk"):
            col.unique = True
        elif low in ("not null", "notnull", "non null", "required", "mandatory"):
            col.not_null = True
        elif low in ("null", "nullable", "optional"):
            col.null = True
        elif low in ("increment", "auto increment", "autoincrement", "serial", "identity"):
            col.increment = True
        elif low in ("fk", "foreign key"):
            continue
        elif low.startswith("default"):
            value = re.sub(r"^default[ \t]*[:=]?[ \t]*", "", token, flags=re.IGNORECASE).strip()
            if value:
                col.default = value
        elif re.match(r"^(?:ref|references?|fk)\b|^[>→<]", token, re.IGNORECASE):
            _refs_in(token, table, col, line, spec, out, strict=False)
        else:
            notes.append(raw.strip())


def _refs_in(cell: str, table: Table, col: Column, line: int, spec: "Spec", out: DataModel,
             *, strict: bool) -> str:
    """Read references from a cell; returns the cell's text without them (for notes).

    ``strict``: the cell also holds notes, so a bare ``a.b`` counts only when it starts the
    cell, is in backticks, or follows an arrow or the word "ref"/"references".
    """
    cleaned = cell.replace("**", "").strip()
    kept: list[str] = []
    last = 0
    for m in _TARGET.finditer(cleaned):
        if strict:
            before = cleaned[:m.start()].strip().lower()
            after = cleaned[m.end():]
            marked = bool(m.group("op")) or "`" in m.group(0) or \
                bool(re.search(r"(?:ref|refs|references?|fk|foreign key)\s*:?$", before)) or \
                (before == "" and re.match(r"\s*(?:$|[—–;,(]|-\s)", after) is not None)
            if not marked:
                continue
        if m.group("target"):
            parts = m.group("target").split(".")
            to_table, to_col = ".".join(parts[:-1]), parts[-1]
        else:
            to_table, to_col = m.group("t2"), m.group("c2")
        op = m.group("op") or ">"
        op = ">" if op in ("→", "->") else op
        out.refs.append(Ref(from_table=table.name, from_columns=(col.name,), op=op,
                            to_table=to_table, to_columns=(to_col,), spec_id=spec.id,
                            spec_path=spec.path, line=line))
        kept.append(cleaned[last:m.start()])
        last = m.end()
    kept.append(cleaned[last:])
    rest = "".join(kept)
    rest = re.sub(r"(?i)\b(?:ref|refs|references?|fk|foreign key)\b\s*:?", "", rest)
    return rest.strip(" \t:;,-—–()").strip()


def suggest(name: str, known: list[str]) -> str:
    """`` (did you mean 'x'?)`` when a known name is close to ``name``."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""
