"""The five roles, what each may do, and how they inherit.

Roles are ordered: viewer < contributor < reviewer < domain_admin < org_admin. Each role
has its own permissions plus everything of the role it ``inherits``. ``domain_admin`` and the
roles below it are granted per domain; ``org_admin`` holds for the whole project and may do
everything, including actions no table lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    """A role: its name, rank, scope, own permissions and the role it inherits."""

    name: str
    rank: int
    scope: str  # "domain" or "org"
    permissions: frozenset[str]
    inherits: str | None = None
    description: str = ""


ALL = "*"

ROLES: dict[str, Role] = {r.name: r for r in (
    Role("viewer", 1, "domain", frozenset({"spec.view", "spec.export"}),
         description="reads and exports the domain's specs"),
    Role("contributor", 2, "domain",
         frozenset({"spec.create", "spec.update", "review.request", "review.promote",
                    "lock.acquire", "lock.release"}),
         inherits="viewer", description="writes specs and asks for their review"),
    Role("reviewer", 3, "domain", frozenset({"review.approve", "review.reject"}),
         inherits="contributor", description="approves or rejects reviews"),
    Role("domain_admin", 4, "domain",
         frozenset({"spec.delete", "access.grant", "access.revoke", "lock.force"}),
         inherits="reviewer", description="deletes specs, grants roles in the domain,"
                                          " breaks locks"),
    Role("org_admin", 5, "org", frozenset({ALL}), inherits="domain_admin",
         description="everything, everywhere (audit log, configuration, every domain)"),
)}
ORDER: tuple[str, ...] = tuple(sorted(ROLES, key=lambda n: ROLES[n].rank))
ALIASES = {"admin": "domain_admin", "owner": "org_admin"}

# the actions the tables above and the core know about (for `sdd access roles` and tests)
KNOWN_ACTIONS: tuple[str, ...] = (
    "spec.view", "spec.export", "spec.create", "spec.update", "spec.delete",
    "review.request", "review.promote", "review.approve", "review.reject",
    "lock.acquire", "lock.release", "lock.force",
    "access.grant", "access.revoke", "audit.view", "audit.prune",
)


def role_name(text: str) -> str:
    """The canonical role name for ``text`` (``admin`` is ``domain_admin``); raises
    ``KeyError`` for an unknown one."""
    name = text.strip().lower().replace("-", "_")
    name = ALIASES.get(name, name)
    if name not in ROLES:
        raise KeyError(text)
    return name


def permissions(role: str, extra: dict[str, Iterable[str]] | None = None) -> frozenset[str]:
    """Everything ``role`` may do: its own permissions, its ``extra`` ones from
    ``access.yml``, and those of every role it inherits."""
    out: set[str] = set()
    name: str | None = role
    while name is not None:
        r = ROLES[name]
        out |= r.permissions
        if extra:
            out |= set(extra.get(name, ()))
        name = r.inherits
    return frozenset(out)


def lowest_role_with(action: str, extra: dict[str, Iterable[str]] | None = None) -> str:
    """The least role that may do ``action`` (``org_admin`` when no other may)."""
    for name in ORDER:
        perms = permissions(name, extra)
        if action in perms or ALL in perms:
            return name
    return "org_admin"  # pragma: no cover - org_admin has ALL
