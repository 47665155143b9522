"""Fixtures: a project whose ids, titles and steps try every way to break Mermaid text."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mermaid_cases import NASTY_TITLES


@pytest.fixture
def mermaid_plugin(sdd_plugin: Callable[[Any, str], Any]) -> Any:
    """The plugin, registered for the test as an installed plugin would be."""
    import sdd_mermaid

    return sdd_plugin(sdd_mermaid, "mermaid")


@pytest.fixture
def nasty_files(spec_text: Callable[..., str]) -> dict[str, str]:
    """Spec files with hostile titles, ids, steps, a missing dependency and cross-domain
    dependencies; plus a domains.yml."""
    files = {
        "auth/login/spec.md": spec_text(title=NASTY_TITLES["auth/login"], status="implemented",
                                        extra={"phase": 1}),
        "auth/session/spec.md": spec_text(title=NASTY_TITLES["auth/session"], status="approved",
                                          depends=["auth/login"], extra={"phase": 1}),
        "billing/invoice/spec.md": spec_text(
            title=NASTY_TITLES["billing/invoice"], status="review",
            depends=["auth/session", "billing/ghost"], extra={"phase": 2}),
        "billing/refunds/spec.md": spec_text(
            title=NASTY_TITLES["billing/refunds"], status="draft", depends="billing/invoice",
            scenarios=0, extra={"phase": 2},
            body_extra="""
            ### Scenario 1: 환불 "요청" [승인]
            - **GIVEN** a paid invoice with total > 100 & currency "EUR"
            - **AND** the customer's account #42; still open
            - **WHEN** the customer asks for a refund `now`
            - **BUT** the card expired
            - **THEN** the refund is booked <em>as credit</em>
            - **AND** an e-mail says "done" — 완료

            ### Scenario 2: empty
            """),
        "end.md": spec_text("end", title=NASTY_TITLES["end"], status="deprecated",
                            depends=["auth/login", "o"]),
        "o.md": spec_text("o", title=NASTY_TITLES["o"], status="draft",
                          depends=["billing/refunds"], extra={"phase": 3}),
        ".sdd/domains.yml": (
            "domains:\n"
            "  auth:\n    description: Sign-in\n    dependencies: {uses: [], extends: [], implements: []}\n"
            "  billing:\n    description: Money\n    dependencies:\n      uses: [auth]\n"
            "      extends: []\n      implements: [common]\n"
            "  common:\n    description: Shared\n"
        ),
    }
    return files
