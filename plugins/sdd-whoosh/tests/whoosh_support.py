"""Helpers shared by the whoosh tests (a module name no other plugin's tests use)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def rewrite(path: Path, text: str) -> None:
    """Rewrite a spec file and move its mtime forward, so the change is seen even on
    coarse file-system clocks."""
    st = os.stat(path)
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 3_000_000_000))


def search(project: Any, text: str, **options: Any) -> list[Any]:
    """Search with a fresh whoosh backend (as a new ``sdd search`` process would)."""
    from sdd_core.search import SearchQuery, open_search_backend, parse_search

    backend = open_search_backend(project, "whoosh")
    return backend.search(SearchQuery(text=text, terms=parse_search(text), **options))
