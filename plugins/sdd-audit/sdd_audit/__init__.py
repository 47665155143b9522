"""SDD audit plugin: a tamper-evident, append-only record of every change.

Hooks: ``on_event`` writes one record per event to ``.sdd/audit/YYYY-MM.jsonl`` (a hash
chain; a failure to write raises, so the action does not happen); ``spec_before_save`` keeps
the new text so the record can carry a diff; ``register_settings`` declares the ``audit:``
config section (retention by domain classification); ``register_commands`` adds
``sdd audit logs|export|verify|prune|head``.

Public API: :func:`sdd_audit.chain.AuditLog` (``append``, ``records``, ``verify``,
``prune``), :func:`audit_log` (the project's log), :func:`search` (filtered records).
Only click and sdd_core's light names are imported at module level.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sdd_core import hookimpl

if TYPE_CHECKING:  # pragma: no cover
    import click

    from sdd_audit.chain import AuditLog
    from sdd_core.model import Actor, Event, Spec
    from sdd_core.project import Project

__all__ = [
    "audit_log",
    "on_event",
    "register_commands",
    "register_settings",
    "search",
    "spec_before_save",
]


def audit_log(project: Project) -> AuditLog:
    """The project's audit log (``.sdd/audit``)."""
    from sdd_audit.recorder import audit_log as _log

    return _log(project)


def search(project: Project, **filters: Any) -> list[dict[str, Any]]:
    """Records matching ``actor``, ``action``, ``resource``, ``since``, ``until`` (see
    :func:`sdd_audit.query.matches`), oldest first."""
    from sdd_audit.query import Filters

    f = Filters.build(**filters)
    return [r for r in audit_log(project).records() if f.matches(r)]


@hookimpl
def register_settings(register: Callable[[str, type], None]) -> None:
    from sdd_audit.settings import AuditSettings

    register("audit", AuditSettings)


@hookimpl
def spec_before_save(project: Project, old: Spec | None, new: Spec, text: str,
                     actor: Actor) -> None:
    from sdd_audit.recorder import remember_text

    remember_text(project, new, text)


@hookimpl
def on_event(project: Project, event: Event) -> None:
    from sdd_audit.recorder import record_event

    record_event(project, event)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from sdd_audit.cli import add_commands

    add_commands(cli)
