"""The core's relevance set (tests/fixtures/search_corpus) with the ``whoosh`` backend."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

_CORE_TEST = Path(__file__).resolve().parents[3] / "tests" / "test_search_relevance.py"


def _relevance() -> Any:
    spec = importlib.util.spec_from_file_location("core_search_relevance", _CORE_TEST)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_whoosh_relevance(sdd_entrypoints: Callable[..., None], run_sdd: Callable[..., Any],
                          tmp_path: Path) -> None:
    sdd_entrypoints("whoosh")
    rel = _relevance()
    rate, misses = rel.relevance_rate(run_sdd, rel.corpus(tmp_path), "whoosh")
    print(f"\nwhoosh relevance: {rate:.0%} in the top 3", *misses, sep="\n  ")
    assert rate >= rel.REQUIRED, misses
