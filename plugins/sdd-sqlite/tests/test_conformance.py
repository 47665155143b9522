"""The core's query conformance suite, run against the SQLite backend."""

from __future__ import annotations

from typing import Callable

import pytest
from sdd_core.conformance import IndexBackendConformance


class TestSqliteConforms(IndexBackendConformance):
    backend = "sqlite"
    max_examples = 40

    @pytest.fixture(autouse=True)
    def _load(self, sdd_entrypoints: Callable[..., None]) -> None:
        sdd_entrypoints("sqlite")

    def prepare(self, project) -> None:  # type: ignore[no-untyped-def]
        project.index("sqlite").specs()  # build the cache before querying
