from __future__ import annotations

from typing import Callable

import pytest


@pytest.fixture
def cached(sdd_entrypoints: Callable[..., None]) -> None:
    """Load the sqlite plugin from its entry point for this test."""
    sdd_entrypoints("sqlite")


@pytest.fixture
def no_cache(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Switch the plugin off again (the built-in file index answers)."""
    from sdd_core import plugins

    def off() -> None:
        monkeypatch.setenv("SDD_LOAD_PLUGINS", "")
        plugins.reset()

    return off


