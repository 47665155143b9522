from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.fixture
def whoosh(sdd_entrypoints: Callable[..., None]) -> None:
    """Load the whoosh plugin from its entry point for this test."""
    sdd_entrypoints("whoosh")
