"""Fixtures: ``server`` runs one real server per test module and backend (SQLite always;
PostgreSQL when ``SDD_TEST_POSTGRES_URL`` is set, which CI requires)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from serverkit import Server, fresh_postgres_database, make_server, postgres_url  # noqa: E402


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The database URL of the backend under test (``None``: the embedded SQLite)."""
    if request.param == "sqlite":
        yield None
        return
    base = postgres_url()
    if not base:
        pytest.skip("SDD_TEST_POSTGRES_URL is not set (run .ci/postgres-setup.sh)")
    url, drop = fresh_postgres_database(base)
    try:
        yield url
    finally:
        drop()


@pytest.fixture(scope="module")
def server(backend: str | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A running server over the test project (see serverkit.project_files)."""
    srv = make_server(tmp_path_factory.mktemp("srv"), backend)
    try:
        yield srv
    finally:
        srv.stop()
