"""The ``audit:`` section of ``.sdd/config.yml``: retention by domain classification.

.. code-block:: yaml

    audit:
      retention:              # how long records are kept, per classification
        default: 2y           # Nd, Nw, Nm (months), Ny, or "forever"
        sensitive: 7y
        compliance: 10y
      classification:         # domain -> classification (others are "default")
        billing: compliance
        hr: sensitive
      max_diff_bytes: 65536   # larger diffs are replaced by a summary
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_RETENTION: dict[str, str] = {"default": "2y", "sensitive": "7y", "compliance": "10y"}
DURATION = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$")
FOREVER = ("forever", "never", "none")


def parse_duration(text: str | None) -> tuple[int, str] | None:
    """``"2y"`` -> ``(2, "y")``; ``None`` for "forever". Raises ``ValueError`` otherwise."""
    if text is None or str(text).strip().lower() in FOREVER:
        return None
    m = DURATION.match(str(text).lower())
    if not m:
        raise ValueError(f"{text!r} is not a duration: use Nd, Nw, Nm, Ny or 'forever'")
    return int(m.group(1)), m.group(2)


def add_duration(when: dt.datetime, duration: tuple[int, str]) -> dt.datetime:
    """``when`` plus a duration; months and years follow the calendar (31 Jan + 1m = 28/29
    Feb, 29 Feb + 1y = 28 Feb)."""
    n, unit = duration
    if unit == "d":
        return when + dt.timedelta(days=n)
    if unit == "w":
        return when + dt.timedelta(weeks=n)
    months = n if unit == "m" else 12 * n
    total = when.month - 1 + months
    year, month = when.year + total // 12, total % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


class AuditSettings(BaseModel):
    """``audit:`` settings."""

    model_config = ConfigDict(extra="forbid")

    retention: dict[str, str | None] = Field(
        default_factory=dict,
        description="classification -> duration; merged over default 2y, sensitive 7y,"
                    " compliance 10y")
    classification: dict[str, str] = Field(default_factory=dict,
                                           description="domain -> classification")
    max_diff_bytes: int = Field(65536, ge=0, description="larger diffs become a summary")

    @field_validator("retention")
    @classmethod
    def _durations(cls, value: dict[str, Any]) -> dict[str, Any]:
        for text in value.values():
            parse_duration(None if text is None else str(text))
        return {k: None if v is None else str(v) for k, v in value.items()}

    @model_validator(mode="after")
    def _known_classes(self) -> AuditSettings:
        classes = self.effective_retention()
        for domain, cls in self.classification.items():
            if cls not in classes:
                raise ValueError(f"classification of domain {domain!r} is {cls!r}, which has"
                                 f" no retention (known: {', '.join(sorted(classes))})")
        return self

    def effective_retention(self) -> dict[str, str | None]:
        """The retention table: the defaults with the configured values over them."""
        return {**DEFAULT_RETENTION, **self.retention}

    def class_of(self, domain: str | None) -> str:
        """The classification of a domain (``default`` when not listed)."""
        return self.classification.get(domain or "", "default")

    def expires(self, record: dict[str, Any]) -> dt.datetime | None:
        """When a record may be pruned, or ``None`` when it is kept forever."""
        from sdd_audit.chain import parse_timestamp

        duration = parse_duration(self.effective_retention().get(
            self.class_of(record.get("domain")), DEFAULT_RETENTION["default"]))
        if duration is None:
            return None
        return add_duration(parse_timestamp(record["timestamp"]), duration)
