"""Fixtures of the RBAC plugin's tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rbac_helpers import MATRIX_POLICY


@pytest.fixture
def rbac(sdd_entrypoints: Callable[..., None]) -> None:
    """Load the installed ``rbac`` entry point (and only it)."""
    sdd_entrypoints("rbac")


@pytest.fixture
def governed(rbac: None, sdd_project: Callable[..., Any], spec_text: Callable[..., str]) -> Any:
    """A project with specs in domains own, other and secret (restricted), and the
    matrix policy."""
    return sdd_project({
        "own/a/spec.md": spec_text("own/a", title="Own A"),
        "other/b/spec.md": spec_text("other/b", title="Other B"),
        "secret/c/spec.md": spec_text("secret/c", title="Secret C"),
        ".sdd/access.yml": MATRIX_POLICY,
    })
