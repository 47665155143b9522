"""The data model specs describe: tables, columns, references, and raw DBML blocks.

Every item keeps the spec and the file line it came from, so a rule can point at it.
Table names compare without a ``public.`` schema prefix and case-sensitively, like DBML.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RELATIONS = ("<>", ">", "<", "-")


def table_key(name: str) -> str:
    """The name a table is known by: ``public.invoices`` and ``invoices`` are one table."""
    name = name.strip().strip('"')
    parts = [p.strip('"') for p in name.split(".")]
    if len(parts) == 2 and parts[0] == "public":
        return parts[1]
    return ".".join(parts)


@dataclass
class Column:
    """A column of a table with its DBML settings."""

    name: str
    type: str
    line: int
    pk: bool = False
    unique: bool = False
    not_null: bool = False
    null: bool = False
    increment: bool = False
    default: str | None = None
    note: str | None = None


@dataclass
class Ref:
    """A reference ``table.columns <op> table.columns`` written at ``line`` of a spec."""

    from_table: str
    from_columns: tuple[str, ...]
    op: str
    to_table: str
    to_columns: tuple[str, ...]
    spec_id: str
    spec_path: str
    line: int
    source: str = "table"  # "table" (a Markdown field table) or "dbml" (a fenced block)

    def text(self) -> str:
        """The reference as DBML writes it: ``a.b > c.d``."""
        return f"{_endpoint(self.from_table, self.from_columns)} {self.op} " \
               f"{_endpoint(self.to_table, self.to_columns)}"


def _endpoint(table: str, columns: tuple[str, ...]) -> str:
    cols = columns[0] if len(columns) == 1 else "(" + ", ".join(columns) + ")"
    return f"{table}.{cols}"


@dataclass
class Table:
    """A table defined by a spec, in a Markdown field table or in a DBML block."""

    name: str
    spec_id: str
    spec_path: str
    line: int
    columns: list[Column] = field(default_factory=list)
    note: str | None = None
    source: str = "table"
    alias: str | None = None
    span: tuple[int, int] | None = None  # DBML blocks: lines of the block text it occupies

    @property
    def key(self) -> str:
        """The name it is known by (see :func:`table_key`)."""
        return table_key(self.name)

    def column(self, name: str) -> Column | None:
        """The column called ``name``, if there is one."""
        name = name.strip('"')
        return next((c for c in self.columns if c.name == name), None)


@dataclass
class Block:
    """A fenced ```dbml block, kept as written."""

    text: str
    spec_id: str
    spec_path: str
    line: int  # file line of the first line of the text (after the fence)
    tables: list[Table] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    """Something in a data model that cannot be read as intended."""

    spec_id: str
    spec_path: str
    line: int
    message: str


@dataclass
class DataModel:
    """Everything the specs describe, in spec id order."""

    tables: list[Table] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    _first: dict[str, Table] | None = field(default=None, repr=False, compare=False)
    _aliases: dict[str, Table] | None = field(default=None, repr=False, compare=False)

    def extend(self, other: "DataModel") -> None:
        """Add another model's items (a spec's, to the project's)."""
        self._first = self._aliases = None
        self.tables += other.tables
        self.refs += other.refs
        self.blocks += other.blocks
        self.problems += other.problems

    def first_tables(self) -> dict[str, Table]:
        """Each table name's first definition (by spec id, then line)."""
        if self._first is None:
            out: dict[str, Table] = {}
            for t in sorted(self.tables, key=lambda t: (t.spec_id, t.line)):
                out.setdefault(t.key, t)
            self._first = out
        return self._first

    def duplicates(self) -> list[tuple[Table, Table]]:
        """``(duplicate, first)`` for every definition of a table after its first."""
        first = self.first_tables()
        return [(t, first[t.key]) for t in sorted(self.tables, key=lambda t: (t.spec_id, t.line))
                if first[t.key] is not t]

    def resolve_table(self, name: str) -> Table | None:
        """The first definition of a table named ``name`` (or aliased so)."""
        first = self.first_tables()
        hit = first.get(table_key(name))
        if hit is not None:
            return hit
        if self._aliases is None:
            self._aliases = {}
            for t in first.values():
                if t.alias:
                    self._aliases.setdefault(t.alias, t)
        return self._aliases.get(name.strip('"'))
