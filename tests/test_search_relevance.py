"""Relevance: labelled queries over a realistic corpus; the expected spec must be in the top 3
of ``sdd search`` for at least 90% of them. The pass rate is printed (``pytest -s``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from sdd_core.testing import RELEVANCE_REQUIRED, copy_corpus, relevance_rate

FIXTURE = Path(__file__).parent / "fixtures" / "search_corpus"

def corpus(tmp_path: Path) -> Path:
    """A fresh copy of the corpus (no cache from earlier runs)."""
    return copy_corpus(FIXTURE, tmp_path)


def test_corpus_is_realistic_and_labelled(sdd_project: Any) -> None:
    from sdd_core.project import Project

    specs = Project(FIXTURE).index("files").specs()
    cases = json.loads((FIXTURE / "relevance.json").read_text(encoding="utf-8"))["queries"]
    ids = {s.id for s in specs}
    assert len(specs) >= 60 and len({s.domain for s in specs}) >= 10
    assert len(cases) >= 30 and all(c["expected"] in ids for c in cases)
    # queries are not copies of titles
    titles = {s.title.lower() for s in specs}
    assert not [c for c in cases if c["query"].lower() in titles]


def test_scan_relevance(run_sdd: Callable[..., Any], tmp_path: Path) -> None:
    rate, misses = relevance_rate(run_sdd, FIXTURE, corpus(tmp_path), "scan")
    print(f"\nscan relevance: {rate:.0%} in the top 3", *misses, sep="\n  ")
    assert rate >= RELEVANCE_REQUIRED, misses
