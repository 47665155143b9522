"""Filtering records for ``sdd audit logs`` and ``sdd audit export``."""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass
from typing import Any

from sdd_audit.chain import parse_timestamp
from sdd_core.errors import SddError


def _verb_forms(action: str) -> set[str]:
    """``spec.deleted`` also answers to ``spec.delete``; ``access.granted`` to
    ``access.grant`` (events are named in either form)."""
    forms = {action}
    if action.endswith("ed"):
        forms.add(action[:-1])
        forms.add(action[:-2])
    return forms


def action_matches(pattern: str, action: str) -> bool:
    """Whether ``action`` matches ``pattern``: exactly, by verb form (``spec.delete`` finds
    ``spec.deleted``), or as a glob (``spec.*``)."""
    return any(fnmatch.fnmatchcase(form, pattern) for form in _verb_forms(action))


def parse_when(text: str, *, end: bool = False) -> dt.datetime:
    """``2026-03-01`` (the start of that day, or its end with ``end``) or a full ISO time;
    times without a zone are UTC."""
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            value = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
            return value.replace(tzinfo=dt.UTC)
        return parse_timestamp(text)
    except ValueError:
        raise SddError(f"{text!r} is not a date", hint="use YYYY-MM-DD or an ISO time such"
                       " as 2026-03-01T12:00:00Z") from None


@dataclass(frozen=True)
class Filters:
    """What ``sdd audit logs`` filters by; every given filter must match."""

    actor: str | None = None
    action: str | None = None
    resource: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    @classmethod
    def build(cls, actor: str | None = None, action: str | None = None,
              resource: str | None = None, since: str | None = None,
              until: str | None = None) -> Filters:
        """Filters from the command-line strings."""
        return cls(actor=("@" + actor.strip().lstrip("@")) if actor else None,
                   action=action or None, resource=resource or None,
                   since=parse_when(since) if since else None,
                   until=parse_when(until, end=True) if until else None)

    def matches(self, record: dict[str, Any]) -> bool:
        """Whether the record passes every filter."""
        if self.actor is not None and record.get("actor") != self.actor:
            return False
        if self.action is not None and not action_matches(self.action,
                                                          str(record.get("action", ""))):
            return False
        if self.resource is not None:
            res = record.get("resource") or ""
            if res != self.resource and not fnmatch.fnmatchcase(res, self.resource):
                return False
        if self.since is not None or self.until is not None:
            try:
                when = parse_timestamp(str(record.get("timestamp")))
            except ValueError:
                return False
            if self.since is not None and when < self.since:
                return False
            if self.until is not None and when > self.until:
                return False
        return True
