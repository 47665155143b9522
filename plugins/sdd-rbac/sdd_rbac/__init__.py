"""SDD RBAC plugin: who may do what, from ``.sdd/access.yml``.

Hooks: ``authorize`` answers every access question the core and other plugins ask, from the
project's ``access.yml`` (abstaining when the project has none, so a solo project needs no
setup); ``register_commands`` adds ``sdd access check|grant|revoke|init|list|roles``.

Public API: :func:`decide` (pure: policy, actor, action, resource -> :class:`Decision`),
:func:`load_policy` (the project's :class:`Policy`, or ``None``), :data:`ROLES`.
Only click and sdd_core's light names are imported at module level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sdd_core import hookimpl

if TYPE_CHECKING:  # pragma: no cover
    import click

    from sdd_core.model import Actor
    from sdd_core.project import Project
    from sdd_rbac.policy import Decision, Policy

__all__ = ["authorize", "decide", "load_policy", "register_commands"]


def decide(policy: Policy, actor: Any, action: str, resource: Any = None) -> Decision:
    """See :func:`sdd_rbac.policy.decide`."""
    from sdd_rbac.policy import decide as _decide

    return _decide(policy, actor, action, resource)


def load_policy(project: Project) -> Policy | None:
    """See :func:`sdd_rbac.policy.load_policy`."""
    from sdd_rbac.policy import load_policy as _load

    return _load(project)


@hookimpl
def authorize(actor: Actor, action: str, resource: Any,
              project: Project | None) -> bool | None:
    if project is None:
        return None
    from sdd_rbac.policy import decide as _decide
    from sdd_rbac.policy import load_policy as _load

    policy = _load(project)
    if policy is None:
        return None
    return _decide(policy, actor, action, resource).allowed


# decisions read only a resource's domain: a listing's SpecSummary is enough
authorize.accepts_summaries = True  # type: ignore[attr-defined]


@hookimpl
def register_commands(cli: click.Group) -> None:
    from sdd_rbac.cli import add_commands

    add_commands(cli)
