"""Fixtures of the DBML plugin's tests: projects whose specs describe data models."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from dbml_helpers import CUSTOMERS, INVOICES, LEDGER


@pytest.fixture
def dbml(sdd_entrypoints: Callable[..., None]) -> None:
    """Load the installed ``dbml`` entry point (and only it)."""
    sdd_entrypoints("dbml")


@pytest.fixture
def model_project(dbml: None, sdd_project: Callable[..., Any]) -> Path:
    """Three specs: two with field tables, one with a DBML block; every reference resolves."""
    return sdd_project({
        "crm/customers/spec.md": CUSTOMERS,
        "billing/invoices/spec.md": INVOICES,
        "billing/ledger/spec.md": LEDGER,
    }).root
