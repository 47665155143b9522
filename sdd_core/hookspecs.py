"""Every hook SDD calls. Plugins implement them with ``@sdd_core.hookimpl``.

Collector hooks receive a ``register`` callback: call it once per thing you provide. The core
owns the collection (so the order plugins load in never matters) and reports clashes.
Implementations may accept fewer arguments than the spec lists (pluggy's opt-in arguments).
Every hook is documented in ``docs/hooks.md``; a test fails when one is not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from sdd_core import hookspec

if TYPE_CHECKING:  # pragma: no cover
    import click

    from sdd_core.model import Actor, Event, Spec
    from sdd_core.project import Project
    from sdd_core.registry import Exporter, Importer, Rule


# ---------------------------------------------------------------- commands and settings

@hookspec
def register_commands(cli: "click.Group") -> None:
    """Add click commands and groups to the ``sdd`` command line.

    Called once when the CLI is built. To add a subcommand to a group another plugin may
    also contribute to (``sdd sync``, ``sdd impact``), use
    :func:`sdd_core.ensure_group` instead of creating the group yourself.

    Keep imports of heavy libraries inside the command functions: ``sdd --help`` imports
    every plugin's module.

    :param cli: the root ``sdd`` group.
    """


@hookspec
def register_settings(register: Callable[[str, type], None]) -> None:
    """Declare a section of ``.sdd/config.yml`` owned by this plugin.

    Call ``register("section", Model)`` with a pydantic model; the section's values are
    validated by it (unknown keys are errors naming the key) and available as
    ``project.settings("section")``.
    """


# ---------------------------------------------------------------- validation

@hookspec
def register_rules(register: "Callable[[Rule], None]") -> None:
    """Register validation rules (:class:`sdd_core.Rule`): code, severity, check.

    A per-spec rule's ``check(spec, ctx)`` runs once per spec; a ``check_project(ctx)``
    rule sees every spec at once. A team's custom validator is a rule in
    ``.sdd/plugins/*.py``.
    """


# ---------------------------------------------------------------- import and export

@hookspec
def register_exporters(register: "Callable[[Exporter], None]") -> None:
    """Register export formats (:class:`sdd_core.Exporter`) for ``sdd export --format``."""


@hookspec
def register_importers(register: "Callable[[Importer], None]") -> None:
    """Register import formats (:class:`sdd_core.Importer`) for ``sdd import --format``."""


@hookspec
def export_html_extras(project: "Project", spec: "Spec | None") -> "str | None":
    """Return an HTML fragment to embed in the HTML export (a diagram, a table).

    Called once for the index page (``spec`` is ``None``) and once per spec page. Return
    ``None`` to add nothing. Fragments are inserted as they are: escape your text.
    """


# ---------------------------------------------------------------- backends

@hookspec
def register_index_backends(register: Callable[[Any], None]) -> None:
    """Register index backends (:class:`sdd_core.index.IndexBackendFactory`).

    An index answers the read commands (list, show, query, validate). The backend named by
    ``index.backend`` in the config is used, else the registered one with the highest
    ``priority`` (the built-in file scan has priority 0).
    """


@hookspec
def register_search_backends(register: Callable[[Any], None]) -> None:
    """Register full-text search backends (``name``, ``open(project)``); ``search.backend``
    in the config picks one."""


@hookspec
def register_storage_backends(register: Callable[[Any], None]) -> None:
    """Register storage backends (:class:`sdd_core.storage.StorageFactory`): where spec
    files are read from and written to. The built-in one is the project's files."""


# ---------------------------------------------------------------- identity and access

@hookspec(firstresult=True)
def authenticate(credentials: dict[str, Any]) -> "Actor | None":
    """Turn credentials (a token, an SSO assertion) into an :class:`sdd_core.Actor`.

    The first plugin returning an actor wins; return ``None`` when the credentials are not
    yours to judge.
    """


@hookspec
def authorize(actor: "Actor", action: str, resource: Any,
              project: "Project | None") -> "bool | None":
    """May ``actor`` perform ``action`` (``spec.view``, ``spec.create``, ``spec.update``,
    ``spec.delete``, ``spec.export``, ``review.approve`` ...) on ``resource`` (a spec, a
    domain name, or ``None``)?

    ``project`` is the project asking (where an access policy is read from); an
    implementation may leave the argument out.

    Return ``False`` to deny, ``True`` to allow, ``None`` to abstain. Any ``False`` denies;
    with no answer at all the action is allowed (a project without an access plugin is open).
    """


# ---------------------------------------------------------------- changes and events

@hookspec
def spec_before_save(project: "Project", old: "Spec | None", new: "Spec",
                     text: str, actor: "Actor") -> "str | None":
    """Called before a spec file is written.

    Return new text to amend what is written, ``None`` to leave it. Raise
    :class:`sdd_core.SddError` (or a subclass such as ``PermissionDenied``) to refuse the
    write; nothing is written then. ``old`` is ``None`` for a new spec.
    """


@hookspec
def spec_after_save(project: "Project", old: "Spec | None", new: "Spec", actor: "Actor") -> None:
    """Called after a spec file was written (created or updated)."""


@hookspec
def spec_after_delete(project: "Project", spec: "Spec", actor: "Actor") -> None:
    """Called after a spec file was deleted."""


@hookspec
def on_event(project: "Project", event: "Event") -> None:
    """Receive every change as a typed :class:`sdd_core.Event` (``spec.created``,
    ``spec.updated``, ``spec.deleted``, ``review.*``, ``lock.*``, ``access.*`` ...).

    The audit log, notifications, webhooks and the real-time socket listen here. Raising
    from this hook fails the action that emitted the event (an audit log that cannot write
    must stop the action).
    """


@hookspec
def register_notification_channels(register: Callable[[Any], None]) -> None:
    """Register notification channels (Slack, email, webhooks) by name."""


# ---------------------------------------------------------------- server and analytics

@hookspec
def register_routes(app: Any) -> None:
    """Add routes to the SDD server's web application (a FastAPI app)."""


@hookspec
def register_analyzers(register: Callable[[Any], None]) -> None:
    """Register analyzers: named metrics computed over the specs (quality, coverage ...)."""
