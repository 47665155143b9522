"""Benchmark of the SQLite cache (sdd-sqlite): whole-process wall times, best of N.

Usage::

    python bench/bench_cache.py [--sizes 1000,10000] [--repeat 3] [--keep DIR]

For each project size it times, as a user would run them (a fresh ``sdd`` process each):
``sdd cache rebuild``; ``sdd query "status:review AND phase:2"``; the same query right after
one spec file changed; ``sdd list`` and ``sdd validate`` with nothing changed; and the same
read commands with the cache switched off (``SDD_DISABLE_PLUGINS=sqlite``), with the ratio.
Only the sqlite plugin is loaded (``SDD_LOAD_PLUGINS=sqlite``) so other installed plugins do
not blur the figures; ``sdd --version`` gives the start-up floor.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

SDD = str(Path(sys.executable).with_name("sdd"))
QUERY = "status:review AND phase:2"
TARGETS = {"rebuild": 2.5, "query": 0.150, "query after 1 edit": None, "list": 0.5,
           "validate": 0.5}


def env(cache: bool) -> dict[str, str]:
    """The environment of a run with or without the cache."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("SDD_")}
    out["SDD_LOAD_PLUGINS"] = "sqlite"
    if not cache:
        out["SDD_DISABLE_PLUGINS"] = "sqlite"
    return out


def run(root: Path, args: list[str], cache: bool = True) -> float:
    """Wall time of one ``sdd`` process."""
    t = time.perf_counter()
    out = subprocess.run([SDD, "-C", str(root), *args], env=env(cache),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    took = time.perf_counter() - t
    if out.returncode not in (0, 1):
        raise SystemExit(f"sdd {' '.join(args)} failed: {out.stderr}")
    return took


def best(n: int, fn) -> float:  # type: ignore[no-untyped-def]
    return min(fn() for _ in range(n))


def touch_one(root: Path, i: int) -> None:
    """Change one spec file (a line appended to its body)."""
    specs = sorted((root / ".sdd" / "specs").rglob("spec.md"))
    path = specs[(i * 7919) % len(specs)]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"\nEdited {i}.\n")


def bench(size: int, repeat: int, base: Path) -> dict[str, float]:
    root = base / f"p{size}"
    if not (root / ".sdd" / "specs").exists():
        print(f"generating {size} specs ...", file=sys.stderr)
        generate(root, size, seed=1, overwrite=True)
    r: dict[str, float] = {}
    r["start-up (sdd --version)"] = best(repeat, lambda: run(root, ["--version"]))
    r["rebuild"] = best(repeat, lambda: run(root, ["cache", "rebuild"]))
    run(root, ["list"])  # warm
    r["query"] = best(repeat, lambda: run(root, ["query", QUERY]))
    edits = iter(range(10_000))

    def edited() -> float:
        touch_one(root, next(edits))
        return run(root, ["query", QUERY])

    r["query after 1 edit"] = best(repeat, edited)
    r["list"] = best(repeat, lambda: run(root, ["list"]))
    run(root, ["validate"])  # findings of the edited specs are stored
    r["validate"] = best(repeat, lambda: run(root, ["validate"]))
    for cmd in ("query", "list", "validate"):
        args = ["query", QUERY] if cmd == "query" else [cmd]
        r[f"{cmd} (no cache)"] = best(repeat, lambda: run(root, args, cache=False))
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", metavar="DIR", help="generate projects here and keep them")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    ctx = tempfile.TemporaryDirectory() if not args.keep else None
    base = Path(args.keep or ctx.name)  # type: ignore[union-attr]
    base.mkdir(parents=True, exist_ok=True)
    print(f"sdd-sqlite benchmark: wall time of a whole `sdd` process, best of {args.repeat}")
    for size in sizes:
        r = bench(size, args.repeat, base)
        print(f"\n{size} specs")
        print(f"  {'command':32} {'time':>9} {'target':>8} {'no cache':>9} {'speed-up':>9}")
        for name, took in r.items():
            if name.endswith("(no cache)"):
                continue
            target = TARGETS.get(name)
            if name == "query after 1 edit":
                target = r["query"] + 0.100
            tgt = f"{target * 1000:.0f} ms" if target else ""
            ok = "" if not target else (" ok" if took <= target else " MISS")
            base_t = r.get(f"{name} (no cache)")
            extra = f"{base_t * 1000:7.0f} ms {base_t / took:8.1f}x" if base_t else ""
            print(f"  {name:32} {took * 1000:6.0f} ms {tgt:>8}{ok:5} {extra}")
        print(f"  one edit added {(r['query after 1 edit'] - r['query']) * 1000:.0f} ms"
              " to the query")
    if ctx is not None:
        ctx.cleanup()


if __name__ == "__main__":
    main()
