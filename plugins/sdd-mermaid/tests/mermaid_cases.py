"""Hostile titles the Mermaid tests draw."""

from __future__ import annotations

LONG_TITLE = ("A very long title that goes on and on about invoices, refunds, payments, "
              "currencies, taxes and the reconciliation of all of them every night")

NASTY_TITLES = {
    "auth/login": 'Login with "quotes" and [brackets] (parens) {braces}',
    "auth/session": "Session #1; expiry & <renewal> | pipes `ticks` 50%41",
    "billing/invoice": LONG_TITLE,
    "billing/refunds": "환불 처리 — Réfunds à la carte, naïve façade",
    "end": "**Bold** _italic_ [link](https://example.org) # heading; end",
    "o": "o -- x --> graph LR; click o callback",
}
