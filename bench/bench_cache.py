"""Benchmark of the SQLite cache (sdd-sqlite): whole-process wall and CPU times, best of N.

Usage::

    python bench/bench_cache.py [--sizes 1000,10000] [--repeat 3] [--keep DIR]

For each project size it times, as a user would run them (a fresh ``sdd`` process each):
``sdd cache rebuild`` (every table and the FTS5 search index); ``sdd query "status:review AND
phase:2"`` with nothing changed; the same query right after one spec file changed; ``sdd list``
and ``sdd validate`` with nothing changed; ``sdd search "payment failure"`` (fts5); and the same
read commands with the cache switched off (``SDD_DISABLE_PLUGINS=sqlite``, ``--backend scan``
for search), with the ratio. Only the sqlite plugin is loaded (``SDD_LOAD_PLUGINS=sqlite``) so
other installed plugins do not blur the figures; ``sdd --version`` gives the start-up floor.

Wall time suffers when other work shares the machine; CPU time (user + system of the child
process) much less, so both are printed. Children may write byte-code caches (as an installed
``sdd`` does), so ``PYTHONDONTWRITEBYTECODE`` is removed from their environment.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import benchkit
from benchkit import best, child_env, edit_spec, speed_line
from generate import generate

QUERY = "status:review AND phase:2"
SEARCH = "payment failure"
#: Targets at 10,000 specs (whole-process wall time on a quiet machine), seconds.
TARGETS = {"rebuild": 2.5, "query": 0.150, "list": 0.5, "validate": 0.5, "search": 0.120}
EDIT_BUDGET = 0.100  # a changed file may add at most this much to the next query


def env(cache: bool) -> dict[str, str]:
    """The environment of a run with or without the cache."""
    return child_env("sqlite", disable=None if cache else "sqlite")


def run(root: Path, args: list[str], cache: bool = True) -> tuple[float, float]:
    """``(wall, cpu)`` seconds of one ``sdd`` process."""
    return benchkit.run(root, args, env(cache))


def bench(size: int, repeat: int, base: Path) -> dict[str, tuple[float, float]]:
    root = base / f"p{size}"
    if not (root / ".sdd" / "specs").exists():
        print(f"generating {size} specs ...", file=sys.stderr)
        generate(root, size, seed=1, overwrite=True)
    r: dict[str, tuple[float, float]] = {}
    run(root, ["--version"])  # byte-code caches written
    r["start-up (sdd --version)"] = best(repeat, lambda: run(root, ["--version"]))
    r["rebuild"] = best(repeat, lambda: run(root, ["cache", "rebuild"]))
    run(root, ["list"])  # warm
    query = ["query", QUERY]
    r["query"] = best(repeat, lambda: run(root, query))
    edits = iter(range(10_000))

    def edited() -> tuple[float, float]:
        i = next(edits)
        edit_spec(root, i * 7919, f"\nEdited {i}.\n")
        return run(root, query)

    r["query after 1 edit"] = best(repeat, edited)
    time.sleep(2.1)  # let the edited files leave the racy window (re-hashed until then)
    run(root, ["list"])
    r["list"] = best(repeat, lambda: run(root, ["list"]))
    run(root, ["validate"])  # findings of the edited specs are stored
    r["validate"] = best(repeat, lambda: run(root, ["validate"]))
    search = ["search", SEARCH, "--limit", "10"]
    r["search"] = best(repeat, lambda: run(root, [*search, "--backend", "fts5"]))
    for name, args in (("query", query), ("list", ["list"]), ("validate", ["validate"])):
        r[f"{name} (no cache)"] = best(repeat, lambda: run(root, args, cache=False))
    r["search (no cache)"] = best(repeat, lambda: run(root, [*search, "--backend", "scan"],
                                                     cache=False))
    return r


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def report(size: int, r: dict[str, tuple[float, float]]) -> None:
    print(f"\n{size:,} specs")
    print(f"  {'command':26} {'wall':>9} {'cpu':>9} {'target':>8}      "
          f"{'no cache':>9} {'(cpu)':>9} {'ratio':>7}")
    for name, (wall, cpu) in r.items():
        if name.endswith("(no cache)"):
            continue
        target = TARGETS.get(name) if size >= 10_000 else None
        if name == "query after 1 edit" and size >= 10_000:
            target = r["query"][0] + EDIT_BUDGET
        tgt = _ms(target) if target else ""
        ok = "" if not target else (" ok" if wall <= target else " MISS")
        base = r.get(f"{name} (no cache)")
        extra = f"{_ms(base[0]):>9} {_ms(base[1]):>9} {base[0] / wall:6.1f}x" if base else ""
        print(f"  {name:26} {_ms(wall):>9} {_ms(cpu):>9} {tgt:>8}{ok:5} {extra}")
    added = r["query after 1 edit"][0] - r["query"][0]
    added_cpu = r["query after 1 edit"][1] - r["query"][1]
    print(f"  one edit added {added * 1000:.0f} ms ({added_cpu * 1000:.0f} ms CPU) to the query"
          + (f" (target < {EDIT_BUDGET * 1000:.0f} ms)" if size >= 10_000 else ""))


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
    print(f"sdd-sqlite benchmark: a whole `sdd` process, best of {args.repeat}"
          " (wall time, and CPU time: user + system)")
    print("ratio: wall time without the cache / with it (search: the scan backend / fts5)")
    print(speed_line())
    for size in sizes:
        report(size, bench(size, args.repeat, base))
    if ctx is not None:
        ctx.cleanup()


if __name__ == "__main__":
    main()
