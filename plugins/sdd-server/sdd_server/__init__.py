"""SDD server plugin: one team server in front of a project's spec files.

Hooks:

- ``register_commands``: ``sdd server start|token|migrate|connect|invite``, ``sdd edit``,
  ``sdd lock status``, ``sdd config set|get``;
- ``register_settings``: the ``server:`` section of ``.sdd/config.yml``;
- ``authenticate``: API tokens (``{"scheme": "bearer", "token": ..., "tokens": TokenStore}``)
  become ``Actor(name, source="api", roles=(role,))``;
- ``authorize``: a token's role is a ceiling: an API actor may do no more than its token's
  role allows (any deny wins, so ``access.yml`` still decides everything below it);
- ``on_event``: events raised while the server handles a request are collected and, once the
  action succeeded, published to WebSocket clients (and other server processes).

Only click and sdd_core's light names are imported here; FastAPI, uvicorn and psycopg are
imported when the server starts.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable

from sdd_core import hookimpl

if TYPE_CHECKING:  # pragma: no cover
    import click

    from sdd_core.model import Actor, Event
    from sdd_core.project import Project

__all__ = ["ROLE_ACTIONS", "authenticate", "authorize", "on_event", "register_commands",
           "register_settings", "role_allows"]

_BASE: dict[str, set[str]] = {
    "viewer": {"spec.view", "spec.export"},
    "contributor": {"spec.create", "spec.update", "review.request", "review.promote",
                    "lock.acquire", "lock.release"},
    "reviewer": {"review.approve", "review.reject"},
    "domain_admin": {"spec.delete", "access.grant", "access.revoke", "lock.force"},
}
_LADDER = ("viewer", "contributor", "reviewer", "domain_admin", "org_admin")

#: What a token of each role may do at most (each role has the actions of those below it).
ROLE_ACTIONS: dict[str, frozenset[str]] = {}
_acc: set[str] = set()
for _role in _LADDER[:-1]:
    _acc |= _BASE[_role]
    ROLE_ACTIONS[_role] = frozenset(_acc)


def role_allows(roles: tuple[str, ...], action: str) -> bool:
    """Whether a token carrying ``roles`` may do ``action`` (``org_admin`` may do anything)."""
    if "org_admin" in roles:
        return True
    return any(action in ROLE_ACTIONS.get(r, frozenset()) for r in roles)


# ---------------------------------------------------------------- event collection

_collect = threading.local()


def start_collecting() -> list["Event"]:
    """Start collecting the events this thread emits; returns the list they go into."""
    events: list[Event] = []
    _collect.events = events
    return events


def stop_collecting() -> None:
    """Stop collecting events in this thread."""
    _collect.events = None


# ---------------------------------------------------------------- hooks

@hookimpl
def register_commands(cli: "click.Group") -> None:
    from sdd_server.cli import add_commands

    add_commands(cli)


@hookimpl
def register_settings(register: Callable[[str, type], None]) -> None:
    from sdd_server.settings import ServerSettings

    register("server", ServerSettings)


@hookimpl
def authenticate(credentials: dict[str, Any]) -> "Actor | None":
    if credentials.get("scheme") != "bearer" or "tokens" not in credentials:
        return None
    info = credentials["tokens"].verify(str(credentials.get("token") or ""))
    if info is None:
        return None
    from sdd_core.model import Actor

    return Actor(name=info.user, source="api", roles=(info.role,))


@hookimpl
def authorize(actor: "Actor", action: str, resource: Any) -> bool | None:
    if actor.source != "api" or not actor.roles:
        return None
    return None if role_allows(tuple(actor.roles), action) else False


authorize.accepts_summaries = True  # type: ignore[attr-defined]  # the resource is not read


@hookimpl
def on_event(project: "Project", event: "Event") -> None:
    events = getattr(_collect, "events", None)
    if events is not None:
        events.append(event)
