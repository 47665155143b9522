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
- ``Text(text, phrase)``: a full-text term (a word, or a quoted phrase), matched by the
  reference semantics as a lower-cased substring of the title, description and body.
- ``Hits(text, phrase, backend, ids)``: a full-text term already answered by a search
  backend (:func:`sdd_core.search.bind_text_terms`, which ``sdd query`` applies): it matches
  the specs whose id is in ``ids``.

``column`` is where the term starts in the query text, 1-based (0 for nodes built in code).
:func:`parse` builds the AST, :func:`evaluate` is the reference evaluator, :func:`explain`
and :func:`to_text` present it. The semantics every backend must reproduce are in
docs/query.md ("Semantics").
"""

from __future__ import annotations

import functools
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


@dataclass(frozen=True)
class Hits(Node):
    text: str
    phrase: bool
    backend: str
    ids: frozenset[str]
    column: int = 0


# ---------------------------------------------------------------------------- vocabulary

import datetime as _dt
import re
from typing import TYPE_CHECKING, Any, Callable, Container, Iterable, Iterator, Sequence

from sdd_core.errors import SddError

if TYPE_CHECKING:
    from sdd_core.model import Spec

#: Ordered comparison operators (``=`` is the default).
OPS: tuple[str, ...] = ("=", ">", ">=", "<", "<=")

#: Built-in fields, by canonical name.
BUILTIN_FIELDS: tuple[str, ...] = (
    "id", "title", "status", "phase", "domain", "author", "tag", "reviewer", "review",
    "created", "updated", "has", "depends_on", "depends_on*", "required_by", "required_by*",
)

#: Other spellings accepted for built-in fields (looked up lower-cased, ``-`` read as ``_``).
ALIASES: dict[str, str] = {
    "tags": "tag",
    "reviewers": "reviewer",
    "reviews": "review",
    "depends": "depends_on",
    "dependencies": "depends_on",
    "depends*": "depends_on*",
    "dependencies*": "depends_on*",
    "modified": "updated",
}

#: Date shorthands: ``modified_after:D`` means ``updated:>D``.
SHORTHANDS: dict[str, tuple[str, str]] = {
    "modified_after": ("updated", ">"),
    "modified_before": ("updated", "<"),
    "updated_after": ("updated", ">"),
    "updated_before": ("updated", "<"),
    "created_after": ("created", ">"),
    "created_before": ("created", "<"),
}

#: Fields whose values are numbers or dates, so ``> >= < <=`` apply.
ORDERED_FIELDS: frozenset[str] = frozenset({"phase", "created", "updated"})
#: Fields holding a list: a value matches when any element matches.
LIST_FIELDS: frozenset[str] = frozenset({"tag", "reviewer"})
GRAPH_FIELDS: frozenset[str] = frozenset({"depends_on", "depends_on*", "required_by",
                                          "required_by*"})
KEYWORDS: frozenset[str] = frozenset({"AND", "OR", "NOT"})

_MAX_DEPTH = 100
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.*-]*:")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT = re.compile(r"^[+-]?\d+$")
_BARE_END = frozenset(' \t\r\n\f\v()"')
_VALUE_END = frozenset(' \t\r\n\f\v()",')


def _statuses() -> tuple[str, ...]:
    from sdd_core.basics import STATUSES

    return STATUSES


# ---------------------------------------------------------------------------- errors


class QueryError(SddError):
    """A query that cannot be parsed: a syntax error or an unknown field.

    ``column`` is 1-based; the message shows the query with a caret under that column.
    """

    exit_code = 2

    def __init__(self, reason: str, query: str, column: int, *, hint: str | None = None
                 ) -> None:
        self.reason = reason
        self.query = query
        self.column = column
        one_line = query.replace("\n", " ").replace("\t", " ").replace("\r", " ")
        caret = " " * (column - 1) + "^"
        message = f"query: {reason} (column {column})\n  {one_line}\n  {caret}"
        super().__init__(message, hint=hint)


# ---------------------------------------------------------------------------- lexer


@dataclass(frozen=True)
class _Tok:
    kind: str  # LP RP AND OR NOT NEG WORD PHRASE FIELD EOF
    pos: int  # 0-based offset
    text: str = ""
    op: str = "="
    op_pos: int = 0
    values: tuple[tuple[str, int], ...] = ()


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    """The content of the quoted string starting at ``text[i] == '"'`` and the offset after
    it; ``\\"`` and ``\\\\`` are escapes."""
    out: list[str] = []
    j = i + 1
    n = len(text)
    while j < n:
        c = text[j]
        if c == "\\" and j + 1 < n and text[j + 1] in '"\\':
            out.append(text[j + 1])
            j += 2
            continue
        if c == '"':
            return "".join(out), j + 1
        out.append(c)
        j += 1
    raise QueryError("this quote is never closed", text, i + 1,
                     hint='close the phrase with a second ", or write \\" for a literal quote')


def _tokens(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "(":
            toks.append(_Tok("LP", i))
            i += 1
        elif c == ")":
            toks.append(_Tok("RP", i))
            i += 1
        elif c == "-":
            toks.append(_Tok("NEG", i))
            i += 1
        elif c == '"':
            value, j = _read_quoted(text, i)
            toks.append(_Tok("PHRASE", i, value))
            i = j
        else:
            m = _NAME.match(text, i)
            if m is not None:
                tok, i = _field_token(text, i, m.end())
                toks.append(tok)
                continue
            j = i
            while j < n and text[j] not in _BARE_END:
                j += 1
            word = text[i:j]
            toks.append(_Tok(word if word in KEYWORDS else "WORD", i, word))
            i = j
    toks.append(_Tok("EOF", n))
    return toks


def _field_token(text: str, start: int, after_colon: int) -> tuple[_Tok, int]:
    name = text[start:after_colon - 1]
    k = after_colon
    op, op_pos = "=", k
    for cand in (">=", "<=", ">", "<"):
        if text.startswith(cand, k):
            op = cand
            k += len(cand)
            break
    values: list[tuple[str, int]] = []
    n = len(text)
    while True:
        if k < n and text[k] == '"':
            value, j = _read_quoted(text, k)
        else:
            j = k
            while j < n and text[j] not in _VALUE_END:
                j += 1
            value = text[k:j]
        if not value.strip():
            where = "after ','" if values else f"after '{text[start:k]}'"
            raise QueryError(f"expected a value {where}", text, k + 1,
                             hint=f"write {name}:VALUE (quote values with spaces: "
                                  f'{name}:"two words")')
        values.append((value, k))
        k = j
        if k < n and text[k] == ",":
            k += 1
            continue
        break
    return _Tok("FIELD", start, name, op, op_pos, tuple(values)), k


# ---------------------------------------------------------------------------- parser


FieldSource = Container[str] | Callable[[], Iterable[str]] | None


def _field_key(name: str) -> str:
    return name.lower().replace("-", "_")


@functools.lru_cache(maxsize=4096)
def names_builtin_field(key: str) -> bool:
    """Whether a query reads ``key:...`` as a built-in field (or one of its other spellings)
    rather than as the front matter key ``key``: the values of such a front matter key are
    never compared by the query language (only ``has:KEY`` asks whether a spec has it)."""
    k = _field_key(key)
    return k in BUILTIN_FIELDS or k in ALIASES or k in SHORTHANDS


class _Parser:
    def __init__(self, text: str, extra_fields: FieldSource) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0
        self._extra_source = extra_fields
        self._extra: set[str] | None = None

    # -- helpers
    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def error(self, reason: str, pos: int, hint: str | None = None) -> QueryError:
        return QueryError(reason, self.text, pos + 1, hint=hint)

    def extra(self) -> set[str]:
        if self._extra is None:
            src = self._extra_source
            if src is None:
                self._extra = set()
            elif callable(src):
                self._extra = {str(k) for k in src()}
            elif isinstance(src, (set, frozenset, list, tuple, dict)):
                self._extra = {str(k) for k in src}
            else:  # an opaque container: only membership tests
                self._extra = _ContainerSet(src)
        return self._extra

    # -- grammar
    def parse(self) -> Node:
        if self.peek().kind == "EOF":
            raise self.error("the query is empty", 0,
                             hint='try `status:review`, `tag:security` or a word to search for')
        node = self.parse_or()
        tok = self.peek()
        if tok.kind != "EOF":
            raise self.error("unexpected ')' (no '(' opens it)", tok.pos,
                             hint="remove it, or add the matching '('")
        return node

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self.peek().kind == "OR":
            self.take()
            items.append(self.parse_and())
        return _flat(Or, items)

    def parse_and(self) -> Node:
        items = [self.parse_unary()]
        while self.peek().kind not in ("OR", "RP", "EOF"):
            if self.peek().kind == "AND":
                self.take()
            items.append(self.parse_unary())
        return _flat(And, items)

    def parse_unary(self) -> Node:
        negations = 0
        while self.peek().kind in ("NOT", "NEG"):
            self.take()
            negations += 1
        node = self.parse_atom()
        for _ in range(negations):
            node = Not(node)
        return node

    def parse_atom(self) -> Node:
        tok = self.take()
        kind = tok.kind
        if kind == "LP":
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise self.error(f"parentheses nest deeper than {_MAX_DEPTH} levels", tok.pos)
            if self.peek().kind == "RP":
                raise self.error("empty parentheses", tok.pos, hint="put a term inside ( )")
            node = self.parse_or()
            if self.peek().kind != "RP":
                raise self.error("this '(' is never closed", tok.pos, hint="add a ')'")
            self.take()
            self.depth -= 1
            return node
        if kind == "FIELD":
            return self.field(tok)
        if kind == "PHRASE":
            if not tok.text.strip():
                raise self.error("empty phrase", tok.pos, hint="put words between the quotes")
            return Text(tok.text, True, tok.pos + 1)
        if kind == "WORD":
            if tok.text.lower() in _statuses():
                return Field("status", "=", (tok.text.lower(),), tok.pos + 1)
            return Text(tok.text, False, tok.pos + 1)
        previous = self.toks[self.i - 2] if self.i >= 2 else None
        after = ""
        if previous is not None and previous.kind in ("AND", "OR", "NOT"):
            after = f" after {previous.kind}"
        elif previous is not None and previous.kind == "NEG":
            after = " after '-'"
        if kind == "EOF":
            raise self.error(f"expected a term{after}, found the end of the query", tok.pos,
                             hint="finish the query, or remove the dangling operator")
        if kind == "RP":
            raise self.error(f"expected a term{after}, found ')'", tok.pos)
        raise self.error(f"expected a term{after}, found {kind}", tok.pos,
                         hint=f'to search for the word {kind}, quote it: "{kind}"')

    def field(self, tok: _Tok) -> Node:
        raw = tok.text
        key = _field_key(raw)
        op = tok.op
        name: str | None = None
        if key in SHORTHANDS:
            if op != "=":
                raise self.error(f"{raw}: already compares; write {raw}:DATE without {op!r}",
                                 tok.op_pos)
            name, op = SHORTHANDS[key]
        elif key in BUILTIN_FIELDS:
            name = key
        elif key in ALIASES:
            name = ALIASES[key]
        else:
            extra = self.extra()
            if raw in extra:
                name = raw
            else:
                folded = sorted(k for k in extra if isinstance(k, str) and k.lower() == raw.lower())
                if folded:
                    name = folded[0]
        if name is None:
            known = sorted({*BUILTIN_FIELDS, *SHORTHANDS})
            extra_known = sorted(k for k in self.extra() if isinstance(k, str)
                                 and k.lower().replace("-", "_") not in ALIASES
                                 and k.lower() not in BUILTIN_FIELDS)
            import difflib

            close = difflib.get_close_matches(key, known + extra_known, n=1)
            hint = "known fields: " + ", ".join(known)
            if extra_known:
                hint += "; front matter keys of this project: " + ", ".join(extra_known)
            else:
                hint += "; or any front matter key the project's specs use"
            if close:
                hint = f"did you mean {close[0]!r}? " + hint
            raise self.error(f"unknown field {raw!r}", tok.pos, hint=hint)
        if op != "=" and name not in ORDERED_FIELDS:
            raise self.error(f"{op!r} compares numbers and dates; {name} has neither",
                             tok.op_pos, hint="> >= < <= work with phase, created and updated")
        values = tuple(self.value(name, v, pos) for v, pos in tok.values)
        return Field(name, op, values, tok.pos + 1)

    def value(self, name: str, value: str, pos: int) -> str:
        value = value.strip()
        if name == "phase":
            if not _INT.match(value):
                raise self.error(f"phase is a whole number, not {value!r}", pos)
            return str(int(value))
        if name in ("created", "updated"):
            try:
                if not _DATE.match(value):
                    raise ValueError
                return _dt.date.fromisoformat(value).isoformat()
            except ValueError:
                raise self.error(f"{name} takes a date as YYYY-MM-DD, not {value!r}", pos
                                 ) from None
        if name in ("reviewer", "author"):
            user = value.lstrip("@").strip()
            if not user:
                raise self.error(f"{name} needs a user name after '@'", pos)
            return user
        if name in ("status", "review"):
            return value.lower()
        return value


class _ContainerSet(set[str]):
    """A set view of an arbitrary container: only membership is meaningful."""

    def __init__(self, container: Container[str]) -> None:
        super().__init__()
        self._container = container

    def __contains__(self, item: object) -> bool:
        return item in self._container


def _flat(kind: type[And] | type[Or], items: list[Node]) -> Node:
    if len(items) == 1:
        return items[0]
    out: list[Node] = []
    for item in items:
        if isinstance(item, kind):
            out.extend(item.items)
        else:
            out.append(item)
    return kind(tuple(out))


def parse(text: str, extra_fields: FieldSource = None) -> Node:
    """Parse a query into its AST.

    :param text: the query, e.g. ``status:review AND phase:>=2 "rate limit"``.
    :param extra_fields: the front matter keys that may be used as fields besides the
        built-in ones (usually every key found in the project): a set, or a function that
        returns them (called only when a query names a field that is not built in).
    :raises QueryError: a syntax error or an unknown field, with its 1-based column.
    """
    return _Parser(text, extra_fields).parse()


# ---------------------------------------------------------------------------- evaluation

Resolver = Callable[[str, "dict[str, Spec]", "Spec | None"], "Spec | None"]

from sdd_core.refs import SPECS_REL, path_map as _path_map, resolve_ref  # noqa: E402,F401


def meta_strings(value: Any) -> list[str]:
    """How a front matter value compares: a string per scalar (``true``/``false`` for
    booleans, ISO form for dates), one per scalar element of a list; nothing for
    null or mappings."""
    if value is None or isinstance(value, dict):
        return []
    if isinstance(value, list):
        return [s for v in value if not isinstance(v, (list, dict)) for s in meta_strings(v)]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return [value.isoformat()]
    return [str(value)]


def search_text(spec: "Spec") -> str:
    """The text a full-text term is matched against: title, description and body, each on
    its own line, lower-cased."""
    return f"{spec.title}\n{spec.description}\n{spec.body}".lower()


class EvalContext:
    """What evaluating needs beyond one spec: the other specs, for the graph predicates.

    Built once per evaluation; the dependency graph is computed on first use.
    """

    def __init__(self, specs: "Iterable[Spec]", resolver: Resolver | None = None) -> None:
        self.specs = list(specs)
        self.resolver: Resolver = resolver or self._default_resolver
        self._paths: dict[str, Spec] | None = None
        self.by_id: dict[str, Spec] = {}
        for s in self.specs:
            self.by_id.setdefault(s.id, s)
        self._deps: dict[str, set[str]] | None = None
        self._rdeps: dict[str, set[str]] | None = None
        self._closure: dict[tuple[str, str], set[str]] = {}
        self._text: dict[int, str] = {}
        self._targets: dict[str, str] = {}

    def _default_resolver(self, ref: str, specs: "dict[str, Spec]", origin: "Spec | None"
                          ) -> "Spec | None":
        if self._paths is None:
            self._paths = _path_map(self.by_id)
        return resolve_ref(ref, specs, origin, paths=self._paths)

    def text_of(self, spec: "Spec") -> str:
        """:func:`search_text`, cached per spec."""
        key = id(spec)
        hay = self._text.get(key)
        if hay is None:
            hay = self._text[key] = search_text(spec)
        return hay

    def key_of_ref(self, ref: str, origin: "Spec | None" = None) -> str:
        """The graph key of a reference: the lower-cased id of the spec it names, or the
        lower-cased reference itself when it names none."""
        hit = self.resolver(ref, self.by_id, origin)
        return hit.id.lower() if hit is not None else ref.strip().lower()

    def target_key(self, value: str) -> str:
        """:meth:`key_of_ref` of a query value (cached: it is the same for every spec)."""
        hit = self._targets.get(value)
        if hit is None:
            hit = self._targets[value] = self.key_of_ref(value)
        return hit

    def _graph(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        if self._deps is None or self._rdeps is None:
            deps: dict[str, set[str]] = {}
            rdeps: dict[str, set[str]] = {}
            for s in self.specs:
                src = s.id.lower()
                out = deps.setdefault(src, set())
                for ref in s.depends:
                    dst = self.key_of_ref(ref, s)
                    out.add(dst)
                    rdeps.setdefault(dst, set()).add(src)
            self._deps, self._rdeps = deps, rdeps
        return self._deps, self._rdeps

    def direct(self, key: str, reverse: bool) -> set[str]:
        """Keys ``key`` depends on (or, ``reverse``, the keys that depend on it)."""
        deps, rdeps = self._graph()
        return (rdeps if reverse else deps).get(key, set())

    def reachable(self, key: str, reverse: bool) -> set[str]:
        """Keys reachable from ``key`` through one or more dependency edges."""
        cache_key = (key, "r" if reverse else "f")
        hit = self._closure.get(cache_key)
        if hit is None:
            seen: set[str] = set()
            todo = list(self.direct(key, reverse))
            while todo:
                k = todo.pop()
                if k in seen:
                    continue
                seen.add(k)
                todo.extend(self.direct(k, reverse) - seen)
            hit = self._closure[cache_key] = seen
        return hit


def matches(node: Node, spec: "Spec", ctx: EvalContext) -> bool:
    """Whether one spec matches a query AST (the reference semantics, docs/query.md)."""
    if isinstance(node, And):
        return all(matches(n, spec, ctx) for n in node.items)
    if isinstance(node, Or):
        return any(matches(n, spec, ctx) for n in node.items)
    if isinstance(node, Not):
        return not matches(node.item, spec, ctx)
    if isinstance(node, Text):
        return node.text.lower() in ctx.text_of(spec)
    if isinstance(node, Hits):
        return spec.id in node.ids
    if isinstance(node, Field):
        return any(_field_matches(node.name, node.op, v, spec, ctx) for v in node.values)
    raise TypeError(f"not a query node: {node!r}")


def _compare(left: Any, op: str, right: Any) -> bool:
    if op == "=":
        return bool(left == right)
    if op == ">":
        return bool(left > right)
    if op == ">=":
        return bool(left >= right)
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    raise ValueError(f"unknown operator {op!r}")


def _field_matches(name: str, op: str, value: str, spec: "Spec", ctx: EvalContext) -> bool:
    v = value.lower()
    if name == "status":
        return spec.status.lower() == v
    if name == "domain":
        return (spec.domain or "").lower() == v
    if name == "id":
        return spec.id.lower() == v
    if name == "title":
        return v in (spec.title or "").lower()
    if name == "author":
        return (spec.author or "").lower() == v.lstrip("@")
    if name == "tag":
        return any(t.lower() == v for t in spec.tags)
    if name == "reviewer":
        v = v.lstrip("@")
        return any(r.lower() == v for r in spec.reviewers)
    if name == "review":
        return any(isinstance(r, dict) and str(r.get("status", "")).lower() == v
                   for r in spec.reviews)
    if name == "has":
        return any(str(k).lower() == v for k in spec.meta)
    if name == "phase":
        if spec.phase is None:
            return False
        try:
            return _compare(spec.phase, op, int(value))
        except ValueError:
            return False
    if name in ("created", "updated"):
        got = getattr(spec, name)
        if got is None:
            return False
        try:
            return _compare(got, op, _dt.date.fromisoformat(value))
        except ValueError:
            return False
    if name in GRAPH_FIELDS:
        target = ctx.target_key(value)
        me = spec.id.lower()
        if name == "depends_on":
            return target in ctx.direct(me, reverse=False)
        if name == "depends_on*":
            return me in ctx.reachable(target, reverse=True)
        if name == "required_by":
            return me in ctx.direct(target, reverse=False)
        return me in ctx.reachable(target, reverse=False)  # required_by*
    if name not in spec.meta:
        return False
    return any(s.lower() == v for s in meta_strings(spec.meta[name]))


def evaluate(node: Node, specs: "Iterable[Spec]", resolver: Resolver | None = None
             ) -> "list[Spec]":
    """The specs matching ``node``, sorted by id: the reference every backend must equal.

    :param resolver: how dependency references are resolved, with the signature of
        :meth:`Project.resolve_ref` (default :func:`resolve_ref`, which behaves the same).
    """
    ctx = EvalContext(specs, resolver)
    return sorted((s for s in ctx.specs if matches(node, s, ctx)), key=lambda s: s.id)


# ---------------------------------------------------------------------------- presentation


def fields_of(node: Node) -> Iterator[Field]:
    """Every field term of a query."""
    if isinstance(node, (And, Or)):
        for item in node.items:
            yield from fields_of(item)
    elif isinstance(node, Not):
        yield from fields_of(node.item)
    elif isinstance(node, Field):
        yield node


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _bare_value_ok(value: str) -> bool:
    return bool(value) and value == value.strip() and not any(c in _VALUE_END for c in value) \
        and not value.startswith('"') and not value[:2] in (">=", "<=") and value[:1] not in "<>"


def _bare_word_ok(word: str) -> bool:
    return (bool(word) and not any(c in _BARE_END for c in word) and not word.startswith("-")
            and word not in KEYWORDS and word.lower() not in _statuses()
            and _NAME.match(word) is None)


def has_text(node: Node) -> bool:
    """Whether a query has a full-text term (``Text``) anywhere."""
    if isinstance(node, Text):
        return True
    if isinstance(node, (And, Or)):
        return any(has_text(n) for n in node.items)
    if isinstance(node, Not):
        return has_text(node.item)
    return False


def to_text(node: Node) -> str:
    """A query text that parses back to ``node`` (columns aside)."""
    if isinstance(node, Or):
        return " OR ".join(to_text(n) for n in node.items)
    if isinstance(node, And):
        return " ".join(f"({to_text(n)})" if isinstance(n, (Or, And)) else to_text(n)
                        for n in node.items)
    if isinstance(node, Not):
        inner = node.item
        return "-" + (f"({to_text(inner)})" if isinstance(inner, (And, Or)) else to_text(inner))
    if isinstance(node, (Text, Hits)):
        return node.text if not node.phrase and _bare_word_ok(node.text) else _quote(node.text)
    if isinstance(node, Field):
        op = "" if node.op == "=" else node.op
        vals = ",".join(v if _bare_value_ok(v) else _quote(v) for v in node.values)
        return f"{node.name}:{op}{vals}"
    raise TypeError(f"not a query node: {node!r}")


def to_dict(node: Node) -> dict[str, Any]:
    """The AST as JSON-ready data (``--explain --format json``)."""
    if isinstance(node, (And, Or)):
        return {"node": type(node).__name__.lower(), "items": [to_dict(n) for n in node.items]}
    if isinstance(node, Not):
        return {"node": "not", "item": to_dict(node.item)}
    if isinstance(node, Text):
        return {"node": "text", "text": node.text, "phrase": node.phrase, "column": node.column}
    if isinstance(node, Hits):
        return {"node": "search", "text": node.text, "phrase": node.phrase,
                "backend": node.backend, "matches": len(node.ids), "column": node.column}
    if isinstance(node, Field):
        return {"node": "field", "field": node.name, "op": node.op, "values": list(node.values),
                "column": node.column}
    raise TypeError(f"not a query node: {node!r}")


_OP_WORDS = {"=": "is", ">": "is after", ">=": "is on or after", "<": "is before",
             "<=": "is on or before"}
_NUM_OP_WORDS = {"=": "is", ">": ">", ">=": ">=", "<": "<", "<=": "<="}


def _describe(f: Field) -> str:
    vals = " or ".join(f.values)
    if f.name == "depends_on":
        return f"depends on {vals} (directly)"
    if f.name == "depends_on*":
        return f"depends on {vals} (directly or transitively)"
    if f.name == "required_by":
        return f"is a direct dependency of {vals}"
    if f.name == "required_by*":
        return f"is a direct or transitive dependency of {vals}"
    if f.name == "has":
        return f"front matter has key {vals}"
    if f.name == "review":
        return f"has a review with status {vals}"
    if f.name == "title":
        return f"title contains {vals}"
    if f.name in LIST_FIELDS:
        return f"{f.name}s include {vals}"
    if f.name == "phase":
        return f"phase {_NUM_OP_WORDS[f.op]} {vals}"
    if f.name in ("created", "updated"):
        return f"{f.name} {_OP_WORDS[f.op]} {vals}"
    if f.name in BUILTIN_FIELDS:
        return f"{f.name} is {vals}"
    return f"front matter {f.name} is {vals}"


def explain(node: Node, indent: str = "") -> str:
    """A readable tree of a query (what ``sdd query --explain`` prints)."""
    if isinstance(node, (And, Or)):
        head = "ALL of" if isinstance(node, And) else "ANY of"
        lines = [f"{indent}{head}"]
        lines += [explain(n, indent + "  ") for n in node.items]
        return "\n".join(lines)
    if isinstance(node, Not):
        return f"{indent}NOT\n{explain(node.item, indent + '  ')}"
    if isinstance(node, Text):
        kind = "phrase" if node.phrase else "word"
        return f"{indent}text contains {kind} {_quote(node.text)}"
    if isinstance(node, Hits):
        kind = "phrase" if node.phrase else "word"
        return (f"{indent}text matches {kind} {_quote(node.text)} (search backend"
                f" {node.backend!r}: {len(node.ids)} spec(s))")
    if isinstance(node, Field):
        return f"{indent}{_describe(node)}"
    raise TypeError(f"not a query node: {node!r}")


SORT_FIELDS: tuple[str, ...] = ("id", "title", "status", "phase", "domain", "author",
                                "created", "updated", "path")


def sort_specs(specs: "Sequence[Spec]", key: str = "id") -> "list[Spec]":
    """Specs sorted by a field (``-field`` for descending); empty values go last, ties by id.
    Status sorts in lifecycle order (draft, review, approved, implemented, deprecated)."""
    desc = key.startswith("-")
    name = key.lstrip("-+").lower()
    name = ALIASES.get(name, name)
    if name not in SORT_FIELDS:
        raise ValueError(f"cannot sort by {name!r}; choose one of {', '.join(SORT_FIELDS)}")
    order = {s: i for i, s in enumerate(_statuses())}
    by_id = sorted(specs, key=lambda s: s.id)

    def value(s: "Spec") -> Any:
        if name == "status":
            return order.get(s.status, len(order))
        v = getattr(s, name)
        return v.lower() if isinstance(v, str) else v

    present = [s for s in by_id if value(s) not in (None, "")]
    missing = [s for s in by_id if value(s) in (None, "")]
    present.sort(key=value, reverse=desc)  # stable: ties keep id order
    return present + missing
