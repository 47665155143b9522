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

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Literal

if TYPE_CHECKING:
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
