"""The ``sdd`` command line: a root group whose commands all come from plugins.

The group is built by :func:`build_cli` (not at import time), so tests build a fresh one
after registering a plugin. Error handling follows ``docs/cli.md``: an :class:`SddError`
prints its message and exits with its code; anything else prints one line unless
``--debug`` (or ``SDD_DEBUG=1``) asks for the traceback.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from sdd_core import __version__
from sdd_core.cli.groups import SddGroup, current_provider, ensure_group
from sdd_core.cli.output import format_option

if TYPE_CHECKING:
    from sdd_core.model import Actor
    from sdd_core.project import Project

__all__ = ["SddContext", "build_cli", "ensure_group", "format_option", "main", "pass_sdd",
           "get_context"]


@dataclass
class SddContext:
    """What every command gets: the project (found lazily) and the acting user."""

    project_path: str | None = None
    actor_name: str | None = None
    debug: bool = False
    _project: "Project | None" = field(default=None, repr=False)

    @property
    def project(self) -> "Project":
        """The project (``-C``, ``SDD_PROJECT`` or the nearest ``.sdd/`` above the cwd)."""
        if self._project is None:
            from sdd_core.project import Project

            self._project = Project.discover(self.project_path)
            if self.actor_name:
                self._project.actor = self.actor
        return self._project

    @property
    def actor(self) -> "Actor":
        """The acting user (``--as``, ``SDD_USER``, Git identity, OS user)."""
        from sdd_core.basics import Actor

        if self._project is not None and not self.actor_name:
            return self._project.actor
        return Actor.resolve(self.actor_name)


pass_sdd = click.make_pass_decorator(SddContext, ensure=True)


def get_context() -> SddContext:
    """The :class:`SddContext` of the command being run."""
    return click.get_current_context().ensure_object(SddContext)


class RootGroup(SddGroup):
    """The root group: commands in name order, and errors turned into exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands)

    def invoke(self, ctx: click.Context) -> Any:
        from sdd_core.errors import SddError

        debug = bool(ctx.params.get("debug")) or os.environ.get("SDD_DEBUG", "") not in ("", "0")
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except SddError as exc:
            if debug:
                raise
            click.echo(f"Error: {exc}", err=True)
            raise click.exceptions.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(130) from None
        except BrokenPipeError:
            raise click.exceptions.Exit(0) from None
        except Exception as exc:  # noqa: BLE001
            if debug:
                raise
            click.echo(f"Error: unexpected {type(exc).__name__}: {exc}\n"
                       "  hint: run again with --debug for the traceback, and report it",
                       err=True)
            raise click.exceptions.Exit(1) from None


def build_cli() -> click.Group:
    """Build the ``sdd`` group and let every plugin add its commands."""
    from sdd_core.plugins import get_plugin_manager

    @click.group(cls=RootGroup, name="sdd", context_settings={
        "help_option_names": ["-h", "--help"], "max_content_width": 100})
    @click.option("-C", "--project", "project_path", metavar="PATH",
                  help="Run in the project at PATH (default: nearest .sdd/ above the current"
                       " folder, or $SDD_PROJECT).")
    @click.option("--as", "actor_name", metavar="USER", envvar="SDD_USER",
                  help="Act as USER (default: $SDD_USER, Git user, OS user).")
    @click.option("--debug", is_flag=True, envvar="SDD_DEBUG",
                  help="Show tracebacks for unexpected errors.")
    @click.version_option(__version__, "-V", "--version", prog_name="sdd",
                          message="%(prog)s %(version)s")
    @click.pass_context
    def cli(ctx: click.Context, project_path: str | None, actor_name: str | None,
            debug: bool) -> None:
        """SDD: spec-driven development. Specs are Markdown files under .sdd/specs/.

        \b
        Start with:  sdd init && sdd new auth/login && sdd validate
        """
        obj = ctx.ensure_object(SddContext)
        obj.project_path, obj.actor_name, obj.debug = project_path, actor_name, debug

    pm = get_plugin_manager()
    _load_local_plugins_early(pm)
    impls = list(reversed(pm.hook.register_commands.get_hookimpls()))
    pm.trace_direct("register_commands", impls)
    for impl in impls:
        token = current_provider.set(pm.get_name(impl.plugin) or "?")
        try:
            impl.function(cli=cli)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not kill the CLI
            name = pm.get_name(impl.plugin)
            print(f"sdd: warning: plugin {name!r} failed to add its commands: "
                  f"{type(exc).__name__}: {exc}", file=sys.stderr)
        finally:
            current_provider.reset(token)
    return cli


def _load_local_plugins_early(pm: Any) -> None:
    """Load ``.sdd/plugins/*.py`` before commands are built, so they may add commands."""
    from pathlib import Path

    from sdd_core.project import SDD_DIR, find_root

    argv = sys.argv[1:]
    explicit = None
    for i, arg in enumerate(argv):
        if arg in ("-C", "--project") and i + 1 < len(argv):
            explicit = argv[i + 1]
            break
        if arg.startswith("--project="):
            explicit = arg.split("=", 1)[1]
            break
    start = explicit or os.environ.get("SDD_PROJECT") or os.getcwd()
    try:
        root = find_root(Path(start))
    except OSError:
        return
    if root is not None:
        pm.load_local_plugins(root / SDD_DIR)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``sdd`` console script."""
    build_cli().main(args=argv, prog_name="sdd")
