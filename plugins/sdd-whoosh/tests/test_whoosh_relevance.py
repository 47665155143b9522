"""The relevance set in the repository's tests/fixtures/search_corpus with the ``whoosh``
backend (the helpers are the core's, in ``sdd_core.testing``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from sdd_core.testing import RELEVANCE_REQUIRED, copy_corpus, relevance_rate

CORPUS = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "search_corpus"


def test_whoosh_relevance(sdd_entrypoints: Callable[..., None], run_sdd: Callable[..., Any],
                     tmp_path: Path) -> None:
    sdd_entrypoints("whoosh")
    rate, misses = relevance_rate(run_sdd, CORPUS, copy_corpus(CORPUS, tmp_path), "whoosh")
    print(f"\nwhoosh relevance: {rate:.0%} in the top 3", *misses, sep="\n  ")
    assert rate >= RELEVANCE_REQUIRED, misses
