"""From :class:`sdd_core.search.SearchQuery` to a Whoosh query tree.

Words are AND-ed; each word, phrase and prefix may match in any of the searched fields (an OR
over fields, which BM25F then weighs by field). Words and phrases go through the index's own
analyzer, so case, accents and English word endings are folded the same way on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sdd_whoosh.schema import ITEM_FIELDS, SPEC_FIELDS

if TYPE_CHECKING:
    from sdd_core.search import SearchQuery, SearchTerms


@dataclass
class Translation:
    """The query to run, the filter to apply, and each positive term's label (for
    :attr:`sdd_core.search.SearchHit.matched`) with the field terms that stand for it."""

    query: Any
    filter: Any
    labels: list[tuple[str, Any]] = field(default_factory=list)
    mask: Any = None  # documents matching an excluded term


def fields_for(kind: str) -> tuple[str, ...]:
    """The text fields searched for hits of this type."""
    return SPEC_FIELDS if kind == "spec" else ITEM_FIELDS


def tokens(ana: Any, text: str) -> list[str]:
    """The index terms of a piece of text."""
    return [t.text for t in ana(text, mode="query")]


def fold(ana: Any, text: str) -> str:
    """Lower-cased, accent-folded, but not stemmed (for prefixes)."""
    from sdd_whoosh.schema import folding

    return " ".join(t.text for t in folding()(text))


def _over_fields(fields: tuple[str, ...], make: Any) -> Any:
    from whoosh.query import Or

    parts = [make(f) for f in fields]
    return parts[0] if len(parts) == 1 else Or(parts)


def text_query(ana: Any, text: str, fields: tuple[str, ...], fuzzy: bool = False) -> Any | None:
    """A word or phrase: one term, or a phrase of terms, in any of ``fields``."""
    from whoosh.query import FuzzyTerm, Or, Phrase, Term

    words = tokens(ana, text)
    if not words:
        return None
    if len(words) == 1:
        word = words[0]
        if fuzzy and len(word) >= 4:
            dist = 1 if len(word) <= 5 else 2
            return _over_fields(fields, lambda f: Or([
                Term(f, word, boost=2.0),
                FuzzyTerm(f, word, maxdist=dist, prefixlength=1, constantscore=False),
            ]))
        return _over_fields(fields, lambda f: Term(f, word))
    return _over_fields(fields, lambda f: Phrase(f, words))


def prefix_query(ana: Any, text: str, fields: tuple[str, ...],
                 expand: Callable[[str], list[str]] | None = None) -> Any | None:
    """``pay*``: any term starting with the folded prefix, plus the stems of indexed words
    that start with it (``paying`` is indexed as ``pai``); earlier words of a multi-word
    prefix (``rate lim*``) must appear as they are."""
    from whoosh.query import And, Or, Prefix, Term

    parts = fold(ana, text).split()
    if not parts:
        return None
    last = parts[-1]
    stems = [s for s in (expand(last) if expand else []) if not s.startswith(last)]

    def one(f: str) -> Any:
        if not stems:
            return Prefix(f, last)
        return Or([Prefix(f, last), *(Term(f, s) for s in stems)])

    queries = [_over_fields(fields, one)]
    for word in parts[:-1]:
        q = text_query(ana, word, fields)
        if q is not None:
            queries.append(q)
    return queries[0] if len(queries) == 1 else And(queries)


def translate(query: SearchQuery, ana: Any,
              expand: Callable[[str], list[str]] | None = None) -> Translation | None:
    """The Whoosh query for a search, or ``None`` when nothing positive is left to match
    (every word was punctuation, say). Every positive term must match, or with
    ``query.match == "any"`` at least one."""
    from whoosh.query import And, Or, Term

    terms: SearchTerms = query.terms
    fields = fields_for(query.type)
    positives: list[Any] = []
    labels: list[tuple[str, Any]] = []
    for word in terms.words:
        q = text_query(ana, word, fields, fuzzy=query.fuzzy)
        if q is not None:
            positives.append(q)
            labels.append((word, q))
    for phrase in terms.phrases:
        q = text_query(ana, phrase, fields)
        if q is not None:
            positives.append(q)
            labels.append((phrase, q))
    for prefix in terms.prefixes:
        q = prefix_query(ana, prefix, fields, expand)
        if q is not None:
            positives.append(q)
            labels.append((f"{prefix}*", q))
    if not positives:
        return None
    if len(positives) == 1:
        result = positives[0]
    elif getattr(query, "match", "all") == "any":
        # at least one term; a document matching more of them ranks higher
        result = Or(positives, scale=0.9)
    else:
        result = And(positives)
    # Exclusions are a mask (a set of documents removed from the results): Whoosh's AndNot
    # matcher lets through documents whose excluded term sits in a later field of an Or.
    negatives = [q for q in (text_query(ana, x, fields) for x in terms.excluded) if q is not None]
    mask = None if not negatives else negatives[0] if len(negatives) == 1 else Or(negatives)

    filters: list[Any] = [] if query.type == "spec" else [Term("kind", query.type)]
    if query.domains:
        filters.append(Or([Term("domain", d.lower()) for d in query.domains]))
    if query.statuses:
        filters.append(Or([Term("status", s.lower()) for s in query.statuses]))
    where = None if not filters else filters[0] if len(filters) == 1 else And(filters)
    return Translation(result, where, labels, mask)
