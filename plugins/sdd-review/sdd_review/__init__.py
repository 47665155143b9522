"""SDD plugin: the review workflow.

``sdd review request|approve|reject|pending|status|promote``: reviews are recorded in each
spec's front matter (``reviews:``), bound to the content they judged, and a spec moves along
draft → review → approved → implemented only when its approval gate (``review:`` in
``.sdd/config.yml``) allows. The logic is in :mod:`sdd_review.api`, which the commands (and
the server) call.

Only click and sdd_core's light names are imported here; the settings model, the API and
the rules are imported when a command, the config or validation needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from sdd_core import hookimpl

if TYPE_CHECKING:  # pragma: no cover
    import click

    from sdd_core.registry import Rule

__version__ = "0.1.0"
__all__ = ["register_commands", "register_rules", "register_settings"]


@hookimpl
def register_commands(cli: "click.Group") -> None:
    """Add the ``sdd review`` group."""
    from sdd_review.commands import add_commands

    add_commands(cli)


@hookimpl
def register_settings(register: Callable[[str, type], Any]) -> None:
    """Declare the ``review:`` section of ``.sdd/config.yml`` (the approval gates)."""
    from sdd_review.settings import ReviewSettings

    register("review", ReviewSettings)


@hookimpl
def register_rules(register: "Callable[[Rule], None]") -> None:
    """R001 stale approvals, R002 unusable review records, R003 approved without approvals."""
    from sdd_review.rules import rules

    for rule in rules():
        register(rule)
