"""SDD plugin: OpenAPI.

Specs declare the HTTP operations they cover (front matter ``api:`` entries, or ``METHOD
/path`` lines of a ``## API`` section). ``sdd openapi generate`` writes an OpenAPI 3.1
document from them, ``sdd openapi check`` compares a document with them (coverage), and
``sdd openapi import`` creates spec skeletons from a document. Rules O001 (malformed
declaration) and O002 (an operation declared by two specs).

Only click and sdd_core's light names are imported here; YAML and the logic are imported
when a command or a rule runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sdd_core import hookimpl

if TYPE_CHECKING:  # pragma: no cover
    import click

    from sdd_core import Rule

__version__ = "0.1.0"
__all__ = ["register_commands", "register_rules"]


@hookimpl
def register_commands(cli: "click.Group") -> None:
    """Add the ``sdd openapi`` group."""
    from sdd_openapi.commands import add_commands

    add_commands(cli)


@hookimpl
def register_rules(register: "Callable[[Rule], None]") -> None:
    """O001 malformed operation declarations, O002 an operation declared by two specs."""
    from sdd_openapi.rules import rules

    for rule in rules():
        register(rule)
