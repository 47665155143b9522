"""Fixtures of the audit plugin's tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def audit(sdd_entrypoints: Callable[..., None]) -> None:
    """Load the installed ``audit`` entry point (and only it)."""
    sdd_entrypoints("audit")


@pytest.fixture
def proj(audit: None, sdd_project: Callable[..., Any], spec_text: Callable[..., str]) -> Any:
    """A project with two specs and the audit plugin loaded."""
    return sdd_project({
        "auth/login/spec.md": spec_text("auth/login", title="Login"),
        "billing/invoice/spec.md": spec_text("billing/invoice", title="Invoice"),
    })
