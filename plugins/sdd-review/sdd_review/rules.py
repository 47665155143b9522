"""Validation rules of the review workflow.

- R001 (warning): an approved or implemented spec whose approvals went stale (it was edited
  after they were given), so that it no longer meets its gate: it needs review again.
- R002 (warning): a ``reviews:`` record that cannot be used (no reviewer, unknown status).
- R003 (info): an approved or implemented spec without the approvals its gate requires
  (a status set by hand, or reviews kept elsewhere).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from sdd_core.model import Finding, Severity
from sdd_core.registry import Rule

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core.model import Spec
    from sdd_core.registry import RuleContext

GATED = frozenset({"approved", "implemented"})


def _stale(spec: "Spec", ctx: "RuleContext") -> Iterable[Finding]:
    if spec.status not in GATED or not spec.reviews:
        return []
    from sdd_review.api import gate

    g = gate(ctx.project, spec)
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
    from sdd_review.api import gate

    g = gate(ctx.project, spec)
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
