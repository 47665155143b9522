"""The project's data model as one DBML document, or as a Mermaid ``erDiagram``.

Order is deterministic: tables from field tables sorted by name, then the DBML blocks by
spec id and position, then ``Ref:`` lines sorted. A table defined twice is written once
(its first definition by spec id); a reference to an unknown table or column is left out.
Both are reported (and flagged by rules D001 and D002).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sdd_dbml.model import Block, Column, DataModel, Ref, Table, table_key

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLAIN_TYPE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\[\])?$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_CALL = re.compile(r"^[A-Za-z_][\w.]*\(.*\)$")


@dataclass
class Exported:
    """A document and what was left out of it."""

    text: str
    tables: int = 0
    refs: int = 0
    warnings: list[str] = field(default_factory=list)


def ident(name: str) -> str:
    """A DBML identifier: ``invoices``, ``billing.invoices``, ``"line item"``."""
    parts = name.split(".")
    if len(parts) <= 2 and all(_PLAIN.match(p) for p in parts):
        return name
    if len(parts) == 2 and all(p for p in parts):
        return ".".join(p if _PLAIN.match(p) else f'"{p}"' for p in parts)
    return '"' + name.replace('"', "") + '"'


def dbml_type(value: str) -> str:
    """A column type: ``varchar(255)`` as it is, ``"timestamp with time zone"`` quoted."""
    value = value.strip()
    return value if _PLAIN_TYPE.match(value) else '"' + value.replace('"', "") + '"'


def dbml_string(text: str) -> str:
    """A single-quoted DBML string."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", " ") + "'"


def dbml_default(value: str) -> str:
    """A default: numbers, booleans and null as they are, calls as expressions, else text."""
    v = value.strip()
    if _NUMBER.match(v) or v.lower() in ("true", "false", "null"):
        return v.lower() if not _NUMBER.match(v) else v
    if len(v) >= 2 and v[0] == v[-1] == "`":
        return v
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        return dbml_string(v[1:-1])
    if _CALL.match(v):
        return f"`{v}`"
    return dbml_string(v)


def _column(col: Column) -> str:
    settings = []
    if col.pk:
        settings.append("pk")
    if col.increment:
        settings.append("increment")
    if col.unique:
        settings.append("unique")
    if col.not_null and not col.pk:
        settings.append("not null")
    elif col.null and not col.pk:
        settings.append("null")
    if col.default is not None:
        settings.append(f"default: {dbml_default(col.default)}")
    if col.note:
        settings.append(f"note: {dbml_string(col.note)}")
    extra = f" [{', '.join(settings)}]" if settings else ""
    return f"  {ident(col.name)} {dbml_type(col.type)}{extra}"


def ref_key(ref: Ref, model: DataModel) -> frozenset[tuple[str, tuple[str, ...]]]:
    """The two ends of a reference, without direction: DBML allows one reference per pair."""
    ends = []
    for table, cols in ((ref.from_table, ref.from_columns), (ref.to_table, ref.to_columns)):
        t = model.resolve_table(table)
        ends.append((t.key if t is not None else table_key(table), tuple(cols)))
    return frozenset(ends)


def duplicate_refs(model: DataModel) -> list[tuple[Ref, Ref]]:
    """``(duplicate, first)`` for every reference linking the same two ends as an earlier
    one. References written in DBML blocks come first (they are exported as written)."""
    first: dict[frozenset[tuple[str, tuple[str, ...]]], Ref] = {}
    out = []
    order = sorted(model.refs, key=lambda r: (r.source != "dbml", r.spec_id, r.line))
    for ref in order:
        if ref_problem(ref, model):
            continue
        key = ref_key(ref, model)
        if key in first:
            out.append((ref, first[key]))
        else:
            first[key] = ref
    return out


def ref_problem(ref: Ref, model: DataModel) -> str | None:
    """Why a reference cannot hold (an unknown table or column, or a column referencing
    itself), or ``None``."""
    for table_name, cols in ((ref.from_table, ref.from_columns), (ref.to_table, ref.to_columns)):
        table = model.resolve_table(table_name)
        if table is None:
            from sdd_dbml.parse import suggest

            known = sorted(model.first_tables())
            return f"unknown table {table_name!r}{suggest(table_key(table_name), known)}"
        for c in cols:
            if table.column(c) is None:
                from sdd_dbml.parse import suggest

                names = [x.name for x in table.columns]
                return f"table {table.name!r} has no column {c!r}{suggest(c, names)}"
    a, b = model.resolve_table(ref.from_table), model.resolve_table(ref.to_table)
    if a is b and tuple(ref.from_columns) == tuple(ref.to_columns):
        return "both ends are the same column"
    return None


def _kept(model: DataModel) -> tuple[list[Table], list[tuple[Block, str]], set[int]]:
    first = model.first_tables()
    markdown = sorted((t for t in first.values() if t.source == "table"), key=lambda t: t.key)
    dropped = {id(t) for t in model.tables if first[t.key] is not t}
    blocks = []
    for block in sorted(model.blocks, key=lambda b: (b.spec_id, b.line)):
        lines: list[str | None] = list(block.text.split("\n"))
        for t in block.tables:
            if id(t) in dropped and t.span is not None:
                a, b = t.span[0] - 1, t.span[1] - 1  # block lines, 1-based
                for i in range(max(a, 0), min(b + 1, len(lines))):
                    lines[i] = None
        text = "\n".join(x for x in lines if x is not None).strip("\n")
        blocks.append((block, text))
    return markdown, blocks, dropped


def to_dbml(model: DataModel, *, title: str | None = None) -> Exported:
    """One DBML document of every table and reference."""
    markdown, blocks, dropped = _kept(model)
    result = Exported(text="")
    for dup, first in model.duplicates():
        result.warnings.append(f"{dup.spec_path}:{dup.line}: table {dup.name!r} is already"
                               f" defined by {first.spec_id} ({first.spec_path}:{first.line});"
                               " left out")
    out: list[str] = []
    if title:
        out += [f"// {title}", ""]
    for t in markdown:
        out.append(f"Table {ident(t.name)} {{")
        out += [_column(c) for c in t.columns]
        note = f"spec {t.spec_id}" + (f": {t.note}" if t.note else "")
        out += [f"  Note: {dbml_string(note)}", "}", ""]
        result.tables += 1
    for block, text in blocks:
        out += [f"// spec {block.spec_id} ({block.spec_path}:{block.line})", text, ""]
        result.tables += sum(1 for t in block.tables if id(t) not in dropped)
    lines = set()
    duplicates = {id(dup): first for dup, first in duplicate_refs(model)}
    for ref in model.refs:
        if ref.source != "table":
            continue
        if id(ref) in duplicates:
            kept = duplicates[id(ref)]
            result.warnings.append(f"{ref.spec_path}:{ref.line}: reference {ref.text()} left"
                                   f" out: {kept.spec_path}:{kept.line} already links"
                                   " these columns")
            continue
        problem = ref_problem(ref, model)
        if problem:
            result.warnings.append(f"{ref.spec_path}:{ref.line}: reference {ref.text()} left"
                                   f" out: {problem}")
            continue
        lines.add(f"Ref: {_ref_text(ref, model)}")
    out += sorted(lines)
    result.refs = len(lines)
    result.text = "\n".join(out).rstrip("\n") + "\n"
    return result


def _ref_text(ref: Ref, model: DataModel) -> str:
    def end(table: str, cols: tuple[str, ...]) -> str:
        t = model.resolve_table(table)
        name = ident(t.name if t is not None else table)
        c = ident(cols[0]) if len(cols) == 1 else "(" + ", ".join(ident(x) for x in cols) + ")"
        return f"{name}.{c}"

    return f"{end(ref.from_table, ref.from_columns)} {ref.op} {end(ref.to_table, ref.to_columns)}"


# ---------------------------------------------------------------- Mermaid

_MERMAID_SAFE = re.compile(r"[^A-Za-z0-9_-]")
_MERMAID_TYPE = re.compile(r"[^A-Za-z0-9_()\[\]-]")
# the notation at the "from" end and at the "to" end of each DBML relation
_CARDINALITY = {">": ("}o", "||"), "<": ("||", "o{"), "-": ("||", "||"), "<>": ("}o", "o{")}


def _mermaid_name(name: str, used: set[str]) -> str:
    base = _MERMAID_SAFE.sub("_", name) or "table"
    if not base[0].isalpha():
        base = "t_" + base
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}_{n}", n + 1
    used.add(candidate)
    return candidate


def _mermaid_type(value: str) -> str:
    t = _MERMAID_TYPE.sub("_", value.strip()) or "unknown"
    return t if t[0].isalpha() else "t_" + t


def to_mermaid(model: DataModel, tables: list[Table] | None = None) -> str:
    """A Mermaid ``erDiagram`` of ``tables`` (default: every table) and the references
    between them."""
    first = model.first_tables()
    chosen = sorted(tables if tables is not None else first.values(), key=lambda t: t.key)
    keys = {t.key for t in chosen}
    used: set[str] = set()
    names = {t.key: _mermaid_name(t.key, used) for t in chosen}
    fk: set[tuple[str, str]] = set()
    for r in model.refs:
        source = model.resolve_table(r.from_table)
        fk.update((source.key if source else table_key(r.from_table), c) for c in r.from_columns)
    out = ["erDiagram"]
    for t in chosen:
        out.append(f"    {names[t.key]} {{")
        for c in t.columns:
            marks = [m for m, on in (("PK", c.pk), ("FK", (t.key, c.name) in fk),
                                     ("UK", c.unique)) if on]
            col_name = _MERMAID_SAFE.sub("_", c.name) or "column"
            if not col_name[0].isalpha():
                col_name = "c_" + col_name
            line = f"        {_mermaid_type(c.type)} {col_name}"
            if marks:
                line += " " + ", ".join(marks)
            if c.note:
                line += ' "' + c.note.replace('"', "'").replace("\n", " ")[:80] + '"'
            out.append(line)
        out.append("    }")
    rels = set()
    for r in model.refs:
        a, b = model.resolve_table(r.from_table), model.resolve_table(r.to_table)
        if a is None or b is None or a.key not in keys or b.key not in keys \
                or ref_problem(r, model):
            continue
        left, right = _CARDINALITY.get(r.op, ("}o", "||"))
        label = ", ".join(r.from_columns).replace('"', "'")
        rels.add(f'    {names[a.key]} {left}--{right} {names[b.key]} : "{label}"')
    out += sorted(rels)
    return "\n".join(out) + "\n"


def spec_tables(model: DataModel, spec_id: str) -> list[Table]:
    """The tables a spec defines (first definitions) and the ones they reference."""
    first = model.first_tables()
    own = [t for t in first.values() if t.spec_id == spec_id]
    keys = {t.key for t in own}
    for r in model.refs:
        if r.spec_id == spec_id:
            target = model.resolve_table(r.to_table)
            if target is not None:
                keys.add(target.key)
    return [first[k] for k in sorted(keys) if k in first]
