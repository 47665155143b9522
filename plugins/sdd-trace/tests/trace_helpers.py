"""Small helpers for reading ``sdd sync --format json`` reports in tests."""

from __future__ import annotations

from typing import Any


def statuses(data: dict[str, Any]) -> dict[str, str]:
    """``{requirement id: status}`` of a JSON report."""
    return {r["id"]: r["status"] for r in data["requirements"]}


def locations(refs: list[dict[str, Any]]) -> list[str]:
    """``path:line`` of JSON references."""
    return [f"{r['path']}:{r['line']}" for r in refs]
