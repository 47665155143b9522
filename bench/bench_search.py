"""Benchmark of `sdd search`: whole-process wall times per search backend, best of N.

Usage::

    python bench/bench_search.py [--sizes 1000,10000] [--repeat 5] [--keep DIR]

For each project size (bench/generate.py) it times, as a user runs them (a fresh ``sdd``
process each): building the index (``fts5``: ``sdd cache rebuild``, which fills the FTS5
tables with the rest of the cache; ``whoosh``: its first search, or its own index command if
it has one), then ``sdd search "payment failure"`` with the index built, then the same after
one spec file changed. ``scan`` (no index, the built-in reference) is the baseline of the
ratio column. ``whoosh`` is included when the ``sdd-whoosh`` plugin is installed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from importlib.metadata import entry_points
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

SDD = str(Path(sys.executable).with_name("sdd"))
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
    out = {k: v for k, v in os.environ.items() if not k.startswith("SDD_")}
    out["SDD_LOAD_PLUGINS"] = "sqlite,whoosh"
    return out


def run(root: Path, args: list[str]) -> float:
    t = time.perf_counter()
    out = subprocess.run([SDD, "-C", str(root), *args], env=env(), stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    took = time.perf_counter() - t
    if out.returncode != 0:
        raise SystemExit(f"sdd {' '.join(args)} failed: {out.stderr}")
    return took


def has_command(root: Path, *words: str) -> bool:
    out = subprocess.run([SDD, "-C", str(root), *words, "--help"], env=env(),
                         capture_output=True, text=True)
    return out.returncode == 0


def touch_one(root: Path) -> None:
    path = sorted((root / ".sdd" / "specs").rglob("spec.md"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\nA note about payment failure.\n", encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 3_000_000_000))


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
    touch_one(root)
    after_edit = run(root, search)
    return {"index build": build, "search": query, "search after 1 edit": after_edit}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", type=Path, default=None, help="keep generated projects here")
    args = ap.parse_args(argv)
    backends = installed_backends()
    base = args.keep or Path(tempfile.mkdtemp(prefix="sdd-bench-search-"))
    floor = None
    for size in (int(s) for s in args.sizes.split(",")):
        root = base / f"p{size}"
        if not (root / ".sdd").exists():
            generate(root, size, seed=1)
        if floor is None:
            floor = min(run(root, ["--version"]) for _ in range(3))
            print(f"start-up floor (sdd --version): {floor * 1000:.0f} ms")
        results = {b: measure(root, b, args.repeat) for b in backends}
        rows = list(next(iter(results.values())))
        print(f"\n{size:,} specs, query {QUERY!r} (whole process, best of {args.repeat})")
        head = f"{'':22}" + "".join(f"{b:>12}" for b in backends)
        head += "".join(f"{b + '/scan':>14}" for b in backends if b != "scan")
        print(head)
        for row in rows:
            line = f"{row:22}"
            for b in backends:
                v = results[b][row]
                line += f"{'-' if v is None else f'{v * 1000:.0f} ms':>12}"
            for b in backends:
                if b == "scan":
                    continue
                v, s = results[b][row], results["scan"][row]
                line += f"{'-' if v is None or s is None else f'{v / s:.2f}x':>14}"
            print(line)
        if "fts5" in results:
            ok = results["fts5"]["search"] is not None and results["fts5"]["search"] < TARGET_FTS5
            print(f"fts5 search target < {TARGET_FTS5 * 1000:.0f} ms: {'met' if ok else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
