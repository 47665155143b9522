"""The core's search conformance suite, run against the ``whoosh`` backend."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sdd_core.testing import SearchBackendConformance


class TestWhooshConforms(SearchBackendConformance):
    backend = "whoosh"
    max_examples = 25

    @pytest.fixture(autouse=True)
    def _load(self, sdd_entrypoints: Callable[..., None]) -> None:
        sdd_entrypoints("whoosh")
