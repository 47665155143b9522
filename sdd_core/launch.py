"""The ``sdd`` console script: starts the stat-ahead child (:mod:`sdd_core.statahead`)
before the command line and its plugins are imported, then runs the CLI."""

from __future__ import annotations


def main() -> None:
    """Entry point of the ``sdd`` console script."""
    from sdd_core import statahead

    statahead.start()
    from sdd_core.cli import main as cli_main

    cli_main()
