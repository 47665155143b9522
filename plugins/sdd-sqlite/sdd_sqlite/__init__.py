"""sdd-sqlite: an incremental SQLite cache behind every read command.

Installed, it registers the ``sqlite`` index backend (priority 10, above the built-in file
scan), so ``sdd list``, ``show``, ``validate`` and ``query`` read through
``.sdd/.cache/sdd.db``, refreshed from the spec files before every read. It also adds
``sdd cache init|rebuild|status|clear|verify`` and ``sdd history ID``.

Only click and sdd_core's light names are imported here; sqlite3 and the cache modules load
when a command or the backend first needs them.
"""

from __future__ import annotations

from typing import Any, Callable

from sdd_core import hookimpl

__version__ = "0.1.0"


def _open(project: Any) -> Any:
    from sdd_sqlite.backend import SqliteIndex

    return SqliteIndex(project)


@hookimpl
def register_index_backends(register: Callable[[Any], None]) -> None:
    from sdd_core.index import IndexBackendFactory

    register(IndexBackendFactory("sqlite", _open, priority=10,
                                 description="SQLite cache in .sdd/.cache/sdd.db, refreshed"
                                             " incrementally from the spec files"))


@hookimpl
def register_commands(cli: Any) -> None:
    from sdd_sqlite.commands import register

    register(cli)


def _open_search(project: Any) -> Any:
    from sdd_sqlite.search import Fts5Backend

    return Fts5Backend(project)


@hookimpl
def register_search_backends(register: Callable[[Any], None]) -> None:
    from sdd_core.search import SearchBackendFactory

    register(SearchBackendFactory("fts5", _open_search, priority=10,
                                  description="SQLite FTS5 tables in the cache (bm25, porter"
                                              " stemming, CJK bigrams), refreshed with it"))
