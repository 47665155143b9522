"""sdd-whoosh: a Whoosh full-text search backend for ``sdd search``.

Installed, it registers the ``whoosh`` search backend (priority 5). The index lives in
``.sdd/.cache/whoosh/`` and is brought up to date incrementally before each search: only spec
files whose content changed are re-indexed. It ranks with BM25F (title above requirement text
above the rest of the body), folds case and accents, stems English words, and offers fuzzy
matching (``--fuzzy``) and "did you mean" suggestions.

Only sdd_core's light names are imported here; Whoosh itself loads when a search runs, so
``sdd --help`` never pays for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sdd_core import hookimpl

__version__ = "0.1.0"


def _open(project: Any) -> Any:
    from sdd_whoosh.backend import WhooshBackend

    return WhooshBackend(project)


@hookimpl
def register_search_backends(register: Callable[[Any], None]) -> None:
    from sdd_core.search import SearchBackendFactory

    register(SearchBackendFactory(
        "whoosh", _open, priority=5,
        description="Whoosh index in .sdd/.cache/whoosh/ (BM25F, stemming, fuzzy matching,"
                    " spelling suggestions)",
    ))
