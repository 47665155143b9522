"""Shared fixtures: the plugin registered for every test, and a project builder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sdd_trace


@pytest.fixture(autouse=True)
def trace_plugin(sdd_plugin: Callable[..., Any]) -> None:
    """Every test here runs with the plugin registered under its entry-point name."""
    sdd_plugin(sdd_trace, "trace")


@pytest.fixture
def project(sdd_project: Callable[..., Any], spec_text: Callable[..., str]
            ) -> Callable[..., Path]:
    """``project(specs={"auth/login/spec.md": 3}, files={"src/a.py": "..."})``: a project
    whose specs have the given numbers of requirements, plus source files at the root."""

    def make(specs: dict[str, int | str], files: dict[str, str | bytes] | None = None
             ) -> Path:
        tree: dict[str, str | bytes] = {}
        for rel, spec in specs.items():
            if isinstance(spec, int):
                spec = spec_text(requirements=[f"The system SHALL do thing {i}."
                                               for i in range(1, spec + 1)])
            tree[rel] = spec
        for rel, content in (files or {}).items():
            tree["/" + rel] = content
        return sdd_project(tree).root

    return make


@pytest.fixture
def sync(run_sdd: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``sdd -C ROOT sync ARGS... --format json`` and return the result."""

    def run(root: Path, *args: str, fmt: str = "json") -> Any:
        return run_sdd("-C", str(root), "sync", *args, "--format", fmt)

    return run

