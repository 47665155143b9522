"""The query language (docs/query.md): text -> AST -> matching specs.

The AST below is the contract between the parser and every evaluator: the reference
evaluator here (over in-memory specs) and each index backend's compiler (SQL for the SQLite
cache, ...). The conformance suite in :mod:`sdd_core.testing` requires identical results.

AST nodes (all frozen dataclasses, hashable):

- ``And(items)``, ``Or(items)``, ``Not(item)``
- ``Field(name, op, values, column)``: ``name`` is a canonical field name (``status``,
  ``phase``, ``tag``, ``depends_on``, ``depends_on*``, ``required_by``, ``required_by*``,
  ``has``, or a front matter key); ``op`` is one of ``= > >= < <=``; ``values`` is a tuple
  of strings (several values mean "any of"); date shorthands such as
  ``modified_after:2024-01-01`` are parsed into ``Field("updated", ">", ("2024-01-01",))``.
- ``Text(text, phrase)``: a full-text term (a word, or a quoted phrase).
"""

from __future__ import annotations

from dataclasses import dataclass


class Node:
    """Base class of query AST nodes."""


@dataclass(frozen=True)
class And(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    item: Node


@dataclass(frozen=True)
class Field(Node):
    name: str
    op: str
    values: tuple[str, ...]
    column: int = 0


@dataclass(frozen=True)
class Text(Node):
    text: str
    phrase: bool = False
    column: int = 0
