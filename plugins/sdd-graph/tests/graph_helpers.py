"""Helpers for the graph plugin's tests: small specs and line lookups."""

from __future__ import annotations

from typing import Any


def spec(spec_id: str, *, depends: list[str] | None = None, status: str = "draft",
         body: str = "", domain: str | None = None, **extra: Any) -> str:
    """A small valid spec with an explicit id (and optional depends, status, body text)."""
    from sdd_core.testing import make_spec_text

    meta = dict(extra)
    if domain is not None:
        meta["domain"] = domain
    return make_spec_text(spec_id, title=f"Spec {spec_id}", status=status, depends=depends,
                          extra=meta or None, body_extra=body)


def line_of(text: str, prefix: str) -> int:
    """The 1-based number of the first line of ``text`` starting with ``prefix``."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(prefix):
            return number
    raise AssertionError(f"no line starts with {prefix!r}")
