#!/usr/bin/env python3
"""Core benchmark: `sdd --help`, `sdd list` and `sdd validate` at 1k and 10k specs.

Whole-process wall time (best of N runs) of the installed `sdd`: the core alone
(`SDD_LOAD_PLUGINS=`), and every plugin but the cache (`SDD_DISABLE_PLUGINS=sqlite`), against
baselines measured in the same run: a bare Python
start-up, and reading every spec file. Targets (issue 2): `--help` < 100 ms with every plugin
installed; `validate` of 10,000 specs < 2.5 s with no cache.

    python bench/bench_core.py [--sizes 1000,10000] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchkit import SDD, child_env, speed_line, wall
from generate import generate


def read_all(root: Path) -> float:
    t = time.perf_counter()
    for dirpath, _, files in os.walk(root / ".sdd" / "specs"):
        for name in files:
            with open(os.path.join(dirpath, name), "rb") as fh:
                fh.read()
    return time.perf_counter() - t


def project(base: Path, n: int) -> Path:
    where = base / f"p{n}"
    if not (where / ".sdd" / "specs").exists():
        generate(where, n, seed=1)
    return where


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="reuse/keep generated projects in DIR")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="sdd-bench-core-"))
    env_all = child_env()
    env_nocache = child_env(disable="sqlite")
    env_core = child_env(load="")  # the core alone: no cache, no plugin rules

    print(speed_line())
    py = wall([sys.executable, "-c", "pass"], args.runs, env_all)
    helptime = wall([SDD, "--help"], max(args.runs, 5), env_all)
    print(f"python start-up           {py * 1000:8.1f} ms")
    print(f"sdd --help (all plugins)  {helptime * 1000:8.1f} ms   ({helptime / py:.1f}x python"
          f" start-up; target < 100 ms)")
    for n in [int(s) for s in args.sizes.split(",")]:
        root = project(base, n)
        read = min(read_all(root) for _ in range(2))
        lst = wall([SDD, "list"], args.runs, env_core, root)
        val = wall([SDD, "validate"], args.runs, env_core, root)
        val_all = wall([SDD, "validate"], args.runs, env_nocache, root)
        print(f"\n{n:,} specs (no cache)")
        print(f"  read every file (in-process)  {read * 1000:8.1f} ms")
        print(f"  sdd list                      {lst * 1000:8.1f} ms   ({lst / read:.1f}x reading)")
        print(f"  sdd validate                  {val * 1000:8.1f} ms   ({val / read:.1f}x reading"
              f"{'; target < 2500 ms' if n >= 10000 else ''})")
        print(f"  sdd validate, every plugin's rules too (graph, review, openapi, dbml ...)"
              f" {val_all * 1000:8.1f} ms   ({val_all / val:.1f}x core rules only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
