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
from typing import TYPE_CHECKING, Any, Iterator

# This module is imported only when a search runs (the schema is pickled into the index, so
# its classes live at module level).
from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

if TYPE_CHECKING:
    from sdd_core.model import Spec

# Bump when the schema or the analyzer changes: an index of another version is rebuilt.
SCHEMA_VERSION = 2

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


class CjkBigramFilter(Filter):  # type: ignore[misc]
    """Splits runs of Hangul, kana or CJK ideographs into overlapping two-character tokens
    with consecutive positions, so phrase queries over them work."""

    def __call__(self, tokens: Any) -> Any:
        shift = 0
        for t in tokens:
            text = t.text
            if len(text) <= 2 or text.isascii() or not is_cjk(text):
                if shift and t.positions:
                    t.pos += shift
                yield t
                continue
            base_pos = t.pos if t.positions else 0
            start = t.startchar if t.chars else 0
            exact = t.chars and t.endchar - t.startchar == len(text)
            for i in range(len(text) - 1):
                t.text = text[i:i + 2]
                if t.positions:
                    t.pos = base_pos + shift + i
                if exact:
                    t.startchar, t.endchar = start + i, start + i + 2
                yield t
            shift += len(text) - 2


# Runs of letters and digits (no underscores): the same tokens as the core's reference analysis.
TOKEN_PATTERN = r"[^\W_]+"


def folding() -> Any:
    """Tokenize, lower-case and fold accents (no stemming): for prefixes and spelling."""
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)


def analyzer() -> Any:
    """Words (letters and digits, so Hangul and accented letters too), lower-cased,
    accent-folded and stemmed for English; Hangul/CJK runs as two-character pieces. No stop
    words: ``MAY`` and ``NOT`` carry meaning in specs."""
    # The chain of Whoosh's StemmingAnalyzer without its stop list, with accents folded before
    # stemming so that "cafés" and "cafe" meet.
    return folding() | StemFilter(cachesize=-1) | CjkBigramFilter()


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
            title=TEXT(analyzer=ana, stored=True, field_boost=TITLE_BOOST),
            requirements=TEXT(analyzer=ana, stored=True, field_boost=REQUIREMENTS_BOOST),
            body=TEXT(analyzer=ana, stored=True, field_boost=BODY_BOOST),
            # every distinct word of the spec as written (folded, not stemmed): the
            # vocabulary for "did you mean" and for expanding prefixes
            words=KEYWORD(scorable=False),
        )
    return Schema(
        **common,
        kind=ID(stored=True),
        item_id=STORED(),
        spec_title=STORED(),
        item_title=TEXT(analyzer=ana, stored=True, field_boost=ITEM_TITLE_BOOST),
        item_text=TEXT(analyzer=ana, stored=True),
    )


_MARKUP = re.compile(r"\*\*|__|`")
_LINE_PREFIX = re.compile(r"^\s*(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def plain(text: str) -> str:
    """Markdown reduced to its words: no heading marks, bullets, bold or link targets."""
    out = []
    for line in text.splitlines():
        line = _LINE_PREFIX.sub("", line)
        line = _LINK.sub(r"\1", line)
        line = _MARKUP.sub("", line).strip()
        if line:
            out.append(line)
    return "\n".join(out)


def split_body(spec: "Spec") -> str:
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


def requirement_text(spec: "Spec") -> str:
    """Every requirement's name and text, one after the other."""
    return "\n".join(f"{r.id} {r.title}\n{plain(r.text)}" for r in spec.requirements)


def scenario_text(scenario: Any) -> str:
    """A scenario's steps as lines (``GIVEN ...``)."""
    return "\n".join(f"{step.kind} {step.text}" for step in scenario.steps)


def _common(spec: "Spec", sig: str) -> dict[str, Any]:
    domain, status = spec.domain or "", spec.status or ""
    return {"path": spec.path, "spec_id": spec.id, "domain": domain.lower(),
            "status": status.lower(), "labels": (domain, status), "hash": spec.hash, "sig": sig}


def spec_documents(spec: "Spec", sig: str) -> Iterator[dict[str, Any]]:
    """The ``specs`` index document of one spec."""
    from sdd_core.search import tokenize

    title, reqs, body = spec.title, requirement_text(spec), plain(split_body(spec))
    words = set(tokenize(title))
    words.update(tokenize(reqs))
    words.update(tokenize(body))
    yield {**_common(spec, sig), "title": title, "requirements": reqs, "body": body,
           "words": " ".join(sorted(words))}


def item_documents(spec: "Spec", sig: str) -> Iterator[dict[str, Any]]:
    """The ``items`` index documents of one spec: its requirements, then its scenarios."""
    common = {**_common(spec, sig), "spec_title": spec.title}
    for req in spec.requirements:
        yield {**common, "kind": "requirement", "item_id": req.id, "item_title": req.title,
               "item_text": req.text.strip()}
    for sc in spec.scenarios:
        yield {**common, "kind": "scenario", "item_id": sc.name, "item_title": sc.name,
               "item_text": scenario_text(sc)}


DOCUMENTS = {"specs": spec_documents, "items": item_documents}
