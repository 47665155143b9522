"""Helpers shared by the benchmark scripts (``bench/*.py`` and ``plugins/*/bench/*.py``).

A plugin's script finds this folder from its own path (the nearest parent folder with a
``bench/benchkit.py``) and puts it on ``sys.path`` before importing this module.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any, TypeVar

#: The ``sdd`` of the interpreter running the benchmark (the venv's).
SDD = str(Path(sys.executable).with_name("sdd"))

F = TypeVar("F", float, tuple[float, ...])


def machine_speed(n: int = 3_000_000) -> float:
    """Seconds a plain Python loop of ``n`` additions takes here (best of 3).

    Printed with the figures: on a shared or throttled machine the same code measures
    slower, and this loop shows by how much, so two runs of a benchmark can be compared
    (the host of this project's machines was seen running the same loop twice as slow
    within half an hour)."""
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        x = 0
        for i in range(n):
            x += i
        best = min(best, time.perf_counter() - t)
    return best


def speed_line() -> str:
    """One line for a benchmark's header."""
    return (f"machine speed: a {3_000_000:,}-addition Python loop takes {machine_speed():.3f} s"
            " (compare runs by it: the figures scale with it)")


def child_env(load: str | None = None, disable: str | None = None, **extra: str
              ) -> dict[str, str]:
    """The environment of a child ``sdd``: this one without its ``SDD_*`` variables, plus
    ``SDD_LOAD_PLUGINS=load`` and ``SDD_DISABLE_PLUGINS=disable`` when given, and ``extra``.

    ``PYTHONDONTWRITEBYTECODE`` is removed too, so children write byte-code caches as an
    installed ``sdd`` does rather than compile their sources again on every run (~60 ms
    each)."""
    out = {k: v for k, v in os.environ.items()
           if not k.startswith("SDD_") and k != "PYTHONDONTWRITEBYTECODE"}
    if load is not None:
        out["SDD_LOAD_PLUGINS"] = load
    if disable is not None:
        out["SDD_DISABLE_PLUGINS"] = disable
    out.update(extra)
    return out


def run(root: Path | None, args: Sequence[str], env: dict[str, str],
        ok: Collection[int] = (0, 1)) -> tuple[float, float]:
    """``(wall, cpu)`` seconds of one whole ``sdd`` process (``-C root`` unless ``root`` is
    None; output to /dev/null). CPU time is user + system of the child, which other work on
    a shared machine disturbs much less than wall time. Exits with the child's error output
    when its return code is not in ``ok``."""
    cmd = [SDD, *(["-C", str(root)] if root is not None else []), *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run(cmd, env=env, check=False,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    took = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode not in ok:
        raise SystemExit(f"sdd {' '.join(args)} failed ({out.returncode}): {out.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, cpu


def best(n: int, fn: Callable[[], F]) -> F:
    """The best of ``n`` calls of ``fn``: the least figure or, where ``fn`` returns several
    (``(wall, cpu)``), the least of each."""
    runs = [fn() for _ in range(n)]
    if isinstance(runs[0], tuple):
        return tuple(min(col) for col in zip(*runs))  # type: ignore[return-value]
    return min(runs)  # type: ignore[type-var]


def best_time(n: int, fn: Callable[[], Any], setup: Callable[[], Any] | None = None) -> float:
    """The least wall time of ``n`` in-process calls of ``fn`` (``setup``, not timed, runs
    before each)."""
    t_best = float("inf")
    for _ in range(n):
        if setup is not None:
            setup()
        t = time.perf_counter()
        fn()
        t_best = min(t_best, time.perf_counter() - t)
    return t_best


def wall(cmd: list[str], runs: int, env: dict[str, str], cwd: Path | None = None,
         check: bool = False) -> float:
    """The least wall time of ``runs`` whole processes ``cmd`` (output to /dev/null)."""
    return best_time(runs, lambda: subprocess.run(cmd, cwd=cwd, env=env, check=check,
                                                  stdout=subprocess.DEVNULL,
                                                  stderr=subprocess.DEVNULL))


def edit_spec(root: Path, k: int, text: str, mtime_ahead: float = 0.0) -> Path:
    """Append ``text`` to one spec file of ``root`` (the ``k``-th by path, modulo their
    number) and return its path. With ``mtime_ahead`` its modification time moves that many
    seconds ahead, so a cache comparing file stats sees it changed without waiting."""
    specs = sorted((root / ".sdd" / "specs").rglob("spec.md"))
    path = specs[k % len(specs)]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)
    if mtime_ahead:
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + int(mtime_ahead * 1e9)))
    return path
