"""Benchmark of `sdd search`: whole-process wall times per search backend, best of N.

Usage::

    python bench/bench_search.py [--sizes 1000,10000] [--repeat 5] [--keep DIR]

For each project size (bench/generate.py) it times, as a user runs them (a fresh ``sdd``
process each): building the index (``fts5``: ``sdd cache rebuild``, which fills the FTS5
tables with the rest of the cache; ``whoosh``: its first search, or its own index command if
it has one), then ``sdd search "payment failure"`` with the index built, then the same after
one spec file changed. ``scan`` (no index, the built-in reference) is the baseline of the
ratio column. ``whoosh`` is included when the ``sdd-whoosh`` plugin is installed.

Each figure is printed as wall time and, in parentheses, CPU time (user + system of the
child), which other work on a shared machine disturbs much less. Children may write byte-code
caches (as an installed ``sdd`` does), so ``PYTHONDONTWRITEBYTECODE`` is removed from their
environment.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from importlib.metadata import entry_points
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import benchkit
from benchkit import SDD, child_env, edit_spec, speed_line
from generate import generate

QUERY = "payment failure"
TARGET_FTS5 = 0.120


def installed_backends() -> list[str]:
    """Backends to compare: the built-in scan, fts5 (sdd-sqlite), whoosh when installed."""
    names = {ep.name for ep in entry_points(group="sdd")}
    out = ["scan"]
    if "sqlite" in names:
        out.append("fts5")
    if "whoosh" in names:
        out.append("whoosh")
    return out


def env() -> dict[str, str]:
    return child_env("sqlite,whoosh")


#: CPU seconds (user + system) of each ``run``, by its wall time (read by ``best``).
_CPU: dict[float, float] = {}


def run(root: Path, args: list[str]) -> float:
    """Wall seconds of one ``sdd`` process (its CPU seconds are kept in ``_CPU``)."""
    took, cpu = benchkit.run(root, args, env(), ok=(0,))
    _CPU[took] = cpu
    return took


def fmt(v: float | None) -> str:
    """``wall ms (cpu ms)``."""
    if v is None:
        return "-"
    cpu = _CPU.get(v)
    return f"{v * 1000:.0f} ms" + (f" ({cpu * 1000:.0f})" if cpu is not None else "")


def has_command(root: Path, *words: str) -> bool:
    out = subprocess.run([SDD, "-C", str(root), *words, "--help"], env=env(),
                         capture_output=True, text=True)
    return out.returncode == 0


def measure(root: Path, backend: str, repeat: int) -> dict[str, float | None]:
    search = ["search", QUERY, "--backend", backend, "--limit", "10"]
    build: float | None = None
    if backend == "fts5":
        build = min(run(root, ["cache", "rebuild"]) for _ in range(2))
    elif backend == "whoosh":
        if has_command(root, "whoosh", "rebuild"):
            build = run(root, ["whoosh", "rebuild"])
        else:
            build = run(root, search)
    query = min(run(root, search) for _ in range(repeat))
    edit_spec(root, 0, "\nA note about payment failure.\n", mtime_ahead=3)
    after_edit = run(root, search)
    return {"index build": build, "search": query, "search after 1 edit": after_edit}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", type=Path, default=None, help="keep generated projects here")
    args = ap.parse_args(argv)
    backends = installed_backends()
    print(speed_line())
    base = args.keep or Path(tempfile.mkdtemp(prefix="sdd-bench-search-"))
    floor = None
    for size in (int(s) for s in args.sizes.split(",")):
        root = base / f"p{size}"
        if not (root / ".sdd").exists():
            generate(root, size, seed=1)
        if floor is None:
            run(root, ["--version"])  # byte-code caches written
            floor = min(run(root, ["--version"]) for _ in range(3))
            print(f"start-up floor (sdd --version): {fmt(floor)}")
        results = {b: measure(root, b, args.repeat) for b in backends}
        rows = list(next(iter(results.values())))
        print(f"\n{size:,} specs, query {QUERY!r} (whole process, best of {args.repeat})")
        print("wall time (CPU time in parentheses)")
        head = f"{'':22}" + "".join(f"{b:>18}" for b in backends)
        head += "".join(f"{b + '/scan':>14}" for b in backends if b != "scan")
        print(head)
        for row in rows:
            line = f"{row:22}"
            for b in backends:
                v = results[b][row]
                line += f"{fmt(v):>18}"
            for b in backends:
                if b == "scan":
                    continue
                v, s = results[b][row], results["scan"][row]
                line += f"{'-' if v is None or s is None else f'{v / s:.2f}x':>14}"
            print(line)
        if "fts5" in results:
            took = results["fts5"]["search"]
            ok = took is not None and took < TARGET_FTS5
            print(f"fts5 search target < {TARGET_FTS5 * 1000:.0f} ms: {'met' if ok else 'MISSED'}"
                  f" ({fmt(took)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
