"""SDD plugin: spec-to-code traceability (``sdd sync``).

Scans source and test files in any language for ``@spec <spec-id>#REQ-01`` markers and for
test names mentioning a requirement, and reports which requirements are implemented,
tested, both or missing. The command is the default subcommand of the shared ``sync``
group, so other plugins may add ``sdd sync status`` and the like.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from sdd_core import hookimpl

__version__ = "0.1.0"

SYNC_HELP = """Spec-to-code traceability, and the subcommands other plugins add.

Without a subcommand, runs `coverage` (see `sdd sync coverage --help` for its options).

\b
Example:  sdd sync --ci --threshold 80
"""


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Add ``sdd sync`` (the traceability report) as the ``sync`` group's default."""
    from sdd_core.cli.groups import ensure_group
    from sdd_trace.cli import sync_command

    group = ensure_group(cli, "sync", help=SYNC_HELP)
    group.set_default(sync_command())


@hookimpl
def register_settings(register: Callable[[str, type], Any]) -> None:
    """Declare the ``trace:`` section of ``.sdd/config.yml``."""
    from sdd_trace.settings import TraceSettings

    register("trace", TraceSettings)
