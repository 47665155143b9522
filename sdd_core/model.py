"""The spec model: what a spec file means once parsed, plus findings, actors and events.

Models are pydantic so that plugins, the server and the SDK share one schema. Parts of a spec
(steps, scenarios, requirements, sections, links) are slotted dataclasses, which pydantic
validates and serialises like models but which cost a tenth to build. The parser
builds them with ``model_construct`` from values it has already checked (a project of 10,000
specs is parsed on every run without a cache), so validation cost is paid once, in the parser.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sdd_core.basics import (  # noqa: F401  (public here too)
    RFC2119_KEYWORDS, STATUSES, STEP_KINDS, Actor, Severity, normalize_user,
)
from sdd_core.index import summary_of
from sdd_core.parts import Link, Requirement, Scenario, Section, Step  # noqa: F401

class Finding(BaseModel):
    """One problem a rule found, with where it is."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    code: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    spec_id: str | None = None

    def location(self) -> str:
        """``path:line`` (or just the path) for messages."""
        if self.path is None:
            return "<project>"
        return f"{self.path}:{self.line}" if self.line else self.path


class Spec(BaseModel):
    """A parsed spec file.

    ``meta`` holds the whole front matter as read (unknown keys included); the typed fields
    are the normalised view of it. ``path`` is relative to the project root, POSIX style.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    id: str
    path: str
    title: str = ""
    status: str = "draft"
    phase: int | None = None
    domain: str = "common"
    depends: list[str] = Field(default_factory=list)
    created: _dt.date | None = None
    updated: _dt.date | None = None
    author: str | None = None
    reviewers: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    constitution_version: str | None = None
    reviews: list[dict[str, Any]] = Field(default_factory=list)
    description: str = ""
    requirements: list[Requirement] = Field(default_factory=list)
    scenarios: list[Scenario] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    mentions: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)
    meta_lines: dict[str, int] = Field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    title_line: int | None = None
    hash: str = ""

    def line_of(self, key: str) -> int:
        """The file line of a front matter key (the first line of the file if absent)."""
        return self.meta_lines.get(key, 1)

    def summary(self) -> dict[str, Any]:
        """The metadata a listing shows (no body)."""
        return summary_of(self)

    def to_json(self, *, body: bool = True) -> dict[str, Any]:
        """A JSON-ready dict of the whole spec."""
        data = self.model_dump(mode="json")
        data.pop("meta_lines", None)
        if not body:
            data.pop("body", None)
        return data


class Event(BaseModel):
    """One change flowing through the ``on_event`` hook.

    ``type`` is dotted: ``spec.created``, ``spec.updated``, ``spec.deleted``,
    ``review.request``, ``review.approve``, ``review.reject``, ``lock.acquired``, ...
    """

    model_config = ConfigDict(defer_build=True)

    type: str
    actor: Actor
    resource: str | None = None
    timestamp: _dt.datetime = Field(
        default_factory=lambda: _dt.datetime.now(_dt.timezone.utc)
    )
    details: dict[str, Any] = Field(default_factory=dict)
