"""The core's search conformance suite, run against the ``fts5`` backend."""

from __future__ import annotations

from typing import Callable

import pytest
from sdd_core.testing import SearchBackendConformance


class TestFts5Conforms(SearchBackendConformance):
    backend = "fts5"
    max_examples = 40

    @pytest.fixture(autouse=True)
    def _load(self, sdd_entrypoints: Callable[..., None]) -> None:
        sdd_entrypoints("sqlite")
