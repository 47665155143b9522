"""Request and response models of the REST API (OpenAPI is generated from them).

Input models forbid unknown fields, so a body carrying ``role``, ``author`` or any field the
API does not accept is refused with 422 instead of being silently bound.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["draft", "review", "approved", "implemented", "deprecated"]
_ID = r"^[\w.-]+(/[\w.-]+)*$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SpecCreate(_In):
    """A new spec: either the whole file (``content``) or fields rendered by the project's
    spec template."""

    id: str = Field(..., min_length=1, max_length=200, pattern=_ID,
                    examples=["billing/invoice-export"])
    title: str | None = Field(None, max_length=300)
    status: Status = "draft"
    description: str | None = Field(None, max_length=2000)
    depends: list[str] = Field(default_factory=list, max_length=200)
    content: str | None = Field(None, max_length=900_000,
                                description="the whole file (front matter and body)")


class SpecUpdate(_In):
    """Changes to a spec: the whole file (``content``), or front matter fields and/or the
    body. Fields left out keep their value; every other key and comment is kept."""

    content: str | None = Field(None, max_length=900_000)
    title: str | None = Field(None, max_length=300)
    status: Status | None = None
    phase: int | None = Field(None, ge=0, le=10_000)
    depends: list[str] | None = Field(None, max_length=200)
    tags: list[str] | None = Field(None, max_length=100)
    reviewers: list[str] | None = Field(None, max_length=100)
    body: str | None = Field(None, max_length=900_000)


class ReviewRequest(_In):
    """Ask reviewers to review a spec."""

    reviewers: list[str] = Field(..., min_length=1, max_length=50, examples=[["@alice"]])
    message: str | None = Field(None, max_length=2000)


class ReviewDecision(_In):
    """Approve or reject the spec's current content."""

    decision: Literal["approve", "reject", "changes_requested"]
    comment: str | None = Field(None, max_length=2000)
    reason: str | None = Field(None, max_length=2000)


class LockRequest(_In):
    """Take a lock (renews it when you hold it already)."""

    ttl: int | None = Field(None, ge=10, le=86_400, description="seconds")
    force: bool = False


class AdvancedSearch(_In):
    """A query in the query language (docs/query.md)."""

    query: str = Field(..., min_length=1, max_length=2000,
                       examples=["status:review AND phase:2"])
    sort: str = Field("id", max_length=40)
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(50, ge=1, le=500)
    exact: bool = Field(False, description="match words and phrases as plain substrings"
                                           " instead of through the search backend")


class SpecSummary(BaseModel):
    """A spec in a listing."""

    id: str
    title: str
    status: str
    phase: int | None = None
    domain: str
    path: str
    depends: list[str]
    created: str | None = None
    updated: str | None = None
    author: str | None = None
    tags: list[str]
    version: str


class SpecDetail(SpecSummary):
    """A whole spec (the ``version`` is also the ``ETag``)."""

    model_config = ConfigDict(extra="allow")

    body: str
    description: str
    reviewers: list[str]
    meta: dict[str, Any]


class SpecPage(BaseModel):
    """One page of a listing."""

    items: list[SpecSummary]
    total: int
    page: int
    per_page: int
    pages: int


class Problem(BaseModel):
    """An error: ``error`` says what, ``hint`` what to do."""

    error: str
    hint: str | None = None
    status: int
