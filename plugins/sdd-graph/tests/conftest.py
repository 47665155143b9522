"""Fixtures of the graph plugin's tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.fixture
def graph(sdd_entrypoints: Callable[..., None]) -> None:
    """Load the installed ``graph`` entry point (and only it) for the test."""
    sdd_entrypoints("graph")
