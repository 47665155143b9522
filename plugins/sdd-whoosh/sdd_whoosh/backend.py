"""The ``whoosh`` search backend: refresh, ranked search with highlights, suggestions.

Imported only when a search runs (never by ``sdd --help``), so Whoosh is imported here."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sdd_whoosh import lean

lean.load()  # before the first Whoosh import

from whoosh.highlight import ContextFragmenter, Formatter, get_text, highlight

from sdd_core.search import HIGHLIGHT_END, HIGHLIGHT_START, SearchBackend, SearchHit
from sdd_whoosh.schema import FIELD_B, analyzer
from sdd_whoosh.store import IndexStore, warn
from sdd_whoosh.translate import translate

if TYPE_CHECKING:
    from sdd_core.project import Project
    from sdd_core.search import SearchQuery

T = TypeVar("T")

SNIPPET_CHARS = 180
SNIPPET_SURROUND = 50
FALLBACK_CHARS = 160
MAX_EXPANSIONS = 256


class WhooshBackend(SearchBackend):
    """Full-text search over the Whoosh indexes in ``.sdd/.cache/whoosh/``."""

    name = "whoosh"

    def __init__(self, project: Project) -> None:
        super().__init__(project)
        self.stores = {name: IndexStore(project, name) for name in ("specs", "items")}
        self._fresh: set[str] = set()
        self._recovered: set[str] = set()
        self._analyzer: Any = None
        self._vocabulary: list[str] | None = None
        self._counts: dict[str, int] = {}

    @property
    def store(self) -> IndexStore:
        """The ``specs`` index (every search of spec hits, and suggestions)."""
        return self.stores["specs"]

    # ------------------------------------------------------------------ recovery

    def _guard(self, name: str, action: Callable[[], T]) -> T:
        """Run ``action`` on index ``name``; if the index turns out unreadable, rebuild it
        once (with one warning) and run it again."""
        from sdd_core.errors import SddError

        try:
            return action()
        except (SddError, KeyboardInterrupt):
            raise
        except Exception as exc:
            if name in self._recovered:
                raise
            self._recovered.add(name)
            store = self.stores[name]
            warn(f"the search index {store.dir} ({name}) is unreadable"
                 f" ({type(exc).__name__}: {exc}); rebuilding it")
            store.clear()
            self._fresh.discard(name)
            self._refresh(name)
            return action()

    def _refresh(self, name: str, current: Any = None) -> None:
        self.stores[name].refresh(current)
        self._fresh.add(name)
        if name == "specs":
            self._vocabulary = None

    def _ensure(self, name: str) -> None:
        if name not in self._fresh:
            self._guard(name, lambda: self._refresh(name))

    # ------------------------------------------------------------------ SearchBackend

    def refresh(self) -> None:
        """Bring the index up to date with the spec files (only changed files are
        re-indexed). The requirement/scenario index is refreshed when it exists; it is
        first built by the first ``--type requirement|scenario`` search."""
        self._fresh.clear()
        current = self.store.scan()  # one walk of the spec files serves both indexes
        for name in ("specs", "items"):
            if name == "specs" or self.stores[name].exists():
                self._guard(name, functools.partial(self._refresh, name, current))

    def search(self, query: SearchQuery) -> list[SearchHit]:
        """Ranked hits for ``query``, best first."""
        name = "specs" if query.type == "spec" else "items"
        self._ensure(name)
        return self._guard(name, lambda: self._search(name, query))

    def suggest(self, word: str, limit: int = 3) -> list[str]:
        """Words of the index close to ``word`` (for "did you mean")."""
        return self._guard("specs", lambda: self._suggest(word, limit))

    # ------------------------------------------------------------------ internals

    @property
    def analyzer(self) -> Any:
        if self._analyzer is None:
            self._analyzer = analyzer()
        return self._analyzer

    def _search(self, name: str, query: SearchQuery) -> list[SearchHit]:
        from whoosh import scoring

        plan = translate(query, self.analyzer, self._expand if query.terms.prefixes else None)
        if plan is None or query.limit <= 0:
            return []
        ix = self.stores[name].index()
        with ix.searcher(weighting=scoring.BM25F(B=0.75, K1=1.2, **FIELD_B)) as searcher:
            results = searcher.search(plan.query, limit=query.limit, filter=plan.filter,
                                      mask=plan.mask, terms=True)
            reader = searcher.reader()
            label_terms = [(label, expanded_terms(q, reader)) for label, q in plan.labels]
            hits = []
            for hit in results:
                matched_terms = set(hit.matched_terms())
                stored = hit.fields()
                matched = [label for label, terms in label_terms if terms & matched_terms]
                domain, status = stored.get("labels") or ("", "")
                if name == "specs":
                    snippet = self._snippet(stored, matched_terms, ("body", "requirements", "title"),
                                            fallback=stored.get("body", "")) \
                        if query.snippets else ""
                    hits.append(SearchHit(
                        spec_id=stored["spec_id"], title=stored.get("title", ""),
                        score=round(hit.score, 4), snippet=snippet, type="spec",
                        domain=domain, status=status, matched=matched))
                else:
                    snippet = self._snippet(stored, matched_terms, ("item_text", "item_title"),
                                            fallback=stored.get("item_text", ""))
                    hits.append(SearchHit(
                        spec_id=stored["spec_id"], title=stored.get("spec_title", ""),
                        score=round(hit.score, 4), snippet=snippet, type=stored["kind"],
                        item_id=stored.get("item_id"), text=stored.get("item_text", ""),
                        domain=domain, status=status, matched=matched))
        return hits

    def _words(self) -> list[str]:
        """The vocabulary of the specs, sorted (loaded once per backend)."""
        if self._vocabulary is None:
            self._ensure("specs")
            counts = self.store.vocabulary()
            self._counts = counts
            self._vocabulary = sorted(counts)
        return self._vocabulary

    def _expand(self, prefix: str) -> list[str]:
        """Stems of the words of the specs (as written) that start with ``prefix``: the
        most common first, at most :data:`MAX_EXPANSIONS`."""
        from bisect import bisect_left

        words = self._words()
        i = bisect_left(words, prefix)
        found = []
        while i < len(words) and words[i].startswith(prefix):
            found.append(words[i])
            i += 1
        found.sort(key=lambda w: -self._counts.get(w, 0))
        stems = {t for w in found[:MAX_EXPANSIONS]
                 for t in (tok.text for tok in self.analyzer(w, mode="query"))}
        return sorted(stems)

    def _snippet(self, stored: dict[str, Any], matched: set[tuple[str, bytes]],
                 fields: tuple[str, ...], fallback: str) -> str:
        """The best highlighted passage among ``fields`` (the first that has a match), else
        the start of ``fallback``."""
        for name in fields:
            words = {t.decode("utf-8") for f, t in matched if f == name}
            text = stored.get(name) or ""
            if not words or not text:
                continue
            fragmenter = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=SNIPPET_SURROUND)
            out = highlight(text, words, self.analyzer, fragmenter, MarkerFormatter(), top=2,
                            mode="index")
            if HIGHLIGHT_START in out:
                return " ".join(out.split())
        flat = " ".join(fallback.split())
        return flat if len(flat) <= FALLBACK_CHARS else flat[:FALLBACK_CHARS].rsplit(" ", 1)[0] + " …"

    def _suggest(self, word: str, limit: int) -> list[str]:
        """Words of the specs within two edits of ``word`` (as written, not stemmed): the
        nearest first, then those in the most specs (Whoosh's spelling corrector over the
        vocabulary)."""
        from whoosh.spelling import ListCorrector

        from sdd_core.search import fold

        key = fold(word).strip()
        if not key or limit <= 0:
            return []
        words = self._words()
        corrector = ListCorrector(words)
        best: dict[str, tuple[int, int]] = {}
        for dist in (1, 2):
            for sug in corrector.suggest(key, limit=len(words), maxdist=dist, prefix=1):
                if sug != key and sug not in best:
                    best[sug] = (dist, self._counts.get(sug, 0))
        return sorted(best, key=lambda w: (best[w][0], -best[w][1], w))[:limit]


def expanded_terms(query: Any, reader: Any) -> set[tuple[str, bytes]]:
    """Every index term (field, bytes) a query stands for, prefixes and fuzzy terms
    expanded. (Whoosh's own ``existing_terms`` skips leaves after a change of field.)"""
    schema = reader.schema
    out: set[tuple[str, bytes]] = set()
    for leaf in query.leaves():
        for field, text in leaf.expanded_terms(reader, phrases=True):
            if isinstance(text, str):
                text = schema[field].to_bytes(text)
            out.add((field, text))
    return out


class MarkerFormatter(Formatter):  # type: ignore[misc]
    """Plain text with « » around each matched term; passages joined by " … "."""

    between = " … "

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"{HIGHLIGHT_START}{get_text(text, token, replace)}{HIGHLIGHT_END}"
