from __future__ import annotations

import os
from typing import Any, Callable

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


def touch_later(path: Any, text: str) -> None:
    """Rewrite a file and move its mtime forward so the change is seen even on coarse
    file-system clocks."""
    st = os.stat(path)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 3_000_000_000))
