"""The ``review:`` section of ``.sdd/config.yml``: the approval gates."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DomainGate(BaseModel):
    """The gate of one domain (``review.domains.<name>``)."""

    model_config = ConfigDict(extra="forbid")

    required_approvals: int = Field(1, ge=0, description="current approvals needed to promote")


class ReviewSettings(BaseModel):
    """``review:`` — how many approvals a spec needs, and who may give them."""

    model_config = ConfigDict(extra="forbid")

    required_approvals: int = Field(1, ge=0, description="current approvals needed to promote"
                                    " a spec (every domain without its own number)")
    domains: dict[str, DomainGate] = Field(default_factory=dict,
                                           description="per-domain gates, by domain name")
    allow_self_approval: bool = Field(False, description="whether a spec's author may"
                                      " approve or reject it")
    stale_on_edit: bool = Field(True, description="an edit after an approval makes the"
                                " approval stale (it no longer counts)")
    require_request: bool = Field(False, description="only reviewers whose review was"
                                  " requested may approve or reject")

    def required_for(self, domain: str) -> int:
        """The number of current approvals a spec of ``domain`` needs."""
        gate = self.domains.get(domain)
        return gate.required_approvals if gate is not None else self.required_approvals
