"""Turning an :class:`sdd_core.Event` into an audit record, and writing it (fail closed)."""

from __future__ import annotations

import difflib
import socket
import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from sdd_audit.chain import AuditLog, AuditWriteError, format_timestamp
from sdd_core.errors import SddError

if TYPE_CHECKING:
    from sdd_core.model import Event, Spec
    from sdd_core.project import Project

AUDIT_DIR = "audit"
KNOWN_DETAILS = ("before", "after", "reason")
# text of specs about to be written, by (project root, path): filled by spec_before_save so
# the record can carry a diff; consumed by the matching event
_PENDING: OrderedDict[tuple[str, str], tuple[str, Spec]] = OrderedDict()
_PENDING_MAX = 64


def audit_log(project: Project) -> AuditLog:
    """The project's audit log (``.sdd/audit``)."""
    return AuditLog(project.sdd_dir / AUDIT_DIR, label=f".sdd/{AUDIT_DIR}")


def remember_text(project: Project, new: Spec, text: str) -> None:
    """Keep the text of a spec about to be written, for the diff in its record."""
    key = (str(project.root), new.path)
    _PENDING[key] = (text, new)
    _PENDING.move_to_end(key)
    while len(_PENDING) > _PENDING_MAX:
        _PENDING.popitem(last=False)


def tool_version() -> str:
    """``sdd-core X / sdd-audit Y``."""
    from importlib.metadata import PackageNotFoundError, version

    from sdd_core import __version__

    try:
        mine = version("sdd-audit")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        mine = "unknown"
    return f"sdd-core {__version__}; sdd-audit {mine}"


_HOST: list[str] = []
_VERSION: list[str] = []


def build_entry(project: Project, event: Event) -> dict[str, Any]:
    """The record for ``event`` (without ``seq``, ``prev_hash`` and ``hash``)."""
    from sdd_core.cli.output import to_jsonable

    settings = project.settings("audit")
    raw = dict(to_jsonable(event.details) or {})
    path = raw.get("path") if isinstance(raw.get("path"), str) else None
    before_text, after_text, spec = _texts(project, path, raw.get("before"), raw.get("after"))
    details: dict[str, Any] = {
        "before": raw.pop("before", None),
        "after": raw.pop("after", None),
        "diff": None,
        "reason": raw.pop("reason", None),
    }
    details.update(raw)
    if path is not None and (details["before"] or details["after"]):
        details["diff"] = _diff(path, details["before"], details["after"], before_text,
                                after_text, settings.max_diff_bytes)
    if not _HOST:
        _HOST.append(socket.gethostname())
        _VERSION.append(tool_version())
    return {
        "id": str(uuid.uuid4()),
        "timestamp": format_timestamp(event.timestamp),
        "actor": event.actor.handle,
        "action": event.type,
        "resource": event.resource,
        "domain": _domain(project, event, raw, path, spec),
        "details": details,
        "metadata": {"source": event.actor.source, "tool_version": _VERSION[0],
                     "hostname": _HOST[0]},
    }


def record_event(project: Project, event: Event) -> dict[str, Any]:
    """Write the record for ``event``; raise :class:`AuditWriteError` if it cannot be written
    (the core then does not carry out the action)."""
    log = audit_log(project)
    try:
        entry = build_entry(project, event)
        return log.append(entry)
    except SddError:
        raise
    except Exception as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise AuditWriteError(
            f"cannot write the audit record for {event.type}"
            f"{' on ' + event.resource if event.resource else ''} to {log.label}/: {reason};"
            " the action was not carried out",
            hint=f"make {log.label}/ writable (and check free space), then retry;"
                 " `sdd audit verify` checks the log") from exc


def _texts(project: Project, path: str | None, before: Any, after: Any
           ) -> tuple[str | None, str | None, Spec | None]:
    from sdd_core.parsing import content_hash

    if path is None:
        return None, None, None
    before_text = after_text = None
    spec = None
    pending = _PENDING.pop((str(project.root), path), None)
    if pending is not None:
        text, spec = pending
        if after and content_hash(text.encode("utf-8")) == after:
            after_text = text
    if before:
        try:
            data = project.storage.read(path)
        except (OSError, KeyError):
            data = None
        if data is not None and content_hash(data) == before:
            before_text = data.decode("utf-8", errors="replace")
    return before_text, after_text, spec


def _diff(path: str, before: Any, after: Any, before_text: str | None,
          after_text: str | None, limit: int) -> str:
    have_before = before_text is not None or not before
    have_after = after_text is not None or not after
    if not (have_before and have_after):
        return f"content {before or 'none'} -> {after or 'none'} (text not available)"
    a = (before_text or "").splitlines(keepends=True)
    b = (after_text or "").splitlines(keepends=True)
    lines = list(difflib.unified_diff(a, b, fromfile=f"a/{path}" if before else "/dev/null",
                                      tofile=f"b/{path}" if after else "/dev/null"))
    lines = [ln if ln.endswith("\n") else ln + "\n\\ No newline at end of file\n"
             for ln in lines]
    text = "".join(lines)
    if len(text.encode("utf-8")) > limit:
        added = sum(1 for ln in lines if ln.startswith("+") and not ln.startswith("+++"))
        removed = sum(1 for ln in lines if ln.startswith("-") and not ln.startswith("---"))
        return (f"+{added} -{removed} lines; diff omitted (over {limit} bytes);"
                f" content {before or 'none'} -> {after or 'none'}")
    return text


def _domain(project: Project, event: Event, details: dict[str, Any], path: str | None,
            spec: Spec | None) -> str | None:
    if isinstance(details.get("domain"), str):
        return details["domain"]
    if spec is not None:
        return spec.domain
    if path is not None:
        from sdd_core.parsing import domain_from_path, parse_spec

        prefix = project.specs_rel + "/"
        rel = path.removeprefix(prefix)
        try:
            parsed = parse_spec(project.storage.read(path), path, rel).spec
        except (OSError, KeyError):
            parsed = None
        return parsed.domain if parsed is not None else domain_from_path(rel)
    if event.resource and event.type.startswith(("spec.", "review.", "lock.")):
        try:
            found = project.index().get(event.resource)
        except SddError:
            found = None
        if found is not None:
            return found.domain
    return None
