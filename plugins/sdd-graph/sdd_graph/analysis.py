"""Impact analysis and the project report, computed from a :class:`SpecGraph`.

Risk of changing a spec
    Every spec the change can reach (its dependents, direct and transitive) adds
    ``kind x status / distance`` to a score:

    - ``kind``: 1.0 when every edge on the path to it is explicit (``depends``), 0.5 when the
      path uses an inferred edge (a link or a mention: weaker coupling);
    - ``status``: what a change costs there: implemented 1.5, approved 1.25, review 1.0,
      draft 0.75, deprecated 0.25;
    - ``distance``: 1 for a direct dependent, 2 for one through another spec, ...

    Level: ``none`` without dependents; ``low`` under 3; ``medium`` under 10; ``high`` from
    10. The level is raised to at least ``medium`` when the spec is on a dependency cycle
    (the change comes back to it) and to ``high`` when its dependents are at least a quarter
    of the project's other specs (and at least 4).

Health of the project (``sdd impact report``)
    100, minus 10 per dependency cycle (at most 40), minus 20 x the share of orphan specs
    (no edge at all), minus 2 per ``depends`` entry naming no spec (at most 20); never below
    0. Graded like quality: A>=90, B>=80, C>=70, D>=60, else F.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sdd_graph.graph import EXPLICIT, Cycle, Reached, SpecGraph, find_cycles, on_cycle, walk

STATUS_WEIGHT: dict[str, float] = {
    "implemented": 1.5, "approved": 1.25, "review": 1.0, "draft": 0.75, "deprecated": 0.25,
}
INFERRED_WEIGHT = 0.5
LOW_BELOW = 3.0
MEDIUM_BELOW = 10.0


def grade(score: float) -> str:
    """A>=90, B>=80, C>=70, D>=60, otherwise F."""
    for letter, floor in (("A", 90), ("B", 80), ("C", 70), ("D", 60)):
        if score >= floor:
            return letter
    return "F"


def weight(sg: SpecGraph, reached: Reached) -> float:
    """What one reached spec adds to the risk score (see the module docstring)."""
    kind = 1.0 if reached.explicit else INFERRED_WEIGHT
    status = STATUS_WEIGHT.get(sg.specs[reached.id].status, 1.0)
    return kind * status / reached.distance


@dataclass
class Risk:
    """The risk of changing a spec, with what it was computed from."""

    level: str
    score: float
    direct: int
    transitive: int
    in_cycle: bool
    share: float
    reasons: list[str]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"level": self.level, "score": self.score, "direct": self.direct,
                "transitive": self.transitive, "in_cycle": self.in_cycle,
                "share": round(self.share, 4), "reasons": self.reasons}


def risk(sg: SpecGraph, origin: str, reached: list[Reached]) -> Risk:
    """The risk of changing ``origin`` given the dependents ``reached``."""
    score = round(sum(weight(sg, r) for r in reached), 2)
    direct = sum(1 for r in reached if r.distance == 1)
    in_cycle = on_cycle(sg, origin)
    others = max(len(sg.specs) - 1, 1)
    share = len(reached) / others
    reasons: list[str] = []
    if not reached:
        level = "none"
    elif score < LOW_BELOW:
        level = "low"
    elif score < MEDIUM_BELOW:
        level = "medium"
    else:
        level = "high"
    reasons.append(f"score {score:g} from {len(reached)} dependent(s)")
    order = ["none", "low", "medium", "high"]
    if in_cycle and order.index(level) < order.index("medium"):
        level = "medium"
        reasons.append("on a dependency cycle: raised to medium")
    elif in_cycle:
        reasons.append("on a dependency cycle")
    if len(reached) >= 4 and share >= 0.25 and level != "high":
        level = "high"
        reasons.append(f"reaches {share:.0%} of the other specs: raised to high")
    return Risk(level, score, direct, len(reached) - direct, in_cycle, share, reasons)


def reached_json(sg: SpecGraph, reached: list[Reached], *, with_weight: bool) -> list[dict[str, Any]]:
    """Rows for output: id, distance, path, kind, status (and weight)."""
    rows = []
    for r in reached:
        spec = sg.specs[r.id]
        row: dict[str, Any] = {
            "id": r.id, "distance": r.distance, "path": list(r.path),
            "kind": EXPLICIT if r.explicit else "inferred", "status": spec.status,
            "domain": spec.domain,
        }
        if with_weight:
            row["weight"] = round(weight(sg, r), 3)
        rows.append(row)
    return rows


def impact(sg: SpecGraph, origin: str, *, depth: int | None = None,
           reverse: bool = False) -> dict[str, Any]:
    """The impact of changing ``origin`` (or, with ``reverse``, what it depends on)."""
    reached = walk(sg, origin, reverse=reverse, depth=depth)
    spec = sg.specs[origin]
    data: dict[str, Any] = {"id": origin, "title": spec.title, "status": spec.status,
                            "direction": "dependencies" if reverse else "dependents",
                            "depth": depth}
    key = "dependencies" if reverse else "dependents"
    data[key] = reached_json(sg, reached, with_weight=not reverse)
    if not reverse:
        data["risk"] = risk(sg, origin, reached).to_json()
    return data


def report(sg: SpecGraph, *, top: int = 10) -> dict[str, Any]:
    """Most-connected specs, orphans, every dependency cycle, dangling refs and health."""
    in_deg = {n: len(p) for n, p in sg.pred.items()}
    out_deg = {n: len(p) for n, p in sg.succ.items()}
    ranked = sorted(sg.succ, key=lambda n: (-(in_deg[n] + out_deg[n]), n))
    most = [{"id": n, "dependents": in_deg[n], "dependencies": out_deg[n],
             "degree": in_deg[n] + out_deg[n]} for n in ranked[:top] if in_deg[n] + out_deg[n]]
    orphans = sorted(n for n in sg.succ if in_deg[n] + out_deg[n] == 0)
    cycles = find_cycles(sg.explicit_succ())
    counts = sg.counts()
    total = counts["specs"]
    penalties = {
        "cycles": min(40.0, 10.0 * len(cycles)),
        "orphans": round(20.0 * len(orphans) / total, 2) if total > 1 else 0.0,
        "dangling": min(20.0, 2.0 * len(sg.dangling)),
    }
    score = max(0.0, round(100.0 - sum(penalties.values()), 1))
    return {
        **counts,
        "most_connected": most,
        "orphans": orphans,
        "cycles": [cycle_json(c) for c in cycles],
        "dangling": [{"spec": d.spec_id, "ref": d.ref} for d in sg.dangling],
        "health": {"score": score, "grade": grade(score), "penalties": penalties},
    }


def cycle_json(cycle: Cycle) -> dict[str, Any]:
    """A cycle for output."""
    return {"members": list(cycle.members), "path": list(cycle.path), "size": len(cycle.members)}
