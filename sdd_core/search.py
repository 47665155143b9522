"""Full-text search: the contract between ``sdd search`` and the search backends.

A backend is registered through the ``register_search_backends`` hook as a
:class:`SearchBackendFactory`; ``search.backend`` in ``.sdd/config.yml`` (or
``sdd search --backend NAME``) picks one, else the registered one with the highest priority.

The search text is parsed once, here, by :func:`parse_search` into :class:`SearchTerms`:
words (all must match, after the backend's stemming and case folding), ``"quoted phrases"``,
``pay*`` prefixes, and ``-word`` / ``-"phrase"`` exclusions. Each backend translates them into
its own query language; the conformance suite in :mod:`sdd_core.testing` checks that every
backend honours them the same way.

Snippets mark matched terms with :data:`HIGHLIGHT_START` / :data:`HIGHLIGHT_END` (plain
text, so JSON stays readable); the table output renders them in bold.
"""

from __future__ import annotations

import re as _re
import unicodedata as _ud
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Literal

if TYPE_CHECKING:
    from sdd_core.model import Spec
    from sdd_core.project import Project

HIGHLIGHT_START = "«"
HIGHLIGHT_END = "»"
HitType = Literal["spec", "requirement", "scenario"]


@dataclass(frozen=True)
class SearchTerms:
    """A parsed search text."""

    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()  # words or phrases that must not match

    @property
    def empty(self) -> bool:
        """No positive term at all."""
        return not (self.words or self.phrases or self.prefixes)


@dataclass(frozen=True)
class SearchQuery:
    """What ``sdd search`` asks a backend."""

    text: str
    terms: SearchTerms
    type: HitType = "spec"
    domains: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    limit: int = 20
    fuzzy: bool = False
    #: ``"all"``: every positive term must match (the default); ``"any"``: at least one must
    #: (``sdd search`` falls back to it when no spec has every word). Exclusions always apply.
    match: Literal["all", "any"] = "all"
    #: False when only the matching specs are wanted (``sdd query``'s text terms): a backend
    #: may then leave ``snippet`` and ``matched`` empty and skip building them.
    snippets: bool = True


@dataclass
class SearchHit:
    """One result. For ``type`` requirement/scenario, ``item_id`` is ``REQ-01`` or the
    scenario name and ``text`` the item's text."""

    spec_id: str
    title: str
    score: float
    snippet: str
    type: HitType = "spec"
    item_id: str | None = None
    text: str | None = None
    domain: str = ""
    status: str = ""
    matched: list[str] = field(default_factory=list)


class SearchBackend:
    """Base class of search backends."""

    name = "base"

    def __init__(self, project: "Project") -> None:
        self.project = project

    def refresh(self) -> None:
        """Bring the index up to date with the project's specs (incrementally)."""
        raise NotImplementedError

    def search(self, query: SearchQuery) -> list[SearchHit]:
        """Ranked hits, best first, at most ``query.limit``."""
        raise NotImplementedError

    def suggest(self, word: str, limit: int = 3) -> list[str]:
        """"Did you mean" suggestions for a word that matched nothing (may be empty)."""
        return []


@dataclass(frozen=True)
class SearchBackendFactory:
    """A registered search backend."""

    name: str
    open: Callable[["Project"], SearchBackend]
    priority: int = 0
    description: str = ""


# ============================================================================ text analysis
#
# One analysis for every backend that wants to agree with the reference: tokens are runs of
# letters and digits (Unicode categories L* and N*, what SQLite's ``unicode61`` tokenizer keeps),
# lower-cased with accents removed, then reduced by the Porter stemmer (the algorithm SQLite's
# ``porter`` tokenizer implements). Hangul, kana and CJK ideographs are matched as substrings of
# their runs, because those scripts attach particles to words or write without spaces.

_TOKEN = _re.compile(r"[^\W_]+")
_CJK = _re.compile("[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
                   "\uac00-\ud7af\uf900-\ufaff]")

#: Field weights of a spec document (title and requirement text rank above the body).
SPEC_FIELDS: tuple[str, ...] = ("title", "description", "requirements", "scenarios", "body")
SPEC_WEIGHTS: dict[str, float] = {"title": 8.0, "description": 4.0, "requirements": 3.0,
                                  "scenarios": 1.5, "body": 1.0}
#: Field weights of a requirement or scenario document.
ITEM_FIELDS: tuple[str, ...] = ("title", "text")
ITEM_WEIGHTS: dict[str, float] = {"title": 2.0, "text": 1.0}
BM25_K1 = 1.2
BM25_B = 0.75


def fold(text: str) -> str:
    """Lower-case ``text`` and remove accents (``Café`` -> ``cafe``)."""
    text = text.lower()
    if text.isascii():
        return text
    decomposed = _ud.normalize("NFKD", text)
    if decomposed == text:
        return text
    out = "".join(c for c in decomposed if not _ud.combining(c))
    # keep Hangul syllables whole: NFKD splits them into jamo
    return _ud.normalize("NFC", out)


def tokenize(text: str) -> list[str]:
    """The folded word tokens of ``text`` (unstemmed)."""
    return _TOKEN.findall(fold(text))


def is_cjk(token: str) -> bool:
    """Whether a token holds Hangul, kana or CJK ideographs (matched as substrings)."""
    return _CJK.search(token) is not None


def cjk_bigrams(token: str) -> list[str]:
    """Overlapping two-character pieces of a token (``결제가`` -> ``결제 제가``)."""
    return [token[i:i + 2] for i in range(len(token) - 1)]


# ---------------------------------------------------------------------------- Porter stemmer

_VOWELS = frozenset("aeiou")


def _is_cons(w: str, i: int) -> bool:
    c = w[i]
    if c in _VOWELS:
        return False
    if c == "y":
        return i == 0 or not _is_cons(w, i - 1)
    return True


def _m(w: str) -> int:
    """Porter's measure: the number of vowel-consonant sequences in ``w``."""
    n = 0
    i, end = 0, len(w)
    while i < end and _is_cons(w, i):
        i += 1
    while i < end:
        while i < end and not _is_cons(w, i):
            i += 1
        if i >= end:
            break
        n += 1
        while i < end and _is_cons(w, i):
            i += 1
    return n


def _has_vowel(w: str) -> bool:
    return any(not _is_cons(w, i) for i in range(len(w)))


def _cvc(w: str) -> bool:
    """Ends consonant-vowel-consonant, the last not w, x or y."""
    return (len(w) >= 3 and _is_cons(w, len(w) - 1) and not _is_cons(w, len(w) - 2)
            and _is_cons(w, len(w) - 3) and w[-1] not in "wxy")


_STEP2 = (("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"),
          ("izer", "ize"), ("logi", "log"), ("bli", "ble"), ("alli", "al"), ("entli", "ent"),
          ("eli", "e"), ("ousli", "ous"), ("ization", "ize"), ("ation", "ate"), ("ator", "ate"),
          ("alism", "al"), ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous"),
          ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"))
_STEP3 = (("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"),
          ("ful", ""), ("ness", ""))
_STEP4 = ("al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion",
          "ou", "ism", "ate", "iti", "ous", "ive", "ize")


def _rule_groups(rules: Any) -> dict[str, list[Any]]:
    """Rules grouped by their suffix's next-to-last letter, in order: the first suffix of a
    group that matches decides, whether or not its condition holds."""
    out: dict[str, list[Any]] = {}
    for rule in rules:
        suffix = rule[0] if isinstance(rule, tuple) else rule
        out.setdefault(suffix[-2], []).append(rule)
    return out


_G2, _G3, _G4 = _rule_groups(_STEP2), _rule_groups(_STEP3), _rule_groups(_STEP4)


def _replace(w: str, groups: dict[str, list[Any]], min_m: int) -> str:
    if len(w) < 2:
        return w
    for rule in groups.get(w[-2], ()):
        suffix, repl = rule if isinstance(rule, tuple) else (rule, "")
        if len(w) > len(suffix) and w.endswith(suffix):
            stem = w[: -len(suffix)]
            ok = _m(stem) > min_m
            if ok and suffix == "ion":
                ok = stem[-1] in "st"
            return stem + repl if ok else w
    return w


def _porter(w: str) -> str:
    # step 1a
    if w.endswith("s"):
        if w.endswith("sses") and len(w) > 4:
            w = w[:-2]
        elif w.endswith("ies") and len(w) > 3:
            w = w[:-2]
        elif len(w) > 1 and w[-2] != "s":
            w = w[:-1]
    # step 1b
    removed = False
    if w.endswith("eed") and len(w) > 3:
        if _m(w[:-3]) > 0:
            w = w[:-1]
    elif w.endswith("ed") and len(w) > 2:
        if _has_vowel(w[:-2]):
            w, removed = w[:-2], True
    elif w.endswith("ing") and len(w) > 3:
        if _has_vowel(w[:-3]):
            w, removed = w[:-3], True
    if removed:
        if w.endswith(("at", "bl", "iz")) and len(w) > 2:
            w += "e"
        elif len(w) >= 2 and w[-1] == w[-2] and w[-1] not in "aeioulsz":
            w = w[:-1]
        elif _m(w) == 1 and _cvc(w):
            w += "e"
    # step 1c
    if w.endswith("y") and len(w) > 1 and _has_vowel(w[:-1]):
        w = w[:-1] + "i"
    w = _replace(w, _G2, 0)
    w = _replace(w, _G3, 0)
    w = _replace(w, _G4, 1)
    # step 5a
    if w.endswith("e") and len(w) > 1:
        stem = w[:-1]
        m = _m(stem)
        if m > 1 or (m == 1 and not _cvc(stem)):
            w = stem
    # step 5b
    if w.endswith("ll") and _m(w) > 1:
        w = w[:-1]
    return w


_STEMS: dict[str, str] = {}


def stem(token: str) -> str:
    """The Porter stem of a folded token (``payments`` -> ``payment``, ``failing`` ->
    ``fail``), as SQLite's ``porter`` tokenizer computes it: tokens shorter than 3 or longer
    than 64 bytes are kept, other scripts are left alone."""
    hit = _STEMS.get(token)
    if hit is not None:
        return hit
    if token.isascii():
        out = token if not 3 <= len(token) <= 64 else _porter(token)
    else:
        raw = token.encode("utf-8")
        if not 3 <= len(raw) <= 64:
            out = token
        else:  # the stemmer works on bytes; multi-byte characters count as consonants
            out = _porter(raw.decode("latin-1")).encode("latin-1").decode("utf-8", "replace")
    if len(_STEMS) < 200_000:
        _STEMS[token] = out
    return out


def analyze(text: str) -> list[str]:
    """Stemmed, folded tokens of ``text`` (what a word query is compared with)."""
    return [stem(t) for t in tokenize(text)]


# ---------------------------------------------------------------------------- query parsing

_QUERY_TOKEN = _re.compile(r'(-?)"([^"]*)("?)|(\S+)')


def parse_search(text: str) -> SearchTerms:
    """Parse what a user typed into :class:`SearchTerms`.

    Words must all match; ``"quoted phrases"`` match as a sequence; ``pay*`` matches words
    starting with ``pay``; ``-word``, ``-"a phrase"`` (and ``NOT word``) exclude. An
    unbalanced quote runs to the end of the text; ``AND`` is ignored; a lone ``-`` or ``*``
    is dropped. Case is kept: folding is the backend's business.
    """
    words: list[str] = []
    phrases: list[str] = []
    prefixes: list[str] = []
    excluded: list[str] = []
    negate_next = False
    for m in _QUERY_TOKEN.finditer(text or ""):
        neg, quoted, _closed, bare = m.group(1), m.group(2), m.group(3), m.group(4)
        if bare is None:  # a quoted phrase
            phrase = " ".join(quoted.split())
            if phrase:
                target = excluded if (neg or negate_next) else phrases
                target.append(phrase)
            negate_next = False
            continue
        if bare == "NOT":
            negate_next = True
            continue
        if bare in ("AND", "+"):
            continue
        negative = negate_next
        negate_next = False
        if bare.startswith("-"):
            negative, bare = True, bare[1:]
        bare = bare.lstrip("+")
        if not bare.strip("*-"):
            continue
        if negative:
            excluded.append(bare.rstrip("*"))
        elif bare.endswith("*"):
            prefixes.append(bare.rstrip("*"))
        else:
            words.append(bare)
    return SearchTerms(words=tuple(dict.fromkeys(words)), phrases=tuple(dict.fromkeys(phrases)),
                       prefixes=tuple(dict.fromkeys(prefixes)),
                       excluded=tuple(dict.fromkeys(excluded)))


# ---------------------------------------------------------------------------- documents

_MD_NOISE = _re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d+\.[ \t]+)|\*\*|__|`", _re.M)
_SPACES = _re.compile(r"[ \t]*\n[ \t\n]*|[ \t]{2,}")


# plain_text below gives what ``_SPACES.sub(" ", _MD_NOISE.sub("", text)).strip()`` gives (a
# property test checks it) in three cheaper passes: line-start markers are looked for only
# after a newline (a literal the regex engine skips to), emphasis and backticks go with
# str.replace, and white space is collapsed by str.split when the text holds no white space
# other than spaces and newlines.
_LEAD = r"[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d+\.[ \t]+)"
_FIRST_MARK = _re.compile(_LEAD)
_LINE_MARK = _re.compile("\n" + _LEAD)
_INLINE_MARK = _re.compile(r"`|\*\*|__")


def plain_text(markdown: str) -> str:
    """Markdown with heading, quote and list markers, emphasis and backticks removed, and
    lines joined: the text a snippet is cut from."""
    m = _FIRST_MARK.match(markdown)
    if m is not None:
        markdown = markdown[m.end():]
    if "\n" in markdown:
        markdown = _LINE_MARK.sub("\n", markdown)
    if "_*" in markdown:
        markdown = _INLINE_MARK.sub("", markdown)
    else:
        # left to right, a run of * or _ keeps its parity and backticks go; removing ** can
        # only join two runs of _ when a _ precedes a *, the case handed to the regex
        markdown = markdown.replace("**", "").replace("__", "").replace("`", "")
    if markdown.isascii() and "\t" not in markdown and "\r" not in markdown \
            and "\x0b" not in markdown and "\x0c" not in markdown and "\x1c" not in markdown \
            and "\x1d" not in markdown and "\x1e" not in markdown and "\x1f" not in markdown:
        return " ".join(markdown.split())  # no white space but spaces and newlines
    return _SPACES.sub(" ", markdown).strip()


def spec_fields(spec: "Spec") -> dict[str, str]:
    """The searchable fields of a spec (:data:`SPEC_FIELDS`)."""
    reqs = " \n".join(f"{r.title} \n{plain_text(r.text)}" for r in spec.requirements)
    scens = " \n".join(scenario_text(s, with_name=True) for s in spec.scenarios)
    return {"title": spec.title, "description": spec.description, "requirements": reqs,
            "scenarios": scens, "body": plain_text(spec.body)}


def scenario_text(scenario: Any, with_name: bool = False) -> str:
    """A scenario's steps as one line (``GIVEN ... WHEN ... THEN ...``)."""
    steps = " ".join(f"{s.kind} {s.text}" for s in scenario.steps)
    return f"{scenario.name} \n{steps}" if with_name else steps


def item_documents(spec: "Spec", kind: str) -> list[tuple[str, dict[str, str], str]]:
    """``(item id, fields, text)`` of a spec's requirements or scenarios."""
    if kind == "requirement":
        return [(r.id, {"title": r.title, "text": plain_text(r.text)}, r.text.strip())
                for r in spec.requirements]
    return [(s.name, {"title": s.name, "text": scenario_text(s)}, scenario_text(s))
            for s in spec.scenarios]


# ---------------------------------------------------------------------------- matching

@dataclass(frozen=True)
class Matcher:
    """A positive or excluded term in analysed form: a sequence of stems (one for a word, more
    for a phrase), or a prefix, or a CJK substring."""

    kind: Literal["seq", "prefix", "cjk"]
    parts: tuple[str, ...]
    label: str
    raw: tuple[str, ...] = ()  # the folded, unstemmed tokens (what another engine is given)

    def test_token(self, raw: str, stemmed: str) -> bool:
        """Whether one token is (part of) a match, for highlighting."""
        if self.kind == "prefix":
            return raw.startswith(self.parts[-1])
        if self.kind == "cjk":
            return self.parts[0] in raw
        return stemmed in self.parts


def _term_matchers(text: str, kind: str) -> list[Matcher]:
    toks = tokenize(text)
    if not toks:
        return []
    if kind == "prefix":
        # every token but the last is a required word; the last one is the prefix
        return [*(_word_matcher(t) for t in toks[:-1]),
                Matcher("prefix", (toks[-1],), text + "*", (toks[-1],))]
    if len(toks) == 1:
        return [_word_matcher(toks[0])]
    return [Matcher("seq", tuple(stem(t) for t in toks), text, tuple(toks))]


def _word_matcher(tok: str) -> Matcher:
    if is_cjk(tok) and len(tok) >= 2:
        return Matcher("cjk", (tok,), tok, (tok,))
    return Matcher("seq", (stem(tok),), tok, (tok,))


def compile_terms(terms: SearchTerms) -> tuple[list[Matcher], list[Matcher]]:
    """``(positive, excluded)`` matchers of parsed terms, with the reference semantics."""
    pos: list[Matcher] = []
    for w in terms.words:
        pos += _term_matchers(w, "word")
    for p in terms.phrases:
        pos += _term_matchers(p, "phrase")
    for p in terms.prefixes:
        pos += _term_matchers(p, "prefix")
    neg: list[Matcher] = []
    for e in terms.excluded:
        toks = tokenize(e)
        if len(toks) == 1:
            neg.append(_word_matcher(toks[0]))
        elif toks:
            neg.append(Matcher("seq", tuple(stem(t) for t in toks), e, tuple(toks)))
    return pos, neg


class _Field:
    __slots__ = ("raw", "stems", "counts")

    def __init__(self, text: str) -> None:
        self.raw = tokenize(text)
        self.stems = [stem(t) for t in self.raw]
        self.counts: dict[str, int] = {}
        for s in self.stems:
            self.counts[s] = self.counts.get(s, 0) + 1

    def count(self, m: Matcher) -> int:
        if m.kind == "prefix":
            p = m.parts[0]
            return sum(1 for t in self.raw if t.startswith(p))
        if m.kind == "cjk":
            return sum(1 for t in self.raw if m.parts[0] in t)
        parts = m.parts
        if len(parts) == 1:
            return self.counts.get(parts[0], 0)
        if parts[0] not in self.counts:
            return 0
        n, k, stems = 0, len(parts), self.stems
        for i in range(len(stems) - k + 1):
            if stems[i] == parts[0] and tuple(stems[i:i + k]) == parts:
                n += 1
        return n


class Document:
    """One searchable thing (a spec, a requirement, a scenario) analysed once."""

    __slots__ = ("spec", "item_id", "text", "title", "fields", "length")

    def __init__(self, spec: "Spec", item_id: str | None, title: str, text: str | None,
                 fields: dict[str, str]) -> None:
        self.spec = spec
        self.item_id = item_id
        self.title = title
        self.text = text
        self.fields = {name: (value, _Field(value)) for name, value in fields.items()}
        self.length = sum(len(f.raw) for _, f in self.fields.values())

    def weighted_count(self, m: Matcher, weights: dict[str, float]) -> float:
        return sum(weights.get(name, 1.0) * f.count(m) for name, (_, f) in self.fields.items())

    def has(self, m: Matcher) -> bool:
        return any(f.count(m) for _, f in self.fields.values())


def bm25(tf: float, idf: float, length: int, avg: float) -> float:
    """One term's BM25 contribution (SQLite FTS5's formula, k1 = 1.2, b = 0.75)."""
    return idf * tf * (BM25_K1 + 1) / (tf + BM25_K1 * (1 - BM25_B + BM25_B * length / (avg or 1)))


def idf(total: int, having: int) -> float:
    """Inverse document frequency as FTS5 computes it (never below a tiny positive value)."""
    import math

    value = math.log((total - having + 0.5) / (having + 0.5))
    return value if value > 0 else 1e-6


# ---------------------------------------------------------------------------- snippets

def make_snippet(text: str, matchers: "list[Matcher]", width: int = 24) -> str:
    """Up to ``width`` words of ``text`` around the densest run of matches, each matched word
    between :data:`HIGHLIGHT_START` and :data:`HIGHLIGHT_END`; ``…`` marks a cut."""
    from bisect import bisect_left

    spans = [m.span() for m in _TOKEN.finditer(text)]
    if not spans:
        return text[:200]
    # folded words: for ASCII text, the lower-cased text's words at the same places
    low = text.lower() if text.isascii() else None
    hits = []
    found: dict[str, bool] = {}  # folded word -> matched (a text repeats its words)
    for i, (a, b) in enumerate(spans):
        raw = low[a:b] if low is not None else fold(text[a:b])
        hit = found.get(raw)
        if hit is None:
            st = stem(raw)
            hit = found[raw] = any(mt.test_token(raw, st) for mt in matchers)
        if hit:
            hits.append(i)
    start = 0
    if hits and len(spans) > width:
        best = -1
        for h in hits:
            s = max(0, min(h - width // 4, len(spans) - width))
            n = bisect_left(hits, s + width) - bisect_left(hits, s)  # hits in [s, s + width)
            if n > best:
                best, start = n, s
    end = min(len(spans), start + width)
    hitset = set(hits)
    out: list[str] = []
    pos = spans[start][0]
    for i in range(start, end):
        a, b = spans[i]
        out.append(text[pos:a])
        word = text[a:b]
        out.append(f"{HIGHLIGHT_START}{word}{HIGHLIGHT_END}" if i in hitset else word)
        pos = b
    tail = spans[end - 1][1]
    if end == len(spans):
        out.append(text[tail:])
    snippet = "".join(out).strip()
    if start > 0:
        snippet = "…" + snippet
    if end < len(spans):
        snippet += "…"
    return snippet


def highlighted(snippet: str) -> list[str]:
    """The words a snippet highlights, in order, without repeats."""
    found = _re.findall(f"{HIGHLIGHT_START}(.*?){HIGHLIGHT_END}", snippet)
    return list(dict.fromkeys(found))


# ---------------------------------------------------------------------------- the scan backend

class ScanBackend(SearchBackend):
    """The built-in reference backend: analyses every spec in memory on each run (no index).
    Slow on large projects, exact, and the oracle the conformance suite compares with."""

    name = "scan"

    def __init__(self, project: "Project") -> None:
        super().__init__(project)
        self._docs: dict[str, list[Document]] = {}
        self._vocab: set[str] | None = None

    def refresh(self) -> None:
        self._docs.clear()
        self._vocab = None

    def documents(self, kind: HitType) -> list[Document]:
        """Every document of a kind, analysed (once per backend instance)."""
        docs = self._docs.get(kind)
        if docs is None:
            docs = []
            for spec in self.project.index().specs():
                if kind == "spec":
                    docs.append(Document(spec, None, spec.title, None, spec_fields(spec)))
                else:
                    for item_id, fields, text in item_documents(spec, kind):
                        docs.append(Document(spec, item_id, fields["title"], text, fields))
            self._docs[kind] = docs
        return docs

    def vocabulary(self) -> set[str]:
        """Every folded word of every spec."""
        if self._vocab is None:
            vocab: set[str] = set()
            for doc in self.documents("spec"):
                for _, f in doc.fields.values():
                    vocab.update(f.raw)
            self._vocab = vocab
        return self._vocab

    def search(self, query: SearchQuery) -> list[SearchHit]:
        pos, neg = compile_terms(query.terms)
        if not pos:
            return []
        docs = self.documents(query.type)
        alternatives = [self._fuzzy(m) if query.fuzzy else [m] for m in pos]
        weights = SPEC_WEIGHTS if query.type == "spec" else ITEM_WEIGHTS
        total = len(docs)
        avg = (sum(d.length for d in docs) / total) if total else 1.0
        flat = [m for alts in alternatives for m in alts]
        having = {m: sum(1 for d in docs if d.has(m)) for m in flat}
        domains = {d.lower() for d in query.domains}
        statuses = {s.lower() for s in query.statuses}
        scored: list[tuple[float, Document]] = []
        for doc in docs:
            spec = doc.spec
            if domains and spec.domain.lower() not in domains:
                continue
            if statuses and spec.status.lower() not in statuses:
                continue
            found = sum(1 for alts in alternatives if any(doc.has(m) for m in alts))
            if found == 0 or (found < len(alternatives) and query.match != "any"):
                continue
            if any(doc.has(m) for m in neg):
                continue
            score = 0.0
            for m in flat:
                tf = doc.weighted_count(m, weights)
                if tf:
                    score += bm25(tf, idf(total, having[m]), doc.length, avg)
            # with match="any", a document matching more of the terms ranks higher
            scored.append((score * found / len(alternatives), doc))
        scored.sort(key=lambda p: (-p[0], p[1].spec.id, p[1].item_id or ""))
        hits = []
        for score, doc in scored[: query.limit]:
            snippet = ""
            if query.snippets:
                source = doc.fields["body" if query.type == "spec" else "text"][0]
                snippet = make_snippet(source, flat)
                if HIGHLIGHT_START not in snippet:
                    snippet = make_snippet(doc.fields["title"][0], flat) or snippet
            hits.append(SearchHit(
                spec_id=doc.spec.id, title=doc.title, score=round(score, 6), snippet=snippet,
                type=query.type, item_id=doc.item_id, text=doc.text, domain=doc.spec.domain,
                status=doc.spec.status, matched=highlighted(snippet)))
        return hits

    def _fuzzy(self, m: Matcher) -> list[Matcher]:
        if m.kind != "seq" or len(m.parts) != 1:
            return [m]
        close = close_words(m.label, self.vocabulary())
        return [m, *(Matcher("seq", (stem(w),), w, (w,)) for w in close if stem(w) != m.parts[0])]

    def suggest(self, word: str, limit: int = 3) -> list[str]:
        return close_words(word, self.vocabulary(), limit)


def close_words(word: str, vocabulary: "set[str] | list[str]", limit: int = 3) -> list[str]:
    """Words of ``vocabulary`` spelt like ``word`` (for ``--fuzzy`` and "did you mean")."""
    import difflib

    w = fold(word)
    if len(w) < 3:
        return []
    pool = [v for v in vocabulary if abs(len(v) - len(w)) <= 2 and v != w
            and (v[0] == w[0] or v[-1] == w[-1])]
    return difflib.get_close_matches(w, pool, n=limit, cutoff=0.75)


# ---------------------------------------------------------------------------- choosing a backend

def search_backends(project: "Project") -> Any:
    """Every registered search backend (a registry of :class:`SearchBackendFactory`)."""
    return project._registry("register_search_backends", "search backend", lambda b: b.name)


def open_search_backend(project: "Project", name: str | None = None) -> SearchBackend:
    """The backend ``name``, else ``search.backend`` from the config, else the registered one
    with the highest priority. An unknown name is a :class:`~sdd_core.errors.ProjectError`
    listing the installed ones."""
    from sdd_core.errors import ProjectError

    reg = search_backends(project)
    chosen = name or project.setting("search", "backend")
    if chosen is None:
        chosen = max(reg.values(), key=lambda b: (b.priority, b.name)).name
    if chosen not in reg:
        raise ProjectError(f"unknown search backend {chosen!r}",
                           hint=f"installed search backends: {', '.join(reg.names())}")
    return reg[chosen].open(project)


#: ``limit`` of the searches that answer a query's text terms: every match is wanted.
ALL_HITS = 10_000_000


def bind_text_terms(project: "Project", node: Any, backend: SearchBackend | None = None,
                    actor: Any = None) -> Any:
    """``node`` (a query AST, :mod:`sdd_core.query`) with each full-text term answered by a
    search backend: every ``Text`` becomes a ``Hits`` node holding the ids of the specs the
    backend finds for it (all of them, unranked), so a word matches as ``sdd search`` matches
    it (stemmed, case and accents folded, ``pay*`` as a prefix) and every index backend then
    only compares ids. ``backend``: the project's configured search backend by default,
    opened only when the query has a text term. A term with no searchable word (only
    punctuation) matches no spec. With an access plugin installed, only the specs ``actor``
    (default: the project's) may view are kept, so ``--explain`` counts leak nothing."""
    from sdd_core.query import And, Hits, Not, Or, Text

    found: dict[tuple[str, bool], frozenset[str]] = {}
    opened: list[SearchBackend] = [backend] if backend is not None else []
    viewable: list[frozenset[str]] = []

    def visible(ids: frozenset[str]) -> frozenset[str]:
        if not ids or not project.pm.hook.authorize.get_hookimpls():
            return ids
        if not viewable:
            viewable.append(frozenset(s.id for s in project.summaries(actor)))
        return ids & viewable[0]

    def ids_of(term: Text) -> frozenset[str]:
        key = (term.text, term.phrase)
        if key not in found:
            text = '"' + term.text.replace('"', " ") + '"' if term.phrase else term.text
            terms = parse_search(text)
            if terms.empty:
                found[key] = frozenset()
            else:
                if not opened:
                    opened.append(open_search_backend(project))
                hits = opened[0].search(SearchQuery(text=text, terms=terms, type="spec",
                                                    limit=ALL_HITS, snippets=False))
                found[key] = visible(frozenset(h.spec_id for h in hits))
        return found[key]

    def bind(n: Any) -> Any:
        if isinstance(n, Text):
            ids = ids_of(n)
            return Hits(n.text, n.phrase, opened[0].name if opened else "none", ids, n.column)
        if isinstance(n, And):
            return And(tuple(bind(i) for i in n.items))
        if isinstance(n, Or):
            return Or(tuple(bind(i) for i in n.items))
        if isinstance(n, Not):
            return Not(bind(n.item))
        return n

    return bind(node)


def search_visible(project: "Project", backend: SearchBackend, query: SearchQuery,
                   actor: Any = None) -> list[SearchHit]:
    """The backend's hits that ``actor`` may view, still at most ``query.limit``: when an
    access plugin hides some, the backend is asked for more."""
    import dataclasses

    if not project.pm.hook.authorize.get_hookimpls():
        return backend.search(query)
    who = actor or project.actor
    ask = query.limit
    cache: dict[str, bool] = {}
    while True:
        hits = backend.search(dataclasses.replace(query, limit=ask))
        kept = []
        for hit in hits:
            if hit.spec_id not in cache:
                spec = project.index().get(hit.spec_id)
                cache[hit.spec_id] = spec is not None and project.allowed(who, "spec.view", spec)
            if cache[hit.spec_id]:
                kept.append(hit)
        if len(kept) >= query.limit or len(hits) < ask:
            return kept[: query.limit]
        ask *= 4
