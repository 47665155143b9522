"""The relevance set in the repository's tests/fixtures/search_corpus with the ``fts5``
backend (the helpers are the core's, in ``sdd_core.testing``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from sdd_core.testing import RELEVANCE_REQUIRED, copy_corpus, relevance_rate

CORPUS = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "search_corpus"


def test_fts5_relevance(sdd_entrypoints: Callable[..., None], run_sdd: Callable[..., Any],
                     tmp_path: Path) -> None:
    sdd_entrypoints("sqlite")
    rate, misses = relevance_rate(run_sdd, CORPUS, copy_corpus(CORPUS, tmp_path), "fts5")
    print(f"\nfts5 relevance: {rate:.0%} in the top 3", *misses, sep="\n  ")
    assert rate >= RELEVANCE_REQUIRED, misses
