"""Review records as they are kept in a spec's front matter, and the content they bind to.

A spec's ``reviews:`` list holds one record per reviewer (their latest state)::

    reviews:
      - reviewer: '@alice'
        status: approved          # requested | approved | rejected | changes_requested
        date: '2026-01-05T10:00:00+00:00'
        comment: Looks right.
        content_hash: 3f0c...     # what alice approved (see content_hash below)
        requested_by: '@bob'

An approval counts only while the spec's content still hashes to the ``content_hash`` it
carries: the hash covers the body and the front matter minus the fields the review workflow
itself writes (:data:`REVIEW_FIELDS`), so recording a review or promoting a spec never makes
another approval stale, while any other edit does.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from sdd_core.model import normalize_user

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core.model import Spec

REVIEW_STATUSES: tuple[str, ...] = ("requested", "approved", "rejected", "changes_requested")
BLOCKING: frozenset[str] = frozenset({"rejected", "changes_requested"})
REVIEW_FIELDS: frozenset[str] = frozenset({"reviews", "status", "updated", "reviewers"})


def handle(user: str) -> str:
    """``@alice`` for ``alice`` or ``@alice``."""
    return "@" + normalize_user(str(user))


def now() -> str:
    """The current time as an ISO 8601 UTC timestamp (seconds)."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _canonical(value: Any) -> Any:
    """A JSON-ready copy with string keys, so the encoding is the same on every machine."""
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _default(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def content_hash(meta: dict[str, Any], body: str) -> str:
    """The hash an approval is bound to: the front matter minus :data:`REVIEW_FIELDS`
    (canonical JSON, sorted keys) and the body (line endings normalised, trailing blank
    lines ignored)."""
    kept = {str(k): v for k, v in meta.items() if str(k) not in REVIEW_FIELDS}
    try:
        fm = json.dumps(kept, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                        default=_default)
    except (TypeError, ValueError):  # non-string keys in nested mappings
        fm = json.dumps(_canonical(kept), sort_keys=True, ensure_ascii=False,
                        separators=(",", ":"))
    text = body.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    digest = hashlib.sha256()
    digest.update(fm.encode("utf-8"))
    digest.update(b"\n---\n")
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()[:32]


def spec_hash(spec: "Spec") -> str:
    """:func:`content_hash` of a parsed spec."""
    return content_hash(spec.meta, spec.body)


@dataclass(frozen=True)
class Review:
    """One reviewer's current state on one spec, as read from the front matter."""

    reviewer: str
    status: str
    date: str | None = None
    comment: str | None = None
    reason: str | None = None
    content_hash: str | None = None
    requested_by: str | None = None
    index: int = -1

    @property
    def user(self) -> str:
        """The reviewer's name without ``@``."""
        return normalize_user(self.reviewer)

    def is_stale(self, current_hash: str) -> bool:
        """Whether this decision was made on other content than ``current_hash``."""
        return self.status != "requested" and self.content_hash != current_hash

    def to_record(self) -> dict[str, Any]:
        """The front matter mapping (empty fields left out)."""
        data: dict[str, Any] = {"reviewer": self.reviewer, "status": self.status}
        for key in ("date", "comment", "reason", "content_hash", "requested_by"):
            value = getattr(self, key)
            if value not in (None, ""):
                data[key] = value
        return data


def read_reviews(records: Iterable[Any]) -> tuple[list[Review], list[str]]:
    """The usable records of a ``reviews:`` list (the last one per reviewer wins) and a
    description of each record that could not be used."""
    latest: dict[str, Review] = {}
    problems: list[str] = []
    for i, raw in enumerate(records):
        if not isinstance(raw, dict):
            problems.append(f"review #{i + 1} is not a mapping")
            continue
        who = raw.get("reviewer")
        status = str(raw.get("status", "")).strip().lower()
        if not who or not isinstance(who, str) or not normalize_user(who):
            problems.append(f"review #{i + 1} names no reviewer")
            continue
        if status not in REVIEW_STATUSES:
            problems.append(f"review #{i + 1} ({handle(who)}) has status {raw.get('status')!r};"
                            f" expected one of {', '.join(REVIEW_STATUSES)}")
            continue
        text = {k: None if raw.get(k) is None else str(raw[k])
                for k in ("date", "comment", "reason", "content_hash", "requested_by")}
        review = Review(reviewer=handle(who), status=status, index=i, **text)
        latest.pop(review.user, None)
        latest[review.user] = review
    return list(latest.values()), problems


def merge(records: list[Any], review: Review) -> list[Any]:
    """``records`` with ``review`` replacing the reviewer's earlier records (unusable records
    and other reviewers' records are kept as they are, in order)."""
    out: list[Any] = []
    placed = False
    for raw in records:
        same = (isinstance(raw, dict) and isinstance(raw.get("reviewer"), str)
                and normalize_user(raw["reviewer"]) == review.user)
        if same:
            if not placed:
                out.append(review.to_record())
                placed = True
            continue
        out.append(raw)
    if not placed:
        out.append(review.to_record())
    return out
