"""The review workflow as functions: what the ``sdd review`` commands (and the server) call.

Every change goes through the core's write path (:meth:`sdd_core.Project.update_spec`), so
the ``authorize`` hook, ``spec_before_save``, the event stream (``review.request``,
``review.approve``, ``review.reject``, ``review.promote``) and whatever listens to it (the
audit log) apply to reviews like to any other edit.

Who may do what:

- requesting a review asks ``authorize(actor, "review.request", spec)``;
- approving asks ``authorize(actor, "review.approve", spec)``, rejecting
  ``authorize(actor, "review.reject", spec)``. With no access plugin installed everyone may;
  with one, its rules decide (sdd-rbac answers from the domain's reviewers in
  ``access.yml``). A reviewer need not have been requested unless
  ``review.require_request`` is set;
- a spec's author may neither review nor be asked to, unless
  ``review.allow_self_approval`` is set;
- promoting asks ``authorize(actor, "review.promote", spec)`` and then the gate.

The write itself is a ``spec.update`` by the acting user, which the ``authorize`` hook is
asked about as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from sdd_core.errors import CheckFailed, PermissionDenied, SddError
from sdd_core.model import normalize_user

from sdd_review.records import (
    BLOCKING, Review, handle, merge, now, read_reviews, spec_hash,
)

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core.model import Actor, Spec
    from sdd_core.project import Project

    from sdd_review.settings import ReviewSettings

__all__ = [
    "GateResult", "PendingReview", "ReviewState", "ReviewStatus", "approve", "gate",
    "pending", "promote", "reject", "request", "settings", "split_users", "status", "status_of",
]

#: The life cycle ``promote`` walks, one step at a time.
NEXT_STATUS: dict[str, str] = {"draft": "review", "review": "approved",
                               "approved": "implemented"}


def settings(project: "Project") -> "ReviewSettings":
    """The project's ``review:`` settings (defaults when the section is absent, or when the
    plugin is used through its API without being registered)."""
    try:
        return project.settings("review")
    except AttributeError:
        from sdd_review.settings import ReviewSettings

        return ReviewSettings.model_validate({})


# ---------------------------------------------------------------- reading

@dataclass(frozen=True)
class ReviewState:
    """One reviewer's record with what it means for the current content."""

    review: Review
    stale: bool
    self_review: bool

    @property
    def state(self) -> str:
        """``requested``, ``approved``, ``rejected``, ``changes_requested``, or ``stale``
        (an approval of content that has changed since)."""
        if self.stale and self.review.status == "approved":
            return "stale"
        return self.review.status

    @property
    def counts(self) -> bool:
        """Whether this record counts as an approval of the current content."""
        return self.review.status == "approved" and not self.stale and not self.self_review

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        r = self.review
        return {
            "reviewer": r.reviewer, "status": r.status, "state": self.state,
            "stale": self.stale, "counts": self.counts, "self_review": self.self_review,
            "date": r.date, "comment": r.comment, "reason": r.reason,
            "content_hash": r.content_hash, "requested_by": r.requested_by,
        }


def _states(project: "Project", spec: "Spec", *, need_hash: bool = False
            ) -> tuple[list[ReviewState], str]:
    conf = settings(project)
    reviews, _ = read_reviews(spec.reviews)
    current = spec_hash(spec) if reviews or need_hash else ""
    author = normalize_user(spec.author) if spec.author else None
    states = [ReviewState(
        review=r,
        stale=conf.stale_on_edit and r.is_stale(current),
        self_review=(not conf.allow_self_approval and author is not None
                     and r.user == author),
    ) for r in reviews]
    return states, current


@dataclass
class GateResult:
    """Whether a spec may move to its next status, and why (not)."""

    spec_id: str
    status: str
    target: str | None
    allowed: bool
    required: int
    approvals: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def approved(self) -> bool:
        """Whether the current content has enough approvals and no standing rejection."""
        return len(self.approvals) >= self.required and not self.blocking

    def explain(self) -> str:
        """One line for people."""
        if self.target is None:
            return "; ".join(self.reasons)
        verdict = "may move" if self.allowed else "may not move"
        text = f"{self.spec_id} {verdict} from {self.status} to {self.target}"
        return text if self.allowed else f"{text}: {'; '.join(self.reasons)}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "spec": self.spec_id, "status": self.status, "next": self.target,
            "allowed": self.allowed, "required_approvals": self.required,
            "approvals": list(self.approvals), "stale": list(self.stale),
            "blocking": list(self.blocking), "requested": list(self.requested),
            "ignored": list(self.ignored), "reasons": list(self.reasons),
        }


def gate(project: "Project", spec: "Spec") -> GateResult:
    """Whether ``spec`` may be promoted to its next status under the project's gates.

    draft → review needs a requested (or recorded) review; review → approved and
    approved → implemented need ``required_approvals`` current approvals (per domain, else
    global) and no standing rejection. An approval is current when the spec still has the
    content it approved (see :func:`sdd_review.records.content_hash`), and never counts when
    given by the spec's author (unless ``allow_self_approval``).
    """
    conf = settings(project)
    states, _ = _states(project, spec)
    required = conf.required_for(spec.domain)
    g = GateResult(spec_id=spec.id, status=spec.status, target=NEXT_STATUS.get(spec.status),
                   allowed=False, required=required)
    for s in states:
        who = s.review.reviewer
        if s.self_review and s.review.status != "requested":
            g.ignored.append(who)
        elif s.counts:
            g.approvals.append(who)
        elif s.review.status == "approved" and s.stale:
            g.stale.append(who)
        elif s.review.status in BLOCKING:
            g.blocking.append(who)
        elif s.review.status == "requested":
            g.requested.append(who)

    if g.target is None:
        g.reasons.append(f"{spec.id} is {spec.status}: " + (
            "it is the last status of the life cycle" if spec.status == "implemented"
            else "deprecated specs are not promoted" if spec.status == "deprecated"
            else f"{spec.status!r} is not a status of the review life cycle"))
        return g
    if spec.status == "draft":
        g.allowed = bool(states)
        if not g.allowed:
            g.reasons.append("no review has been requested"
                             f" (run `sdd review request {spec.id} --reviewers @name`)")
        return g

    if len(g.approvals) < required:
        have = f"{len(g.approvals)} of {required} required approval{'s' if required != 1 else ''}"
        if g.approvals:
            have += f" ({', '.join(g.approvals)})"
        g.reasons.append(have)
    if g.stale:
        g.reasons.append(f"stale approval{'s' if len(g.stale) > 1 else ''} from"
                         f" {', '.join(g.stale)}: the spec changed after"
                         f" {'they' if len(g.stale) > 1 else 'it was'} approved; it needs"
                         " review again")
    if g.blocking:
        g.reasons.append(f"rejected by {', '.join(g.blocking)}")
    if g.ignored:
        g.reasons.append(f"{', '.join(g.ignored)} is the author: a self-review does not count")
    if g.requested and len(g.approvals) < required:
        g.reasons.append(f"waiting for {', '.join(g.requested)}")
    g.allowed = g.approved
    if g.allowed:
        g.reasons = []
    return g


@dataclass
class ReviewStatus:
    """A spec's reviews and its gate, as ``sdd review status`` shows them."""

    spec: "Spec"
    content_hash: str
    reviews: list[ReviewState]
    gate: GateResult
    problems: list[str]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.spec.id, "title": self.spec.title, "status": self.spec.status,
            "domain": self.spec.domain, "author": handle(self.spec.author)
            if self.spec.author else None,
            "content_hash": self.content_hash,
            "reviews": [r.to_json() for r in self.reviews],
            "gate": self.gate.to_json(), "problems": list(self.problems),
        }


def status(project: "Project", spec_id: str, actor: "Actor | None" = None) -> ReviewStatus:
    """The reviews of one spec, each marked current or stale, and its gate."""
    return status_of(project, project.get(spec_id, actor))


def status_of(project: "Project", spec: "Spec") -> ReviewStatus:
    """:func:`status` of a spec already read (or just written)."""
    states, current = _states(project, spec, need_hash=True)
    _, problems = read_reviews(spec.reviews)
    return ReviewStatus(spec=spec, content_hash=current, reviews=states,
                        gate=gate(project, spec), problems=problems)


@dataclass(frozen=True)
class PendingReview:
    """A review waiting for a reviewer: requested, or an approval that went stale."""

    spec_id: str
    title: str
    status: str
    reviewer: str
    state: str
    requested_by: str | None
    date: str | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"spec": self.spec_id, "title": self.title, "status": self.status,
                "reviewer": self.reviewer, "state": self.state,
                "requested_by": self.requested_by, "date": self.date}


def pending(project: "Project", reviewer: str | None = None,
            actor: "Actor | None" = None) -> list[PendingReview]:
    """Reviews waiting for ``reviewer`` (everyone's when ``None``) on the specs ``actor``
    may view: requested ones, and approvals made stale by an edit. Sorted by spec and
    reviewer."""
    wanted = normalize_user(reviewer) if reviewer else None
    out: list[PendingReview] = []
    for spec in project.specs(actor):
        if not spec.reviews or spec.status == "deprecated":
            continue
        states, _ = _states(project, spec)
        for s in states:
            if wanted is not None and s.review.user != wanted:
                continue
            if s.state not in ("requested", "stale"):
                continue
            out.append(PendingReview(spec.id, spec.title, spec.status, s.review.reviewer,
                                     s.state, s.review.requested_by, s.review.date))
    return sorted(out, key=lambda p: (p.spec_id, p.reviewer))


# ---------------------------------------------------------------- writing

def _records(spec: "Spec") -> list[Any]:
    raw = spec.meta.get("reviews")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise SddError(f"{spec.path}: 'reviews' is not a list; reviews cannot be recorded",
                       hint="fix the front matter (or remove the key) and try again")
    return list(raw)


def _check_open(spec: "Spec") -> None:
    if spec.status == "deprecated":
        raise SddError(f"{spec.id} is deprecated; it is not reviewed any more",
                       hint="set another status first if it is back in use")


def _check_decider(project: "Project", spec: "Spec", who: "Actor", verb: str) -> Review | None:
    conf = settings(project)
    project.authorize(who, f"review.{verb}", spec)
    if (not conf.allow_self_approval and spec.author
            and normalize_user(spec.author) == who.name):
        raise PermissionDenied(f"{who.handle} is the author of {spec.id} and may not {verb} it",
                               hint="ask another reviewer (or set review.allow_self_approval"
                                    " in .sdd/config.yml)")
    reviews, _ = read_reviews(spec.reviews)
    mine = next((r for r in reviews if r.user == who.name), None)
    if conf.require_request and mine is None:
        raise PermissionDenied(f"{who.handle} was not asked to review {spec.id}",
                               hint=f"`sdd review request {spec.id} --reviewers"
                                    f" {who.handle}` first (review.require_request is set)")
    return mine


def split_users(users: Iterable[str]) -> list[str]:
    """User names (without ``@``, no duplicates) from ``@a,@b`` style values."""
    out: list[str] = []
    for raw in users:
        for part in str(raw).split(","):
            name = normalize_user(part)
            if name and name not in out:
                out.append(name)
    return out


def request(project: "Project", spec_id: str, reviewers: Iterable[str],
            message: str | None = None, actor: "Actor | None" = None) -> ReviewStatus:
    """Ask ``reviewers`` to review a spec (``@a``, ``b`` or ``"@a,@b"``).

    Each reviewer's record becomes ``requested`` (a reviewer asked again, say after an
    edit, starts over); they are added to the spec's ``reviewers:`` list; a draft moves to
    ``review``. Emits ``review.request``.
    """
    who = actor or project.actor
    spec = project.get(spec_id, who)
    _check_open(spec)
    names = split_users(reviewers)
    if not names:
        raise SddError("no reviewers given", hint="--reviewers @alice,@bob")
    conf = settings(project)
    author = normalize_user(spec.author) if spec.author else None
    if author in names and not conf.allow_self_approval:
        raise SddError(f"@{author} is the author of {spec.id} and cannot review it",
                       hint="ask someone else (or set review.allow_self_approval)")
    project.authorize(who, "review.request", spec)

    records = _records(spec)
    date = now()
    for name in names:
        records = merge(records, Review(reviewer=handle(name), status="requested", date=date,
                                        comment=message or None, requested_by=who.handle))
    changes: dict[str, Any] = {"reviews": records}
    listed = spec.meta.get("reviewers")
    current = list(spec.reviewers)
    missing = [n for n in names if n not in current]
    if missing:
        base = listed if isinstance(listed, list) else [handle(n) for n in current]
        changes["reviewers"] = [*base, *(handle(n) for n in missing)]
    new_status = "review" if spec.status == "draft" else spec.status
    if new_status != spec.status:
        changes["status"] = new_status
    written = project.update_spec(spec.id, changes, actor=who, expected_hash=spec.hash,
                                  event="review.request", details={
                                      "reviewers": [handle(n) for n in names],
                                      "message": message, "from": spec.status,
                                      "to": new_status,
                                  })
    return status_of(project, written)


def approve(project: "Project", spec_id: str, comment: str | None = None,
            actor: "Actor | None" = None) -> ReviewStatus:
    """Approve the spec's current content. Emits ``review.approve``.

    Raises ``PermissionDenied`` when the ``authorize`` hook refuses ``review.approve``, the
    actor is the author, or (with ``require_request``) was not asked.
    """
    who = actor or project.actor
    spec = project.get(spec_id, who)
    _check_open(spec)
    mine = _check_decider(project, spec, who, "approve")
    digest = spec_hash(spec)
    review = Review(reviewer=who.handle, status="approved", date=now(), comment=comment or None,
                    content_hash=digest, requested_by=mine.requested_by if mine else None)
    records = merge(_records(spec), review)
    details = {"reviewer": who.handle, "comment": comment, "content_hash": digest,
               "previous": mine.status if mine else None}
    written = project.update_spec(spec.id, {"reviews": records}, actor=who,
                                  expected_hash=spec.hash, event="review.approve",
                                  details=details)
    return status_of(project, written)


def reject(project: "Project", spec_id: str, reason: str, actor: "Actor | None" = None,
           *, changes_requested: bool = False) -> ReviewStatus:
    """Reject the spec's current content (or ask for changes) with a reason. A standing
    rejection blocks promotion until the reviewer approves or is asked again. Emits
    ``review.reject``; ``PermissionDenied`` as for :func:`approve`, with ``review.reject``."""
    if not reason or not reason.strip():
        raise SddError("a rejection needs a reason", hint='--reason "what must change"')
    who = actor or project.actor
    spec = project.get(spec_id, who)
    _check_open(spec)
    mine = _check_decider(project, spec, who, "reject")
    digest = spec_hash(spec)
    verdict = "changes_requested" if changes_requested else "rejected"
    review = Review(reviewer=who.handle, status=verdict, date=now(), reason=reason.strip(),
                    content_hash=digest, requested_by=mine.requested_by if mine else None)
    records = merge(_records(spec), review)
    details = {"reviewer": who.handle, "reason": reason.strip(), "status": verdict,
               "content_hash": digest, "previous": mine.status if mine else None}
    written = project.update_spec(spec.id, {"reviews": records}, actor=who,
                                  expected_hash=spec.hash, event="review.reject",
                                  details=details)
    return status_of(project, written)


def promote(project: "Project", spec_id: str, actor: "Actor | None" = None) -> GateResult:
    """Move a spec one step along draft → review → approved → implemented when its gate
    allows; raise ``CheckFailed`` naming every reason when it does not. Emits
    ``review.promote``. Returns the gate that allowed the step."""
    who = actor or project.actor
    spec = project.get(spec_id, who)
    project.authorize(who, "review.promote", spec)
    g = gate(project, spec)
    if not g.allowed or g.target is None:
        why = "; ".join(g.reasons)
        where = f"from {g.status} to {g.target}" if g.target else "any further"
        raise CheckFailed(f"cannot promote {spec.id} {where}: {why}",
                          hint=f"`sdd review status {spec.id}` shows every review")
    project.update_spec(spec.id, {"status": g.target}, actor=who, expected_hash=spec.hash,
                        event="review.promote", details={
                            "from": spec.status, "to": g.target,
                            "approvals": list(g.approvals), "required": g.required,
                        })
    return g
