"""Typed results of the SDK (plain dataclasses; ``raw`` keeps the server's JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Spec:
    """A spec as the server returns it. ``version`` is what ``update`` needs."""

    id: str
    title: str
    status: str
    domain: str
    path: str
    version: str
    phase: int | None = None
    depends: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    author: str | None = None
    created: str | None = None
    updated: str | None = None
    description: str = ""
    body: str | None = None
    reviewers: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Spec":
        """Build from the API's JSON."""
        return cls(
            id=data["id"], title=data.get("title", ""), status=data.get("status", "draft"),
            domain=data.get("domain", ""), path=data.get("path", ""),
            version=data.get("version", ""), phase=data.get("phase"),
            depends=list(data.get("depends") or []), tags=list(data.get("tags") or []),
            author=data.get("author"), created=data.get("created"),
            updated=data.get("updated"), description=data.get("description", ""),
            body=data.get("body"), reviewers=list(data.get("reviewers") or []),
            meta=dict(data.get("meta") or {}), raw=data)


@dataclass
class SpecPage:
    """One page of a listing."""

    items: list[Spec]
    total: int
    page: int
    per_page: int
    pages: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SpecPage":
        return cls([Spec.from_json(i) for i in data["items"]], data["total"], data["page"],
                   data["per_page"], data["pages"])


@dataclass
class SearchHit:
    """One search result."""

    spec_id: str
    title: str
    score: float
    snippet: str
    domain: str = ""
    status: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SearchHit":
        return cls(data["spec_id"], data.get("title", ""), float(data.get("score") or 0),
                   data.get("snippet", ""), data.get("domain", ""), data.get("status", ""),
                   data)


@dataclass
class AffectedSpec:
    """A spec a change may affect, ``distance`` steps away along dependencies."""

    id: str
    title: str
    status: str
    domain: str
    distance: int


@dataclass
class Impact:
    """What a change to ``spec`` may affect."""

    spec: str
    affected_count: int
    direct_count: int
    affected: list[AffectedSpec]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Impact":
        return cls(data["spec"], data["affected_count"], data.get("direct_count", 0),
                   [AffectedSpec(a["id"], a.get("title", ""), a.get("status", ""),
                                 a.get("domain", ""), a.get("distance", 1))
                    for a in data.get("affected", [])])


@dataclass
class ReviewStatus:
    """A spec's reviews and approval gate."""

    spec: str
    status: str
    reviews: list[dict[str, Any]]
    gate: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ReviewStatus":
        return cls(data.get("id", ""), data.get("status", ""), list(data.get("reviews") or []),
                   dict(data.get("gate") or {}), data)


@dataclass
class Lock:
    """An edit lock."""

    spec: str
    owner: str
    acquired_at: str
    expires_at: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Lock":
        return cls(data["spec"], data["owner"], data["acquired_at"], data["expires_at"])


@dataclass
class Event:
    """A live event (``spec:updated``, ``review:requested``, ``notification`` ...)."""

    type: str
    spec: str | None
    actor: str | None
    timestamp: str | None
    domain: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Event":
        return cls(data.get("type", ""), data.get("spec"), data.get("actor"),
                   data.get("timestamp"), data.get("domain"), dict(data.get("data") or {}),
                   data)
