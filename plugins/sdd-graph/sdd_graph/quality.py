"""Quality score of a spec: criteria, each worth some points, summed to a score out of 100.

Built-in criteria (100 points), all computed from the parsed spec:

==================  ====  ===============================================================
criterion           max   points
==================  ====  ===============================================================
rfc2119             10    2 per distinct RFC 2119 keyword used (MUST, MUST NOT, SHALL, ...)
scenarios           20    5 per complete scenario (at least one GIVEN, WHEN and THEN)
requirements        15    5 for a ``## Requirements`` section, plus 2 per ``REQ-`` requirement
                          whose text carries an RFC 2119 keyword (at most 10)
dependencies        10    10 when ``depends`` is set and every entry names a spec; 5 when
                          no dependency is declared; 10 x resolved / declared otherwise
structure           15    4 each for an H1 title, a Requirements and a Scenarios section;
                          1 each for Overview, Constraints and Notes sections
constitution        10    10 with no constitution, or a ``constitution_version`` of the
                          constitution's major version; 5 when it is a major version
                          behind or not semver; 0 when missing
links               10    5, plus 1 per Markdown link or per mention of another spec
                          (backticks or ``[[id]]``) that resolves (at most 10)
metadata            10    2 each for ``id``, ``title``, ``status`` in the front matter;
                          1 each for ``created``, ``updated``, ``author``, ``tags``
==================  ====  ===============================================================

Grade: A>=90, B>=80, C>=70, D>=60, otherwise F. Plugins add criteria (or replace a built-in
one by name) through the ``register_quality_criteria`` hook; when the maxima do not add up
to 100 the score is ``100 x points / max`` rounded to one decimal.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Project, Spec

ScoreFn = Callable[["Spec"], "tuple[float, str]"]
QUALITY_VERSION = 1  # bump when a content-only built-in criterion changes
_open_memos: list[Any] = []


def flush_memos() -> None:
    """Save what the built-in criteria learnt this run (``.sdd/.cache/quality.json``)."""
    while _open_memos:
        _open_memos.pop().save()


@dataclass(frozen=True)
class Criterion:
    """A quality criterion: ``score(spec) -> (points, note)``, ``0 <= points <= max_points``."""

    name: str
    max_points: float
    score: ScoreFn
    description: str = ""
    builtin: bool = field(default=False, compare=False)


@dataclass
class Scored:
    """One spec's score with its breakdown."""

    id: str
    score: float
    grade: str
    points: float
    max_points: float
    breakdown: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"id": self.id, "score": self.score, "grade": self.grade, "points": self.points,
                "max": self.max_points, "criteria": self.breakdown}


# ---------------------------------------------------------------- built-in criteria

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.-]+)?$")
_SCENARIOS_SECTION = re.compile(r"^(?:scenarios?|시나리오)\b", re.IGNORECASE)
_REQUIREMENTS_SECTION = re.compile(r"^(?:requirements?|요구\s?사항)\b", re.IGNORECASE)


def _level2(spec: Spec, pattern: re.Pattern[str]) -> bool:
    return any(s.level == 2 and pattern.match(s.title) for s in spec.sections)


def rfc2119(spec: Spec) -> tuple[float, str]:
    kinds = sorted(set(spec.keywords))
    if not kinds:
        return 0, "no RFC 2119 keyword"
    return min(10, 2 * len(kinds)), f"{len(kinds)} keyword type(s): {', '.join(kinds)}"


def scenarios(spec: Spec) -> tuple[float, str]:
    complete = sum(1 for sc in spec.scenarios if sc.complete)
    incomplete = len(spec.scenarios) - complete
    note = f"{complete} complete scenario(s)"
    if incomplete:
        note += f", {incomplete} without GIVEN/WHEN/THEN"
    return min(20, 5 * complete), note


def requirements(spec: Spec) -> tuple[float, str]:
    section = _level2(spec, _REQUIREMENTS_SECTION)
    clear = sum(1 for r in spec.requirements if r.keywords)
    vague = len(spec.requirements) - clear
    points = (5 if section else 0) + min(10, 2 * clear)
    note = ("Requirements section" if section else "no Requirements section")
    note += f", {clear} requirement(s) with a keyword"
    if vague:
        note += f", {vague} without"
    return points, note


def structure(spec: Spec) -> tuple[float, str]:
    h2 = [s.title.lower() for s in spec.sections if s.level == 2]
    have = {
        "title": spec.title_line is not None,
        "requirements": _level2(spec, _REQUIREMENTS_SECTION),
        "scenarios": _level2(spec, _SCENARIOS_SECTION),
    }
    extras = {name: any(t.startswith(name) for t in h2)
              for name in ("overview", "constraints", "notes")}
    points = 4 * sum(have.values()) + sum(extras.values())
    missing = [k for k, v in {**have, **extras}.items() if not v]
    return points, "complete" if not missing else f"missing: {', '.join(missing)}"


def metadata(spec: Spec) -> tuple[float, str]:
    meta = spec.meta
    points = 2 * sum(1 for k in ("id", "title", "status") if meta.get(k) not in (None, ""))
    points += sum(1 for k in ("created", "updated", "author", "tags")
                  if meta.get(k) not in (None, "", []))
    missing = [k for k in ("id", "title", "status", "created", "updated", "author", "tags")
               if meta.get(k) in (None, "", [])]
    return points, "complete" if not missing else f"missing: {', '.join(missing)}"


def builtin_criteria(project: Project) -> list[Criterion]:
    """The built-in criteria; those needing the project (constitution, other specs) close
    over it."""
    from sdd_graph.refcache import HashMemo, RefMemo

    state: dict[str, Any] = {}
    memo = HashMemo(project, "quality", QUALITY_VERSION)
    ref_memo = RefMemo(project)
    _open_memos.extend((memo, ref_memo))

    def content_only(fn: ScoreFn) -> ScoreFn:
        """``fn`` answered from the memo when the spec's content was scored before."""
        name = fn.__name__

        def cached(spec: Spec) -> tuple[float, str]:
            entry = memo.get(spec.hash)
            if isinstance(entry, dict) and name in entry:
                points, note = entry[name]
                return points, note
            points, note = fn(spec)
            if spec.hash:
                entry = entry if isinstance(entry, dict) else {}
                entry[name] = [points, note]
                memo.put(spec.hash, entry)
            return points, note
        return cached

    def by_id() -> dict[str, Spec]:
        if "by_id" not in state:
            state["by_id"] = {s.id: s for s in project.specs()}
        return state["by_id"]

    def dependencies(spec: Spec) -> tuple[float, str]:
        if not spec.depends:
            return 5, "no dependency declared"
        specs = by_id()
        unresolved = [d for d in spec.depends if project.resolve_ref(d, specs, spec) is None]
        n = len(spec.depends)
        if not unresolved:
            return 10, f"{n} dependency(ies), all resolve"
        return (10 * (n - len(unresolved)) // n,
                f"{len(unresolved)} of {n} dependencies name no spec: {', '.join(unresolved)}")

    def constitution(spec: Spec) -> tuple[float, str]:
        const = project.constitution
        if const is None or const.major is None:
            return 10, "no constitution to check against"
        if not spec.constitution_version:
            return 0, "no constitution_version"
        m = _SEMVER.match(spec.constitution_version)
        if m is None:
            return 5, f"constitution_version {spec.constitution_version!r} is not semver"
        if int(m.group(1)) < const.major:
            return 5, (f"written against {spec.constitution_version}, a major version behind"
                       f" {const.version}")
        return 10, f"written against {spec.constitution_version}"

    def links(spec: Spec) -> tuple[float, str]:
        specs = by_id()
        targets, mentions = ref_memo.refs(spec)
        n_links = sum(1 for t in targets if t.strip() and not t.strip().startswith("#"))
        n_refs = 0
        for mention in mentions:
            hit = specs.get(mention) or project.resolve_ref(mention, specs)
            if hit is not None and hit.id != spec.id:
                n_refs += 1
        return (min(10, 5 + n_links + n_refs),
                f"{n_links} link(s), {n_refs} spec reference(s)")

    def make(name: str, max_points: float, fn: ScoreFn, description: str) -> Criterion:
        return Criterion(name, max_points, fn, description, builtin=True)

    return [
        make("rfc2119", 10, content_only(rfc2119), "2 per distinct RFC 2119 keyword"),
        make("scenarios", 20, content_only(scenarios), "5 per complete GIVEN/WHEN/THEN scenario"),
        make("requirements", 15, content_only(requirements),
             "5 for a Requirements section + 2 per REQ- with a keyword (max 10)"),
        make("dependencies", 10, dependencies, "10 when depends resolves, 5 when none"),
        make("structure", 15, content_only(structure),
             "4 each for title/Requirements/Scenarios, 1 each for Overview/Constraints/Notes"),
        make("constitution", 10, constitution, "constitution_version of the current major"),
        make("links", 10, links, "5 + 1 per link or resolved spec reference (max 10)"),
        make("metadata", 10, content_only(metadata),
             "2 each for id/title/status, 1 each for created/updated/author/tags"),
    ]


# ---------------------------------------------------------------- scoring

def collect_criteria(project: Project) -> list[Criterion]:
    """Every criterion registered through ``register_quality_criteria``.

    A criterion named like a built-in one replaces it; two plugins registering the same
    name: the one collected last wins, with a warning.
    """
    from sdd_graph import ensure_hookspecs

    pm = project.pm
    ensure_hookspecs(pm)
    _open_memos.clear()  # memos of an earlier, unflushed collection are simply dropped
    chosen: dict[str, tuple[str, Criterion]] = {}
    for provider, item in pm.collect("register_quality_criteria", project=project):
        if not isinstance(item, Criterion):
            print(f"sdd: warning: plugin {provider!r} registered {item!r} as a quality"
                  " criterion; it is skipped (register sdd_graph.Criterion objects)",
                  file=sys.stderr)
            continue
        old = chosen.get(item.name)
        if old is not None:
            if item.builtin and not old[1].builtin:
                continue
            if not old[1].builtin:
                print(f"sdd: warning: quality criterion {item.name!r} is registered by both"
                      f" {old[0]!r} and {provider!r}; using {provider!r}'s", file=sys.stderr)
        chosen[item.name] = (provider, item)
    return [c for _, c in chosen.values()]


def score_spec(spec: Spec, criteria: list[Criterion]) -> Scored:
    """Score one spec against ``criteria``."""
    points: float = 0
    maximum: float = 0
    breakdown = []
    for c in criteria:
        try:
            got, note = c.score(spec)
        except Exception as exc:  # noqa: BLE001 - one broken criterion must not stop the rest
            got, note = 0, f"criterion failed: {type(exc).__name__}: {exc}"
        if got.__class__ is not int:
            got = _num(float(got))
        got = 0 if got < 0 else min(got, c.max_points)
        points += got
        maximum += c.max_points
        breakdown.append({"name": c.name, "points": got, "max": c.max_points, "note": note})
    score = round(100.0 * points / maximum, 1) if maximum else 0.0
    return Scored(spec.id, _num(score), _grade(score), _num(points), _num(maximum), breakdown)


def _grade(score: float) -> str:
    from sdd_graph.analysis import grade

    return grade(score)


def _num(x: float) -> float:
    """An integer when the value is whole (``10`` rather than ``10.0``), else 2 decimals."""
    return int(x) if float(x).is_integer() else round(x, 2)  # type: ignore[return-value]
