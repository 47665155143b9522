"""Fixtures of the review plugin's tests."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, Callable

import pytest


@pytest.fixture
def review(sdd_entrypoints: Callable[..., None]) -> None:
    """Load the installed ``review`` entry point (and only it) for the test."""
    sdd_entrypoints("review")


@pytest.fixture
def make_project(review: None, sdd_project: Callable[..., Any],
                 spec_text: Callable[..., str]) -> Callable[..., Path]:
    """``make_project({"auth/login": "alice"}, config="review: ...")``: a project whose
    specs (``DOMAIN/NAME`` -> author) are drafts; returns its root."""

    def make(specs: dict[str, str | None], config: str | None = None,
             status: str = "draft") -> Path:
        files: dict[str, str] = {}
        for spec_id, author in specs.items():
            extra = {"author": author} if author else {}
            files[f"{spec_id}/spec.md"] = spec_text(spec_id, title=spec_id.split("/")[-1],
                                                    status=status, extra=extra)
        if config is not None:
            files[".sdd/config.yml"] = textwrap.dedent(config)
        return sdd_project(files).root

    return make
