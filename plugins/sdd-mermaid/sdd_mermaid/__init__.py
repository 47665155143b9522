"""SDD Mermaid plugin: diagrams of the specs as Mermaid text.

Commands: ``sdd mermaid graph|domains|spec ID|status``. Hooks: ``export_html_extras`` puts
the diagrams into the HTML export and the site; ``on_event`` copies Mermaid's browser bundle
next to an HTML export; ``register_settings`` declares the ``mermaid:`` config section.

Only click and sdd_core's light names are imported here; the diagram code is imported when
a command or hook runs, so ``sdd --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sdd_core import hookimpl

if TYPE_CHECKING:  # pragma: no cover
    import click

    from sdd_core import Event, Project, Spec

__all__ = ["export_html_extras", "on_event", "register_commands", "register_settings"]

#: Export formats whose output gets Mermaid's bundle copied next to it.
HTML_FORMATS = ("html", "site")


@hookimpl
def register_commands(cli: click.Group) -> None:
    from sdd_mermaid.commands import add_commands

    add_commands(cli)


@hookimpl
def register_settings(register: Callable[[str, type], Any]) -> None:
    from sdd_mermaid.config import MermaidSettings

    register("mermaid", MermaidSettings)


@hookimpl
def export_html_extras(project: Project, spec: Spec | None) -> str | None:
    from sdd_mermaid.html import extras

    return extras(project, spec)


@hookimpl
def on_event(project: Project, event: Event) -> None:
    if event.type != "spec.export":
        return
    fmt, output = event.details.get("format"), event.details.get("output")
    if fmt in HTML_FORMATS and output:
        from sdd_mermaid.html import copy_script

        copy_script(project, str(output), str(fmt))
