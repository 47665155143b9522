"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import time


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
