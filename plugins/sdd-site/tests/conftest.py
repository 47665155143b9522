"""Fixtures: a small shop project with domains, dependencies, links and awkward titles."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def site_plugin(sdd_plugin: Callable[[Any, str], Any]) -> Any:
    """The site plugin, registered for the test."""
    import sdd_site

    return sdd_plugin(sdd_site, "site")


@pytest.fixture
def shop_files(spec_text: Callable[..., str]) -> dict[str, str]:
    """Seven specs in three domains; ``billing/refunds`` links to another spec's file and
    to a source file that is not part of the site."""
    return {
        "auth/login/spec.md": spec_text(
            title="Login", status="implemented", extra={"phase": 1, "tags": ["security"]},
            requirements=["The system SHALL check the password.",
                          "The system MUST lock the account after 5 failures."]),
        "auth/session/spec.md": spec_text(title="Session", status="approved",
                                          depends=["auth/login"], extra={"phase": 1},
                                          scenarios=2),
        "billing/invoice/spec.md": spec_text(title='Invoice "PDF" <export> & more',
                                             status="review", depends=["auth/session"],
                                             extra={"phase": 2}),
        "billing/refunds/spec.md": spec_text(
            title="환불 처리 (Refunds)", status="draft",
            depends=["billing/invoice", "billing/ghost"], extra={"phase": 2},
            body_extra="""
            ## Notes

            See [the invoice](../invoice/spec.md#req-01), [login](/.sdd/specs/auth/login/spec.md)
            and [the code](../../../../src/refunds.py); [docs](https://example.org/refunds).
            """),
        "notifications/digest.md": spec_text(title="Weekly digest", status="deprecated",
                                             depends=["billing/invoice"]),
        "weird id.md": spec_text("Weird: id?*", title="Weird <script>alert(1)</script>",
                                 status="review"),
        "common/readme-like.md": spec_text(title="Glossary", status="approved",
                                           scenarios=0),
    }
