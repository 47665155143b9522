"""Benchmark ``sdd sync`` (spec-to-code traceability) over a generated project and source tree.

Usage::

    .venv/bin/python bench/bench_trace.py [--files 2000] [--sizes 1000,10000] [--runs 3]

For each size: a project from ``bench/generate.py`` plus a source tree of ``--files`` files
(mixed Python, TypeScript and Go; about 40% tests) carrying ``@spec`` markers (full ids, bare
ids after a spec marker, ``@spec:`` lists), test names with requirement ids, a few references
to specs that do not exist, a ``.gitignore``d folder and a ``node_modules`` folder. It times
whole processes (start-up included) of ``sdd list`` (the baseline: load every spec) and
``sdd sync``, median of ``--runs``, and prints the ratio. Target: ``sdd sync`` under 3 s
with 1,000 specs and 2,000 files.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchkit import SDD, speed_line
from generate import generate

TARGET_S = 3.0
_REQ = re.compile(r"^### (REQ-\d+)", re.MULTILINE)


def _requirements(root: Path, ids: list[str]) -> dict[str, list[str]]:
    out = {}
    for sid in ids:
        text = (root / ".sdd" / "specs" / sid / "spec.md").read_text(encoding="utf-8")
        out[sid] = _REQ.findall(text)
    return out


def _filler(rng: random.Random, lang: str, n: int) -> list[str]:
    comment = "#" if lang == "py" else "//"
    lines = []
    for i in range(n):
        r = rng.random()
        if r < 0.15:
            lines.append(f"{comment} helper {i}: keeps the state consistent across calls")
        elif lang == "py":
            lines.append(f"value_{i} = compute(value_{max(i - 1, 0)}, {rng.randint(0, 99)})")
        elif lang == "ts":
            lines.append(f"const value{i} = compute(value{max(i - 1, 0)}, {rng.randint(0, 99)});")
        else:
            lines.append(f"\tvalue{i} := compute(value{max(i - 1, 0)}, {rng.randint(0, 99)})")
    return lines


def make_tree(root: Path, reqs: dict[str, list[str]], files: int, seed: int = 7) -> int:
    """Write ``files`` source and test files under ``root``; return how many markers."""
    rng = random.Random(seed)
    ids = [s for s, r in reqs.items() if r]
    markers = 0
    for i in range(files):
        lang = ("py", "ts", "go")[i % 3]
        is_test = rng.random() < 0.4
        domain = f"mod{i % 40}"
        if lang == "py":
            rel = f"tests/{domain}/test_m{i}.py" if is_test else f"src/{domain}/m{i}.py"
        elif lang == "ts":
            rel = f"web/{domain}/m{i}.test.ts" if is_test else f"web/{domain}/m{i}.ts"
        else:
            rel = f"pkg/{domain}/m{i}_test.go" if is_test else f"pkg/{domain}/m{i}.go"
        c = "#" if lang == "py" else "//"
        body: list[str] = ["package m" if lang == "go" else f"{c} module {i}"]
        for _ in range(rng.randint(1, 4)):
            sid = rng.choice(ids)
            req = rng.choice(reqs[sid])
            style = rng.random()
            body += _filler(rng, lang, rng.randint(10, 40))
            if style < 0.5:
                body.append(f"{c} @spec {sid}#{req}")
            elif style < 0.75:
                body.append(f"{c} @spec {sid}")
                body.append(f"{c} @spec: {', '.join(reqs[sid][:2])}")
            elif style < 0.98 or not is_test:
                body.append(f"{c} @spec {sid} {req}")
            else:
                body.append(f"{c} @spec no-such/spec#{req}")
            markers += 1
            if is_test:
                n = req.split("-")[1]
                if lang == "py":
                    body.append(f"def test_req_{n}_behaves():\n    assert True")
                elif lang == "ts":
                    body.append(f'it("{req} behaves", () => {{ expect(1).toBe(1); }});')
                else:
                    body.append(f"func TestREQ{n}Behaves(t *testing.T) {{}}")
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(body) + "\n", encoding="utf-8")
    # skipped on purpose: ignored, vendored and binary files
    (root / ".gitignore").write_text("generated/\n", encoding="utf-8")
    for folder in ("generated", "node_modules/lib"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        for j in range(50):
            (root / folder / f"g{j}.ts").write_text(f"// @spec {ids[0]}#REQ-01\n" * 20)
    (root / "src" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00" * 100)
    return markers


def timed(args: list[str], cwd: Path, runs: int) -> tuple[float, subprocess.CompletedProcess]:
    """Median wall time of ``runs`` whole-process runs, and the last result."""
    env = dict(os.environ, SDD_LOAD_PLUGINS=os.environ.get("SDD_LOAD_PLUGINS", "trace"))
    times = []
    proc = None
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                              check=False)
        times.append(time.perf_counter() - start)
    assert proc is not None
    return statistics.median(times), proc


def bench(size: int, files: int, runs: int, workdir: Path) -> dict[str, float]:
    """Generate, then time ``sdd list`` and ``sdd sync`` at one size."""
    root = workdir / f"p{size}"
    if not (root / ".sdd" / "specs").exists():
        ids = generate(root, size, seed=1)
        make_tree(root, _requirements(root, ids), files)
    t_list, p_list = timed([SDD, "list", "--format", "json"], root, runs)
    if p_list.returncode != 0:
        raise SystemExit(f"sdd list failed: {p_list.stderr}")
    t_sync, p_sync = timed([SDD, "sync"], root, runs)
    if p_sync.returncode != 0:
        raise SystemExit(f"sdd sync failed: {p_sync.stderr}")
    t_json, p_json = timed([SDD, "sync", "--format", "json"], root, runs)
    data = json.loads(p_json.stdout)
    s = data["summary"]
    print(f"{size:>6} specs, {data['files']['scanned']} files scanned"
          f" (skipped {data['files']['skipped']}): {s['requirements']} requirements,"
          f" coverage {s['coverage']}%, {len(data['findings'])} findings")
    print(f"        sdd list  {t_list:6.2f} s   (baseline)")
    print(f"        sdd sync  {t_sync:6.2f} s   ratio {t_sync / t_list:4.2f}x vs list,"
          f" {t_sync - t_list:+.2f} s  (table)")
    print(f"        sdd sync  {t_json:6.2f} s   ratio {t_json / t_list:4.2f}x vs list,"
          f" {t_json - t_list:+.2f} s  (--format json)")
    return {"list": t_list, "sync": t_sync, "json": t_json}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, help="keep generated projects here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(speed_line())
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        results = {n: bench(n, args.files, args.runs, workdir) for n in sizes}
    if 1000 in results:
        t = results[1000]["sync"]
        verdict = "meets" if t < TARGET_S else "MISSES"
        print(f"target: sdd sync over {args.files} files at 1,000 specs under {TARGET_S:g} s:"
              f" {t:.2f} s, {verdict} it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
