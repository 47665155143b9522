"""The ``mermaid:`` section of ``.sdd/config.yml``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MermaidSettings(BaseModel):
    """``mermaid:`` — how exported pages draw their diagrams."""

    model_config = ConfigDict(extra="forbid")

    script: str | None = Field(
        default=None, description="URL of mermaid.min.js to reference, or the path of a local copy"
                          " to put into exports (default: node_modules/mermaid/dist/)")
    theme: str = Field(default="neutral", description="Mermaid theme: default, neutral, dark, forest")
    max_graph_specs: int = Field(
        default=150, ge=0, description="the index page draws the whole dependency graph only up to"
                               " this many specs")
