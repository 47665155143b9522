"""Benchmark of the site and Mermaid plugins (sdd-site, sdd-mermaid): whole-process wall
times, best of N.

Usage::

    python bench/bench_site.py [--sizes 1000,10000] [--repeat 2] [--keep DIR]

For each project size (made by ``bench/generate.py``) it times, as a user runs them (a fresh
``sdd`` process each, output to /dev/null or a temporary folder): ``sdd list`` (the baseline),
``sdd export --format html`` (the core's single page), ``sdd export --format site`` without
and with sdd-mermaid, and ``sdd mermaid graph`` / ``domains`` / ``status``, each with its ratio
to ``sdd list`` measured in the same run. The cost of the site per spec is printed too.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import benchkit
from benchkit import best, child_env, speed_line
from generate import generate


def run(root: Path, args: list[str], plugins: str) -> float:
    """Wall time of one ``sdd`` process."""
    return benchkit.run(root, args, child_env(plugins), ok=(0,))[0]


def bench(size: int, repeat: int, keep: Path | None) -> None:
    work = Path(tempfile.mkdtemp(prefix="sdd-bench-site-"))
    try:
        root = (keep or work) / f"p{size}"
        if not (root / ".sdd").is_dir():
            generate(root, size)
        out = work / "out"

        def site(plugins: str) -> float:
            shutil.rmtree(out, ignore_errors=True)
            return run(root, ["export", "--format", "site", "-o", str(out)], plugins)

        base = best(repeat, lambda: run(root, ["list"], ""))
        rows = [
            ("list (baseline)", base),
            ("export html (one page)",
             best(repeat, lambda: run(root, ["export", "--format", "html", "-o",
                                             str(work / "one.html")], ""))),
            ("export site", best(repeat, lambda: site("site"))),
            ("export site + mermaid", best(repeat, lambda: site("site,mermaid"))),
            ("mermaid graph", best(repeat, lambda: run(root, ["mermaid", "graph"], "mermaid"))),
            ("mermaid domains",
             best(repeat, lambda: run(root, ["mermaid", "domains"], "mermaid"))),
            ("mermaid status", best(repeat, lambda: run(root, ["mermaid", "status"], "mermaid"))),
        ]
        print(f"\n{size} specs")
        for name, took in rows:
            print(f"  {name:26s} {took:7.2f} s   x{took / base:5.1f} of list")
        per_spec = (rows[3][1] - base) / size * 1000
        print(f"  site + mermaid per spec    {per_spec:7.2f} ms")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="keep generated projects here (reused)")
    args = ap.parse_args()
    print(speed_line())
    for size in (int(s) for s in args.sizes.split(",")):
        bench(size, args.repeat, args.keep)


if __name__ == "__main__":
    main()
