"""Benchmark of the whoosh search backend at 1,000 and 10,000 specs.

Usage::

    .venv/bin/python plugins/sdd-whoosh/bench/bench_whoosh.py [--sizes 1000,10000] [--keep DIR]

Projects come from ``bench/generate.py``. For each size it prints, in seconds:

- the build of the spec index (parallel writers, one segment each) and, at 1,000 specs, the
  same build with one writer (the ratio is the parallel speed-up);
- a refresh with nothing changed, and a refresh after one spec was edited (both in a fresh
  process state: a new backend, as ``sdd search`` would open);
- the first ``--type requirement`` search (builds the requirement/scenario index);
- whole-process wall time of ``sdd search`` with whoosh (index built) against the built-in
  ``scan`` backend on the same project (the ratio is the speed-up).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The repository's bench/ folder (shared helpers and the project generator).
BENCH = next(p / "bench" for p in Path(__file__).resolve().parents
             if (p / "bench" / "benchkit.py").is_file())
sys.path.insert(0, str(BENCH))

from benchkit import SDD, speed_line
from generate import generate


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def build(root: Path, parallel: bool) -> tuple[float, float]:
    """(wall, cpu) seconds to build the spec index from nothing."""
    from sdd_whoosh import store
    from sdd_whoosh.backend import WhooshBackend

    from sdd_core.project import Project

    shutil.rmtree(root / ".sdd/.cache/whoosh", ignore_errors=True)
    saved = store.PARALLEL_FROM
    store.PARALLEL_FROM = saved if parallel else 10**12
    try:
        backend = WhooshBackend(Project(root))
        t, c = time.perf_counter(), _cpu()
        backend.stores["specs"].refresh()
        return time.perf_counter() - t, _cpu() - c
    finally:
        store.PARALLEL_FROM = saved


def refresh_time(root: Path) -> tuple[float, tuple[int, int]]:
    from sdd_whoosh.backend import WhooshBackend

    from sdd_core.project import Project

    backend = WhooshBackend(Project(root))
    t = time.perf_counter()
    backend.refresh()
    return time.perf_counter() - t, backend.stores["specs"].last_changes


def edit_one(root: Path, n: int) -> None:
    path = sorted((root / ".sdd/specs").rglob("spec.md"))[n]
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## Overview", f"## Overview\n\nEdited {n} times.", 1),
                    encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


def items_time(root: Path) -> float:
    from sdd_whoosh.backend import WhooshBackend

    from sdd_core.project import Project
    from sdd_core.search import SearchQuery, parse_search

    backend = WhooshBackend(Project(root))
    t = time.perf_counter()
    backend.search(SearchQuery(text="MUST validate", terms=parse_search("MUST validate"),
                               type="requirement"))
    return time.perf_counter() - t


def cli_time(root: Path, backend: str, repeat: int) -> float:
    """Median whole-process wall time of ``sdd search``."""
    env = {**os.environ, "SDD_LOAD_PLUGINS": "whoosh"}
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([SDD, "-C", str(root), "search", "payment", "failure", "--backend",
                        backend, "--limit", "10", "--format", "json"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", default=None, help="reuse/keep generated projects here")
    args = parser.parse_args()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-whoosh-"))
    print(f"cores: {len(os.sched_getaffinity(0))}, load: {os.getloadavg()[0]:.1f}")
    print(speed_line())
    for size in (int(s) for s in args.sizes.split(",")):
        root = base / f"p{size}"
        if not (root / ".sdd").is_dir():
            generate(root, size, seed=1)
        print(f"\n== {size} specs")
        wall, cpu = build(root, parallel=True)
        print(f"build spec index (parallel)   {wall:8.2f} s wall  {cpu:8.2f} s cpu")
        if size <= 1000:
            swall, scpu = build(root, parallel=False)
            print(f"build spec index (one writer) {swall:8.2f} s wall  {scpu:8.2f} s cpu"
                  f"   parallel speed-up x{swall / wall:.2f}")
            build(root, parallel=True)
        refresh_time(root)  # files written just before the build are re-read once (racy)
        noop, changes = refresh_time(root)
        print(f"refresh, nothing changed      {noop:8.3f} s   {changes}")
        edit_one(root, 7)
        one, changes = refresh_time(root)
        print(f"refresh after one edit        {one:8.3f} s   {changes}")
        print(f"first requirement search      {items_time(root):8.2f} s (builds the item index)")
        whoosh = cli_time(root, "whoosh", args.repeat)
        scan = cli_time(root, "scan", max(1, args.repeat // 2))
        print(f"sdd search (whoosh)           {whoosh:8.3f} s   scan {scan:.3f} s"
              f"   whoosh speed-up x{scan / whoosh:.1f}")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
