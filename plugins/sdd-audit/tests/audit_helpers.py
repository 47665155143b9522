"""Helpers shared by the audit plugin's tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any


def audit_dir(project: Any) -> Path:
    return Path(project.root) / ".sdd" / "audit"


def read_records(project: Any) -> list[tuple[str, int, dict[str, Any]]]:
    """(file name, line number, record) for every line of every month file."""
    out = []
    for path in sorted(audit_dir(project).glob("*.jsonl")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            out.append((path.name, i, json.loads(line)))
    return out


def expected_hash(record: dict[str, Any]) -> str:
    """The chain hash, computed here independently of the plugin: SHA-256 of the record
    without 'hash', keys sorted, no whitespace, UTF-8."""
    body = {k: v for k, v in record.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def emit(project: Any, type_: str, *, when: dt.datetime | None = None, user: str = "tester",
         resource: str | None = None, **details: Any) -> None:
    """Send one event through the project (so the audit plugin records it)."""
    from sdd_core import Actor, Event

    kwargs: dict[str, Any] = {}
    if when is not None:
        kwargs["timestamp"] = when
    project.emit(Event(type=type_, actor=Actor(name=user), resource=resource,
                       details=details, **kwargs))
