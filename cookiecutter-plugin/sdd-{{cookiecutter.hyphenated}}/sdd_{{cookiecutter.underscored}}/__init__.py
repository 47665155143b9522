"""{{ cookiecutter.description }}

An SDD plugin, loaded through the entry point ``{{ cookiecutter.hyphenated }}`` in the group
``sdd``. It adds:

- the validation rule ``{{ cookiecutter.rule_code }}``: a spec has a ``## Overview`` section
  (the heading is configurable in ``.sdd/config.yml``, section ``{{ cookiecutter.underscored }}``);
- the command ``sdd {{ cookiecutter.hyphenated }}``: lists the specs the rule flags.

Keep the top level of this module light: ``sdd --help`` imports it. Import heavy libraries
(and even pydantic) inside the hook and command functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator

import click

from sdd_core import hookimpl
from sdd_core.cli import SddContext, format_option, pass_sdd

if TYPE_CHECKING:
    from sdd_core import Finding, Rule, Spec
    from sdd_core.project import Project
    from sdd_core.registry import RuleContext

__version__ = "{{ cookiecutter.version }}"

RULE_CODE = "{{ cookiecutter.rule_code }}"
SETTINGS_SECTION = "{{ cookiecutter.underscored }}"
COMMAND = "{{ cookiecutter.hyphenated }}"


def required_heading(project: "Project") -> str:
    """The heading every spec must have (``heading`` in the plugin's config section)."""
    return str(project.settings(SETTINGS_SECTION).heading)


def lacks_section(spec: "Spec", heading: str) -> bool:
    """Whether ``spec`` has no level-2 heading titled ``heading`` (case-insensitive)."""
    wanted = heading.strip().casefold()
    return not any(s.level == 2 and s.title.strip().casefold() == wanted for s in spec.sections)


# ---------------------------------------------------------------- settings

@hookimpl
def register_settings(register: Callable[[str, type], None]) -> None:
    """Declare the ``{{ cookiecutter.underscored }}:`` section of ``.sdd/config.yml``."""
    from pydantic import BaseModel, ConfigDict

    class Settings(BaseModel):
        """``{{ cookiecutter.underscored }}:`` settings."""

        model_config = ConfigDict(extra="forbid")

        heading: str = "Overview"

    register(SETTINGS_SECTION, Settings)


# ---------------------------------------------------------------- validation

def check_overview(spec: "Spec", ctx: "RuleContext") -> "Iterator[Finding]":
    """Rule {{ cookiecutter.rule_code }}: one finding when the spec lacks the required section."""
    from sdd_core import Finding, Severity

    heading = required_heading(ctx.project)
    if lacks_section(spec, heading):
        yield Finding(code=RULE_CODE, severity=Severity.ERROR, path=spec.path,
                      line=spec.title_line or spec.body_line, spec_id=spec.id,
                      message=f"no '## {heading}' section: say what the feature does and why")


@hookimpl
def register_rules(register: "Callable[[Rule], None]") -> None:
    """Register rule {{ cookiecutter.rule_code }}."""
    from sdd_core import Rule, Severity

    register(Rule(RULE_CODE, Severity.ERROR, "the spec has an Overview section",
                  check=check_overview))


# ---------------------------------------------------------------- commands

@click.command(COMMAND)
@format_option("table", "json")
@pass_sdd
def command(sdd: SddContext, fmt: str) -> None:
    """List the specs that have no Overview section (exit 1 when there are some).

    \b
    Example:  sdd {{ cookiecutter.hyphenated }} --format json
    """
    from sdd_core.cli.output import emit, info

    project = sdd.project
    heading = required_heading(project)
    rows: list[dict[str, Any]] = [
        {"id": s.id, "title": s.title, "path": s.path}
        for s in project.specs() if lacks_section(s, heading)
    ]
    emit(fmt, rows, ("id", "title", "path"))
    if fmt == "table":
        info(f"{len(rows)} spec(s) without a '## {heading}' section")
    if rows:
        raise click.exceptions.Exit(1)


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Add ``sdd {{ cookiecutter.hyphenated }}``."""
    cli.add_command(command)
