#!/usr/bin/env python3
"""Review benchmark: the cost of the review plugin at 1k and 10k specs.

Generates a project, records reviews on every spec in review, approved or implemented status
(two approvals each, one spec in ten edited afterwards so its approvals are stale), then
measures, in the same process and against baselines from the same run:

- the review rules (R001-R003) against the core's own rules over the same loaded specs;
- loading the specs with review records against the same project without them;
- ``api.pending`` (every spec's reviews, hashes and gates) against loading the specs;
- one ``api.approve`` (through the core's write path) against one plain ``update_spec``;
- whole-process ``sdd review pending`` against ``sdd list`` (no cache plugin).

    python bench/bench_review.py [--sizes 1000,10000] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchkit import SDD, best_time, child_env, speed_line, wall
from generate import generate


def add_reviews(root: Path) -> tuple[int, int]:
    """Write review records into the generated specs; return (reviewed, stale)."""
    from sdd_core.project import Project

    from sdd_review.records import spec_hash

    project = Project(root)
    reviewed = stale = 0
    for i, spec in enumerate(project.load().specs):
        if spec.status not in ("review", "approved", "implemented"):
            continue
        digest = spec_hash(spec)
        recs = "".join(
            f"  - reviewer: '@{who}'\n    status: approved\n"
            f"    date: '2025-01-0{n}T10:00:00+00:00'\n    content_hash: {digest}\n"
            for n, who in ((1, "bob"), (2, "carol")))
        path = root / spec.path
        text = path.read_text(encoding="utf-8")
        head, sep, rest = text[4:].partition("\n---\n")
        body = rest + ("\nEdited after the review.\n" if i % 10 == 0 else "")
        path.write_text(f"---\n{head}\nreviews:\n{recs.rstrip()}{sep}{body}", encoding="utf-8")
        reviewed += 1
        stale += i % 10 == 0
    return reviewed, stale


def project_dir(base: Path, n: int, reviews: bool = True) -> Path:
    where = base / f"{'r' if reviews else 'p'}{n}"
    if not (where / ".sdd" / "specs").exists():
        generate(where, n, seed=1)
        if reviews:
            add_reviews(where)
    return where


def load_time(root: Path, runs: int) -> float:
    """Reading and parsing every spec, fresh (what each command without a cache pays)."""
    from sdd_core import plugins
    from sdd_core.project import Project

    plugins.reset()
    project = Project(root)

    def fresh() -> None:
        project.index().invalidate()
        project.load()

    return best_time(runs, fresh)


def in_process(root: Path, runs: int) -> dict[str, float]:
    from sdd_core import plugins
    from sdd_core.model import Actor
    from sdd_core.project import Project
    from sdd_core.validation import run_rules

    from sdd_review import api

    plugins.reset()
    project = Project(root)
    result = project.load()
    rules = project.rules.values()
    core = [r for r in rules if not r.code.startswith("R")]
    review = [r for r in rules if r.code.startswith("R")]
    out = {
        "core_rules": best_time(runs, lambda: run_rules(project, result, core)),
        "review_rules": best_time(runs, lambda: run_rules(project, result, review)),
        "pending": best_time(runs, lambda: api.pending(project)),
    }
    target = next(s for s in result.specs if s.status == "review" and s.reviews)
    bob = Actor(name="zed")
    flip = iter(range(10 ** 6))
    # both writes timed with the index already loaded (as in a CLI process, which loads it
    # once) and kept alive, so freeing the old index after the write is not timed either:
    # what is compared is the write itself
    keep: list[Any] = []

    def warm() -> None:
        keep.append(project.load())
    out["update"] = best_time(runs, lambda: project.update_spec(
        target.id, {"bench_counter": next(flip)}, actor=bob), setup=warm)
    out["approve"] = best_time(runs, lambda: api.approve(project, target.id, "ok", bob),
                               setup=warm)
    findings = run_rules(project, project.load(), review)
    out["r001"] = sum(1 for f in findings if f.code == "R001")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="reuse/keep generated projects in DIR")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="sdd-bench-review-"))
    os.environ["SDD_LOAD_PLUGINS"] = "review"
    os.environ["SDD_USER"] = "bench"
    env = child_env("review", SDD_USER="bench")
    print(speed_line())
    for n in [int(s) for s in args.sizes.split(",")]:
        root = project_dir(base, n)
        plain = load_time(project_dir(base, n, reviews=False), args.runs)
        loaded = load_time(root, args.runs)
        m = in_process(root, args.runs)
        lst = wall([SDD, "list"], args.runs, env, root)
        pend = wall([SDD, "review", "pending"], args.runs, env, root)
        ms = {k: v * 1000 for k, v in m.items() if k != "r001"}
        print(f"\n{n:,} specs ({m['r001']:,} flagged R001)")
        print(f"  core rules (in-process)        {ms['core_rules']:8.1f} ms")
        print(f"  review rules R001-R003         {ms['review_rules']:8.1f} ms"
              f"   ({m['review_rules'] / m['core_rules']:.2f}x the core rules)")
        print(f"  load specs, no reviews         {plain * 1000:8.1f} ms")
        print(f"  load specs, with reviews       {loaded * 1000:8.1f} ms"
              f"   ({loaded / plain:.2f}x: review lists take the full YAML loader)")
        print(f"  api.pending (index loaded)     {ms['pending']:8.1f} ms"
              f"   ({m['pending'] / loaded:.2f}x loading)")
        print(f"  update_spec (one write)        {ms['update']:8.1f} ms")
        print(f"  api.approve (one write)        {ms['approve']:8.1f} ms"
              f"   ({m['approve'] / m['update']:.2f}x a plain update)")
        print(f"  sdd list                       {lst * 1000:8.1f} ms")
        print(f"  sdd review pending             {pend * 1000:8.1f} ms"
              f"   ({pend / lst:.2f}x sdd list)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
