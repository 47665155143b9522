"""Query AST (:mod:`sdd_core.query`) -> one SQL condition over the ``specs`` table.

Every predicate follows the reference evaluator's semantics exactly (``sdd_core.query.matches``):
case-insensitive comparisons use columns lower-cased by Python when the spec was cached (SQLite's
``lower()`` folds ASCII only), full-text terms are substring tests (``instr``) on the same
lower-cased "title, description, body" text the reference searches (lower-cased by Python and
kept in ``texts`` when it is not ASCII, by SQLite's ``lower()`` otherwise), and the graph predicates
walk the resolved dependency edges with recursive CTEs. Every predicate yields 0 or 1, never
NULL, so ``NOT`` behaves as in Python.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Callable

from sdd_core.query import And, Field, Hits, Node, Not, Or, Text

#: The text a full-text term looks in (``sdd_core.query.search_text``) of spec ``s`` with body
#: ``x``: the lower-cased text kept in ``texts`` when it is not ASCII (Python lower-cases
#: more than SQLite), else title, description and body lower-cased here.
SEARCH_TEXT = ("coalesce((SELECT t.text FROM texts t WHERE t.sid = s.sid),"
               " lower(s.title || char(10) || s.description || char(10) || x.body))")
_OPS = {"=": "=", ">": ">", ">=": ">=", "<": "<", "<=": "<="}
_INT_MAX = 2**63 - 1
_DEP = "d.type = 'explicit'"


class Compiler:
    """Compiles a query into ``(sql condition on alias s, parameters)``.

    :param key_of_ref: the graph key of a reference, as ``EvalContext.key_of_ref`` computes
        it (the lower-cased id of the spec it names, or the lower-cased reference).
    """

    def __init__(self, key_of_ref: Callable[[str], str]) -> None:
        self.key_of_ref = key_of_ref
        self.params: list[Any] = []

    def compile(self, node: Node) -> str:
        """The SQL condition for ``node`` (parameters accumulate in :attr:`params`)."""
        if isinstance(node, And):
            return "(" + " AND ".join(self.compile(n) for n in node.items) + ")" \
                if node.items else "1"
        if isinstance(node, Or):
            return "(" + " OR ".join(self.compile(n) for n in node.items) + ")" \
                if node.items else "0"
        if isinstance(node, Not):
            return f"(NOT {self.compile(node.item)})"
        if isinstance(node, Text):
            return self._exists("bodies", f"instr({SEARCH_TEXT}, ?) > 0", node.text.lower())
        if isinstance(node, Hits):  # answered by a search backend: the ids it found
            if not node.ids:
                return "0"
            import json

            return f"s.id IN (SELECT value FROM json_each({self._p(json.dumps(sorted(node.ids)))}))"
        if isinstance(node, Field):
            parts = [self._field(node.name, node.op, v) for v in node.values]
            if not parts:
                return "0"
            return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
        raise TypeError(f"not a query node: {node!r}")

    # ------------------------------------------------------------------ helpers

    def _p(self, value: Any) -> str:
        self.params.append(value)
        return "?"

    def _exists(self, table: str, cond: str, *params: Any) -> str:
        self.params.extend(params)
        return f"EXISTS (SELECT 1 FROM {table} x WHERE x.sid = s.sid AND {cond})"

    def _field(self, name: str, op: str, value: str) -> str:
        v = value.lower()
        if name == "status":
            return f"(s.status = {self._p(v)})"
        if name == "domain":
            return f"(s.domain_lc = {self._p(v)})"
        if name == "id":
            return f"(s.id_lc = {self._p(v)})"
        if name == "title":
            return f"(instr(s.title_lc, {self._p(v)}) > 0)"
        if name == "author":
            return f"(s.author_lc = {self._p(v.lstrip('@'))})"
        if name == "tag":
            return self._exists("tags", "x.tag_lc = ?", v)
        if name == "reviewer":
            return self._exists("reviewers", "x.reviewer_lc = ?", v.lstrip("@"))
        if name == "review":
            return self._exists("reviews", "x.status_lc = ?", v)
        if name == "has":
            from sdd_sqlite.store import has_key

            return f"(instr(s.keys_lc, {self._p(has_key(v))}) > 0)"
        if name == "phase":
            try:
                n = int(value)
            except ValueError:
                return "0"
            return self._ordered("s.phase", op, n)
        if name in ("created", "updated"):
            try:
                day = _dt.date.fromisoformat(value)
            except ValueError:
                return "0"
            return f"(s.{name} IS NOT NULL AND s.{name} {_OPS[op]} {self._p(day.isoformat())})"
        if name in ("depends_on", "depends_on*", "required_by", "required_by*"):
            return self._graph(name, self.key_of_ref(value))
        return self._exists("meta_values", "x.key = ? AND x.value_lc = ?", name, v)

    def _ordered(self, column: str, op: str, n: int) -> str:
        if op not in _OPS:
            raise ValueError(f"unknown operator {op!r}")
        if n > _INT_MAX or n < -_INT_MAX:  # beyond SQLite integers: decide by the sign
            big = n > 0
            below = op in ("<", "<=") if big else op in (">", ">=")
            return f"({column} IS NOT NULL)" if below else "0"
        return f"({column} IS NOT NULL AND {column} {_OPS[op]} {self._p(n)})"

    def _graph(self, name: str, target: str) -> str:
        if name == "depends_on":
            return (f"EXISTS (SELECT 1 FROM dependencies d WHERE d.src = s.id_lc AND {_DEP}"
                    f" AND d.dst = {self._p(target)})")
        if name == "required_by":
            return (f"(s.id_lc IN (SELECT d.dst FROM dependencies d WHERE d.src ="
                    f" {self._p(target)} AND {_DEP}))")
        if name == "depends_on*":  # specs from which target is reachable
            return (f"(s.id_lc IN (WITH RECURSIVE r(k) AS ("
                    f"SELECT d.src FROM dependencies d WHERE d.dst = {self._p(target)} AND {_DEP}"
                    f" UNION SELECT d.src FROM dependencies d JOIN r ON d.dst = r.k"
                    f" WHERE {_DEP}) SELECT k FROM r))")
        # required_by*: specs reachable from target
        return (f"(s.id_lc IN (WITH RECURSIVE r(k) AS ("
                f"SELECT d.dst FROM dependencies d WHERE d.src = {self._p(target)} AND {_DEP}"
                f" UNION SELECT d.dst FROM dependencies d JOIN r ON d.src = r.k"
                f" WHERE {_DEP}) SELECT k FROM r))")


def uses_graph(node: Node) -> bool:
    """Whether a query has graph predicates (they need reference resolution)."""
    if isinstance(node, (And, Or)):
        return any(uses_graph(n) for n in node.items)
    if isinstance(node, Not):
        return uses_graph(node.item)
    return isinstance(node, Field) and node.name in (
        "depends_on", "depends_on*", "required_by", "required_by*")


def compile_query(node: Node, key_of_ref: Callable[[str], str]) -> tuple[str, list[Any]]:
    """``(SELECT returning the sid of every matching spec, parameters)``."""
    c = Compiler(key_of_ref)
    cond = c.compile(node)
    return f"SELECT s.sid FROM specs s WHERE s.id IS NOT NULL AND {cond}", c.params
