"""Relevance: labelled queries over a realistic corpus; the expected spec must be in the top 3
of ``sdd search`` for at least 90% of them. The pass rate is printed (``pytest -s``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

FIXTURE = Path(__file__).parent / "fixtures" / "search_corpus"
REQUIRED = 0.90


def relevance_rate(run_sdd: Callable[..., Any], root: Path, backend: str) -> tuple[float, list[str]]:
    """The share of labelled queries whose expected spec is in the top 3, and the misses."""
    cases = json.loads((FIXTURE / "relevance.json").read_text(encoding="utf-8"))["queries"]
    misses = []
    for case in cases:
        r = run_sdd("search", case["query"], "--limit", "3", "--format", "json",
                    "--backend", backend, cwd=root)
        assert r.exit_code == 0, r.output
        top = [h["id"] for h in r.json()]
        if case["expected"] not in top:
            misses.append(f"{case['query']!r}: want {case['expected']}, got {top}")
    return 1 - len(misses) / len(cases), misses


def corpus(tmp_path: Path) -> Path:
    """A fresh copy of the corpus (no cache from earlier runs)."""
    root = tmp_path / "corpus"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns(".cache", "relevance.json"))
    return root


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
    rate, misses = relevance_rate(run_sdd, corpus(tmp_path), "scan")
    print(f"\nscan relevance: {rate:.0%} in the top 3", *misses, sep="\n  ")
    assert rate >= REQUIRED, misses
