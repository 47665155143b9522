"""SDD graph plugin: the spec dependency graph and what is computed from it.

Commands: ``sdd graph``, ``sdd impact ID``, ``sdd impact report``, ``sdd quality``.
Validation rules: G001 (dependency cycle), G002 (dependency forbidden by a ``domains.yml``
rule), G003 (spec in an undeclared domain), G004 (``domains.yml`` itself is wrong).
Hook: ``register_quality_criteria(register, project)`` (see :mod:`sdd_graph.hookspecs`), so a
team's ``.sdd/plugins/*.py`` can add its own quality criterion.

Only click and sdd_core's light names are imported here; networkx and the analysis modules
are imported when a command or rule runs, so ``sdd --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sdd_core import hookimpl
from sdd_graph.quality import Criterion  # light: dataclasses only; plugins build criteria

if TYPE_CHECKING:  # pragma: no cover
    import click

    from sdd_core import Project
    from sdd_core.registry import Rule

__all__ = [
    "Criterion",
    "ensure_hookspecs",
    "register_commands",
    "register_quality_criteria",
    "register_rules",
]


def ensure_hookspecs(pm: Any) -> None:
    """Declare this plugin's hooks on ``pm`` (once): ``register_quality_criteria``.

    Called whenever the plugin's code runs with a plugin manager at hand, so implementations
    registered earlier (a project's ``.sdd/plugins/*.py``) are checked against the spec.
    """
    caller = getattr(pm.hook, "register_quality_criteria", None)
    if caller is not None and caller.spec is not None:
        return
    import sys

    from sdd_graph import hookspecs

    if caller is not None:
        # Implementations registered before the spec was known (a project's plugin files load
        # early) are checked here; one that does not fit is skipped with its plugin, as a
        # plugin that fails to load is, instead of breaking the commands.
        allowed = {"register", "project"}
        for impl in list(caller.get_hookimpls()):
            extra = set(impl.argnames) - allowed
            if extra:
                print(f"sdd: warning: plugin {impl.plugin_name!r} is skipped: its"
                      f" register_quality_criteria takes {', '.join(sorted(extra))}, not only"
                      " register and project", file=sys.stderr)
                pm.unregister(impl.plugin)
    pm.add_hookspecs(hookspecs)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from sdd_core import get_plugin_manager
    from sdd_graph.commands import add_commands

    ensure_hookspecs(get_plugin_manager())
    add_commands(cli)


@hookimpl
def register_rules(register: Callable[[Rule], None]) -> None:
    from sdd_graph.rules import rules

    for rule in rules():
        register(rule)


@hookimpl(trylast=True)
def register_quality_criteria(register: Callable[[Criterion], None],
                              project: Project) -> None:
    from sdd_graph.quality import builtin_criteria

    for criterion in builtin_criteria(project):
        register(criterion)
