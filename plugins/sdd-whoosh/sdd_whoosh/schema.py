"""The index schemas, the analyzer, and how a spec becomes index documents.

Two indexes live side by side. ``specs`` holds one document per spec file (title, requirement
text, the rest of the body). ``items`` holds one document per requirement and per scenario
(``kind`` = ``requirement`` / ``scenario``), so ``--type requirement`` ranks the requirements
themselves; it is built the first time such a search runs, so projects that never ask for it
never pay for it. All documents of a file share its ``path``, the key every incremental update
deletes by.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from sdd_core.basics import ANALYSIS_VERSION, PARSE_VERSION

from sdd_whoosh import lean

# This module is imported only when a search runs (the schema is pickled into the index, so
# its classes live at module level).
lean.load()

from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    Token,
    Tokenizer,
)
from whoosh.compat import dumps
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.support.charset import accent_map
from whoosh.system import pack_uint

from sdd_core.search import stem as porter_stem

if TYPE_CHECKING:
    from sdd_core.model import Spec

# Bump when the schema or the analyzer changes: an index of another version is rebuilt.
LAYOUT_VERSION = 5
#: What an index was written by: its layout, the core parser's version
#: (``sdd_core.basics.PARSE_VERSION``), since the indexed text is what the parser made of
#: each file, and the core's search analysis version (``ANALYSIS_VERSION``: the stemmer is
#: the core's). An index of another version is rebuilt.
SCHEMA_VERSION = f"{LAYOUT_VERSION}.{PARSE_VERSION}.{ANALYSIS_VERSION}"

SPEC_FIELDS = ("title", "requirements", "body")
ITEM_FIELDS = ("item_title", "item_text")

# Index-time weights (multiplied into each term's frequency; BM25 saturates them).
TITLE_BOOST = 3.0
REQUIREMENTS_BOOST = 1.6
BODY_BOOST = 1.0
ITEM_TITLE_BOOST = 2.0

# BM25F per-field length normalisation: titles are short and all alike, so their length
# matters less than a body's.
FIELD_B = {"title_B": 0.4, "item_title_B": 0.4, "requirements_B": 0.75, "body_B": 0.75,
           "item_text_B": 0.75}


# Hangul, kana and CJK ideographs: those scripts attach particles to words or write without
# spaces, so their runs are indexed as overlapping two-character pieces ("결제가" -> 결제 제가)
# and a word is found inside a longer run.
_CJK = re.compile("[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
                  "\uac00-\ud7af\uf900-\ufaff]")


def is_cjk(text: str) -> bool:
    """Whether ``text`` holds Hangul, kana or CJK ideographs."""
    return _CJK.search(text) is not None


# Runs of letters and digits (no underscores): the same tokens as the core's reference analysis.
TOKEN_PATTERN = r"[^\W_]+"
_TOKEN = re.compile(TOKEN_PATTERN)


class SpecAnalyzer(Tokenizer):  # type: ignore[misc]
    """Words (runs of letters and digits, so Hangul and accented letters too), lower-cased,
    accent-folded and stemmed for English (Porter); runs of Hangul, kana or CJK ideographs
    become overlapping two-character pieces with consecutive positions, so a word is found
    inside a longer run and phrases over them work. No stop words: ``MAY`` and ``NOT``
    carry meaning in specs.

    The stemmer is the core's (``sdd_core.search.stem``, the Porter algorithm as SQLite's
    ``porter`` tokenizer runs it), so every backend stems alike; Whoosh's own Porter stemmer
    leaves ``validated`` as ``validat`` while ``validate`` becomes ``valid``. Otherwise the
    same terms as Whoosh's ``RegexTokenizer | LowercaseFilter | CharsetFilter(accent_map) |
    StemFilter`` chain, computed in one pass (indexing spends most of its time here)."""

    is_morph = True

    def __init__(self) -> None:
        self._stems: dict[str, str] = {}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._stems = {}

    def terms(self, value: str) -> list[str]:
        """The index terms of ``value`` in order (the texts of the tokens of a call), made
        without Token objects: indexing spends most of its time here."""
        stems = self._stems
        out: list[str] = []
        for raw in _TOKEN.findall(value):
            word = raw.lower()
            if not word.isascii():
                word = word.translate(accent_map)
                if len(word) > 2 and is_cjk(word):
                    out.extend([word[i:i + 2] for i in range(len(word) - 1)])
                    continue
            term = stems.get(word)
            if term is None:
                term = stems[word] = porter_stem(word)
            out.append(term)
        return out

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "",
                 **kwargs: Any) -> Iterator[Any]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        stems = self._stems
        pos = start_pos
        for m in _TOKEN.finditer(value) if tokenize else [None]:
            raw = value if m is None else m.group()
            word = raw.lower()
            if not word.isascii():
                word = word.translate(accent_map)
                if len(word) > 2 and is_cjk(word):
                    begin = start_char + (0 if m is None else m.start())
                    exact = len(word) == len(raw)
                    for i in range(len(word) - 1):
                        t.text = word[i:i + 2]
                        t.boost = 1.0
                        t.stopped = False
                        if keeporiginal:
                            t.original = t.text
                        if positions:
                            t.pos = pos
                            pos += 1
                        if chars:
                            t.startchar = begin + (i if exact else 0)
                            t.endchar = begin + (i + 2 if exact else len(raw))
                        yield t
                    continue
            term = stems.get(word)
            if term is None:
                term = stems[word] = porter_stem(word)
            t.text = term
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = raw
            if positions:
                t.pos = pos
                pos += 1
            if chars:
                base = start_char + (0 if m is None else m.start())
                t.startchar, t.endchar = base, base + len(raw)
            yield t


class SpecPositions(Positions):  # type: ignore[misc]
    """Whoosh's ``Positions`` format (frequency, weight and positions of each term in a
    document; the same bytes on disk), filled from :meth:`SpecAnalyzer.terms` in one pass
    instead of a token stream."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        terms = getattr(analyzer, "terms", None)
        if terms is None or not isinstance(value, str) or kwargs.get("start_pos"):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        poses: dict[str, list[int]] = {}
        for pos, term in enumerate(terms(value)):
            found = poses.get(term)
            if found is None:
                poses[term] = [pos]
            else:
                found.append(pos)
        boost = self.field_boost
        for term, found in poses.items():
            deltas = [found[0]]
            deltas += [b - a for a, b in pairwise(found)]
            yield term, len(found), len(found) * boost, pack_uint(len(deltas)) + dumps(deltas, 2)


def _text(ana: Any, boost: float = 1.0) -> Any:
    """A stored text field with positions (phrases), indexed through :class:`SpecPositions`."""
    field = TEXT(analyzer=ana, stored=True, field_boost=boost)
    field.format = SpecPositions(field_boost=boost)
    return field


def folding() -> Any:
    """Tokenize, lower-case and fold accents (no stemming): for prefixes."""
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)


def analyzer() -> Any:
    """The analyzer of every text field (:class:`SpecAnalyzer`)."""
    return SpecAnalyzer()


def build_schema(kind: str) -> Any:
    """The Whoosh schema of the ``specs`` index (one document per spec file) or of the
    ``items`` index (one per requirement and scenario)."""
    ana = analyzer()
    common = dict(
        path=ID(stored=True),  # the key: every update deletes and re-adds a file's documents
        spec_id=ID(stored=True),
        domain=ID(),  # lower-cased, for filters
        status=ID(),
        labels=STORED(),  # (domain, status) as written, for hits
        hash=STORED(),
        sig=STORED(),
    )
    if kind == "specs":
        return Schema(
            **common,
            title=_text(ana, TITLE_BOOST),
            requirements=_text(ana, REQUIREMENTS_BOOST),
            body=_text(ana, BODY_BOOST),
        )
    return Schema(
        **common,
        kind=ID(stored=True),
        item_id=STORED(),
        spec_title=STORED(),
        item_title=_text(ana, ITEM_TITLE_BOOST),
        item_text=_text(ana),
    )


_MARKUP = re.compile(r"\*\*|__|`")
_LINE_PREFIX = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d+[.)][ \t]+)", re.MULTILINE)
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def plain(text: str) -> str:
    """Markdown reduced to its words: no heading marks, quote marks, bullets, bold, code
    ticks or link targets (line breaks kept)."""
    text = _LINE_PREFIX.sub("", text)
    if "](" in text:
        text = _LINK.sub(r"\1", text)
    return _MARKUP.sub("", text).strip()


def split_body(spec: Spec) -> str:
    """The body without its H1 and without the ``## Requirements`` section (indexed in its
    own field, so it is not counted twice)."""
    lines = spec.body.split("\n")
    drop: set[int] = set()
    sections = spec.sections
    for i, sec in enumerate(sections):
        start = sec.line - spec.body_line
        if sec.level == 1 and sec.title.strip() == spec.title.strip():
            drop.add(start)
        elif sec.level == 2 and sec.title.strip().lower() == "requirements":
            end = len(lines)
            for nxt in sections[i + 1:]:
                if nxt.level <= 2:
                    end = nxt.line - spec.body_line
                    break
            drop.update(range(start, end))
    return "\n".join(line for n, line in enumerate(lines) if n not in drop)


def requirement_text(spec: Spec) -> str:
    """Every requirement's name and text, one after the other."""
    return "\n".join(f"{r.id} {r.title}\n{plain(r.text)}" for r in spec.requirements)


def scenario_text(scenario: Any) -> str:
    """A scenario's steps as lines (``GIVEN ...``)."""
    return "\n".join(f"{step.kind} {step.text}" for step in scenario.steps)


def _common(spec: Spec, sig: str) -> dict[str, Any]:
    domain, status = spec.domain or "", spec.status or ""
    return {"path": spec.path, "spec_id": spec.id, "domain": domain.lower(),
            "status": status.lower(), "labels": (domain, status), "hash": spec.hash, "sig": sig}


def spec_documents(spec: Spec, sig: str) -> Iterator[dict[str, Any]]:
    """The ``specs`` index document of one spec."""
    yield {**_common(spec, sig), "title": spec.title, "requirements": requirement_text(spec),
           "body": plain(split_body(spec))}


def words_of(doc: dict[str, Any]) -> set[str]:
    """The distinct words of a ``specs`` document as written (folded, not stemmed)."""
    from sdd_core.search import tokenize

    out: set[str] = set()
    for name in SPEC_FIELDS:
        out.update(tokenize(doc.get(name) or ""))
    return out


def item_documents(spec: Spec, sig: str) -> Iterator[dict[str, Any]]:
    """The ``items`` index documents of one spec: its requirements, then its scenarios."""
    common = {**_common(spec, sig), "spec_title": spec.title}
    for req in spec.requirements:
        yield {**common, "kind": "requirement", "item_id": req.id, "item_title": req.title,
               "item_text": req.text.strip()}
    for sc in spec.scenarios:
        yield {**common, "kind": "scenario", "item_id": sc.name, "item_title": sc.name,
               "item_text": scenario_text(sc)}


DOCUMENTS = {"specs": spec_documents, "items": item_documents}
