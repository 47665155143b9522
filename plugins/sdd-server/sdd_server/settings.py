"""The ``server:`` section of ``.sdd/config.yml``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ServerSettings(BaseModel):
    """``server:`` — how ``sdd server start`` runs (flags override these)."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(3000, ge=1, le=65535)
    database_url: str | None = Field(
        None, description="postgresql://... for teams; default: SQLite in .sdd/.cache/server.db")
    audit_views: bool = Field(True, description="emit spec.view / spec.export events on reads")
    lock_ttl: int = Field(900, ge=10, description="seconds a lock lasts unless renewed")
    max_body_bytes: int = Field(1024 * 1024, ge=1024, description="largest request body")
    token_cache_seconds: float = Field(2.0, ge=0, description="how long a verified token is"
                                       " trusted before it is checked again")
    refresh_interval: float = Field(2.0, gt=0, description="seconds between checks for spec"
                                    " files changed outside the server")
