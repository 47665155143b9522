"""Command groups that several plugins contribute to, in any load order.

``ensure_group(cli, "sync")`` returns the group named ``sync``, creating it if no plugin did
yet. A group may have a *default* subcommand: ``sdd impact ID`` runs the default while
``sdd impact report`` runs the ``report`` subcommand, whichever plugin loaded first.
"""

from __future__ import annotations

import sys
from contextvars import ContextVar
from typing import Any

import click

current_provider: ContextVar[str] = ContextVar("current_provider", default="sdd")


class SddGroup(click.Group):
    """A click group that remembers which plugin added each subcommand and may route
    arguments that name no subcommand to a default one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.providers: dict[str, str] = {}
        self.default_command: str | None = None

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        assert name is not None
        provider = current_provider.get()
        if name in self.commands and self.providers.get(name) != provider:
            old = self.providers.get(name, "?")
            print(f"sdd: warning: command '{self._path()} {name}' is defined by both {old!r} and"
                  f" {provider!r}; using {provider!r}'s", file=sys.stderr)
        super().add_command(cmd, name)
        self.providers[name] = provider

    def set_default(self, cmd: click.Command) -> None:
        """Add ``cmd`` and run it when the arguments name no subcommand."""
        self.add_command(cmd)
        self.default_command = cmd.name

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if self.default_command and not _names_subcommand(self, args):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self.default_command:
            default = self.commands[self.default_command]
            pieces = " ".join(default.collect_usage_pieces(ctx))
            formatter.write_usage(ctx.command_path, f"{pieces}\n   or: {ctx.command_path}"
                                  " COMMAND [ARGS]...")
        else:
            super().format_usage(ctx, formatter)

    def _path(self) -> str:
        return "sdd" if self.name in (None, "cli", "sdd") else f"sdd {self.name}"


def _names_subcommand(group: click.Group, args: list[str]) -> bool:
    if not args:
        return False
    first = args[0]
    if first in ("--help", "-h"):
        return True
    return first in group.commands


def ensure_group(cli: click.Group, name: str, help: str | None = None) -> SddGroup:
    """The subgroup ``name`` of ``cli``, created on first use (by whichever plugin is first).

    A plain click group of that name registered earlier is converted, keeping its commands.
    """
    existing = cli.commands.get(name)
    if isinstance(existing, SddGroup):
        if help and not existing.help:
            existing.help = help
        return existing
    group = SddGroup(name=name, help=help)
    if isinstance(existing, click.Group):
        for sub_name, sub in existing.commands.items():
            group.add_command(sub, sub_name)
        group.help = group.help or existing.help
    elif existing is not None:
        raise click.UsageError(f"'{name}' is a command, not a group: plugins cannot add"
                               " subcommands to it")
    cli.commands[name] = group
    if isinstance(cli, SddGroup):
        cli.providers[name] = current_provider.get()
    return group
