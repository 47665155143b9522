"""Helpers the review tests import (a module of its own: every plugin has a conftest.py, so
``from conftest import ...`` would reach whichever one was imported first)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def spec_file(root: Path, spec_id: str) -> Path:
    """The file of a spec made by ``make_project``."""
    return root / ".sdd" / "specs" / spec_id / "spec.md"


def front_matter(root: Path, spec_id: str) -> dict[str, Any]:
    """The spec's front matter as YAML reads it."""
    import yaml

    text = spec_file(root, spec_id).read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])
