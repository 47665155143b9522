"""Validation rules of the review workflow.

- R001 (warning): an approved or implemented spec whose approvals went stale (it was edited
  after they were given), so that it no longer meets its gate: it needs review again.
- R002 (warning): a ``reviews:`` record that cannot be used (no reviewer, unknown status).
- R003 (info): an approved or implemented spec without the approvals its gate requires
  (a status set by hand, or reviews kept elsewhere).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Iterable

from sdd_core.model import Finding, Severity
from sdd_core.registry import Rule

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core.model import Spec
    from sdd_core.registry import RuleContext

    from sdd_review.api import GateResult

GATED = frozenset({"approved", "implemented"})
_memo: dict[str, Any] = {"ctx": None, "gates": {}}


def _gate(spec: "Spec", ctx: "RuleContext") -> "GateResult":
    """The spec's gate, computed once per validation run (R001 and R003 both need it)."""
    from sdd_review.api import gate

    ref = _memo["ctx"]
    if ref is None or ref() is not ctx:
        _memo["ctx"], _memo["gates"] = weakref.ref(ctx), {}
    gates: dict[str, GateResult] = _memo["gates"]
    key = f"{spec.path}\0{spec.hash}"
    if key not in gates:
        gates[key] = gate(ctx.project, spec)
    return gates[key]


def _stale(spec: "Spec", ctx: "RuleContext") -> Iterable[Finding]:
    if spec.status not in GATED or not spec.reviews:
        return []
    g = _gate(spec, ctx)
    if g.approved or not g.stale:
        return []
    return [STALE.finding(
        f"{spec.id} is {spec.status} but the spec changed after {', '.join(g.stale)}"
        f" approved it ({len(g.approvals)} of {g.required} required approvals are current):"
        f" it needs review again (`sdd review request {spec.id} --reviewers"
        f" {','.join(g.stale)}`)", spec, spec.line_of("status"))]


def _malformed(spec: "Spec", ctx: "RuleContext") -> Iterable[Finding]:
    raw = spec.meta.get("reviews")
    if not raw or not isinstance(raw, list):
        return []  # a non-list is already reported by the core's parser
    from sdd_review.records import read_reviews

    _, problems = read_reviews(raw)
    return [MALFORMED.finding(f"reviews: {p}", spec, spec.line_of("reviews")) for p in problems]


def _unapproved(spec: "Spec", ctx: "RuleContext") -> Iterable[Finding]:
    if spec.status not in GATED:
        return []
    g = _gate(spec, ctx)
    if g.approved or g.stale or g.required == 0:
        return []
    why = f"rejected by {', '.join(g.blocking)}" if g.blocking else (
        f"{len(g.approvals)} of {g.required} required approvals recorded")
    return [UNAPPROVED.finding(f"{spec.id} is {spec.status} without passing its review gate"
                               f" ({why})", spec, spec.line_of("status"))]


STALE = Rule(code="R001", severity=Severity.WARNING,
             summary="approved spec changed since its approvals: needs review again",
             check=_stale)
MALFORMED = Rule(code="R002", severity=Severity.WARNING,
                 summary="review record without a reviewer or with an unknown status",
                 check=_malformed)
UNAPPROVED = Rule(code="R003", severity=Severity.INFO,
                  summary="approved spec without the approvals its gate requires",
                  check=_unapproved)


def rules() -> list[Rule]:
    """Every rule of the review plugin."""
    return [STALE, MALFORMED, UNAPPROVED]
