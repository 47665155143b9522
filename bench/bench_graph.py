"""Benchmark of the graph plugin (sdd-graph): whole-process wall times, best of N.

Usage::

    python bench/bench_graph.py [--sizes 1000,10000] [--repeat 3] [--keep DIR] [--no-files]

For each project size (made by ``bench/generate.py``, ~2 explicit edges per spec) it times,
as a user runs them (a fresh ``sdd`` process each, output to /dev/null; wall time, and CPU time
of the process, which is steadier on a shared machine):
``sdd impact ID`` (ID: the spec with the most dependents), ``sdd impact report`` and
``sdd quality --all``, each with its ratio to ``sdd list`` measured in the same run. It does
so with the SQLite cache (``SDD_LOAD_PLUGINS=graph,sqlite``, after one warm-up run that builds
the caches) and, unless ``--no-files``, without it (``SDD_LOAD_PLUGINS=graph``: every spec file
is parsed on every run). An in-process breakdown then shows where the time of the largest
project goes: loading specs (the index backend), building the graph, the report, one impact,
the quality scores.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import benchkit
from benchkit import SDD, best, child_env, speed_line
from generate import generate

TARGETS = {"impact ID": 1.5, "impact report": 1.5, "quality --all": 1.0}


def env(cache: bool) -> dict[str, str]:
    """The environment of a run with or without the SQLite cache."""
    return child_env("graph,sqlite" if cache else "graph")


def run(root: Path, args: list[str], cache: bool) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one ``sdd`` process."""
    return benchkit.run(root, args, env(cache))


def most_depended_on(root: Path) -> str:
    """The id of the spec with the most direct dependents (the worst case for impact)."""
    import json

    out = subprocess.run([SDD, "-C", str(root), "impact", "report", "--format", "json",
                          "--top", "25"], env=env(True), capture_output=True, text=True,
                         check=True)
    ranked = json.loads(out.stdout)["most_connected"]
    return max(ranked, key=lambda row: (row["dependents"], row["id"]))["id"]


def commands(spec_id: str) -> dict[str, list[str]]:
    """What is timed, by label."""
    return {
        "list": ["list", "--format", "json"],
        "impact ID": ["impact", spec_id, "--format", "json"],
        "impact report": ["impact", "report", "--format", "json"],
        "quality --all": ["quality", "--all", "--format", "json"],
    }


def breakdown(root: Path, spec_id: str) -> dict[str, float]:
    """In-process seconds of each step, with the cache, in a fresh interpreter."""
    code = f"""
import json, time
t0 = time.perf_counter()
from sdd_core.project import Project
from sdd_graph.refcache import paused_gc
p = Project({str(root)!r})
with paused_gc():
    specs = p.specs(); t1 = time.perf_counter()
    from sdd_graph.graph import build_graph
    sg = build_graph(p); t2 = time.perf_counter()
    from sdd_graph.analysis import impact, report
    report(sg); t3 = time.perf_counter()
    impact(sg, {spec_id!r}); t4 = time.perf_counter()
    from sdd_graph.quality import collect_criteria, flush_memos, score_spec
    cr = collect_criteria(p); [score_spec(s, cr) for s in specs]; flush_memos()
    t5 = time.perf_counter()
import networkx; t6 = time.perf_counter()
print(json.dumps({{"load specs": t1 - t0, "build graph": t2 - t1, "report": t3 - t2,
                  "impact": t4 - t3, "quality scores": t5 - t4,
                  "(networkx import, not used by the CLI)": t6 - t5}}))
"""
    import json

    out = subprocess.run([sys.executable, "-c", code], env=env(True), capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Generate projects here (and reuse them).")
    parser.add_argument("--no-files", action="store_true",
                        help="Skip the runs without the cache (they parse every file).")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    base = args.keep or Path(tempfile.mkdtemp(prefix="sdd-bench-graph-"))
    print(f"sdd: {SDD}; best of {args.repeat}; wall seconds of a whole process", flush=True)
    print(speed_line(), flush=True)
    floor, floor_cpu = best(args.repeat,
                            lambda: benchkit.run(None, ["--version"], env(True), ok=(0,)))
    print(f"start-up floor (sdd --version): {floor:.3f} s wall, {floor_cpu:.3f} s cpu\n")
    last: tuple[Path, str] | None = None
    for n in sizes:
        root = base / f"p{n}"
        if not (root / ".sdd" / "specs").is_dir():
            t = time.perf_counter()
            generate(root, n, seed=1, edges_per_spec=2.0)
            print(f"generated {n} specs in {time.perf_counter() - t:.1f} s ({root})")
        for cache in (True, False) if not args.no_files else (True,):
            run(root, ["impact", "report"], cache)  # warm-up: builds the cache and memos
            spec_id = most_depended_on(root)
            mode = "with the SQLite cache" if cache else "without a cache (every file parsed)"
            print(f"\n{n} specs, {mode}; impact of {spec_id}")
            times = {label: best(args.repeat,
                                 lambda a=cmd, r=root, c=cache: run(r, a, c))
                     for label, cmd in commands(spec_id).items()}
            base_wall, base_cpu = times["list"]
            print(f"  {'command':<16}{'wall s':>9}{'x list':>9}{'cpu s':>9}{'x list':>9}"
                  "  target (wall)")
            for label, (secs, cpu) in times.items():
                target = TARGETS.get(label) if n >= 10000 else None
                verdict = ""
                if target is not None:
                    verdict = f"< {target:g} s: {'met' if secs < target else 'NOT met'}"
                print(f"  {label:<16}{secs:>9.3f}{secs / base_wall:>9.2f}{cpu:>9.3f}"
                      f"{cpu / base_cpu:>9.2f}  {verdict}")
            last = (root, spec_id)
    if last is not None:
        root, spec_id = last
        print(f"\nin-process breakdown, {root.name}, with the cache (seconds):")
        for step, secs in breakdown(root, spec_id).items():
            print(f"  {step:<40}{secs:>8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
