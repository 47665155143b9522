"""Helpers the cache tests import (a module of its own: every plugin has a conftest.py, so
``from conftest import ...`` would reach whichever one was imported first)."""

from __future__ import annotations

import os
from typing import Any


def touch_later(path: Any, text: str) -> None:
    """Rewrite a file and move its mtime forward so the change is seen even on coarse
    file-system clocks."""
    st = os.stat(path)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 3_000_000_000))
