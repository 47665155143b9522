"""The ``trace:`` section of ``.sdd/config.yml``: defaults for ``sdd sync``.

::

    trace:
      src: [src, tests]          # folders to scan (default: the whole project)
      include: []                # scan only files matching these globs
      exclude: ["generated/"]    # always skip these (added to --exclude)
      threshold: 80              # --threshold when not given
      gitignore: true            # respect .gitignore files
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TraceSettings(BaseModel):
    """Defaults for ``sdd sync`` (command-line options win)."""

    model_config = ConfigDict(extra="forbid")

    src: list[str] = Field(default_factory=list, description="folders to scan")
    include: list[str] = Field(default_factory=list, description="globs of files to scan")
    exclude: list[str] = Field(default_factory=list, description="globs to skip")
    threshold: float = Field(default=100.0, ge=0, le=100, description="coverage needed under --ci")
    gitignore: bool = True
