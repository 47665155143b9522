"""The ``sdd dbml`` commands. Only click and sdd_core's CLI helpers at module level."""

from __future__ import annotations

import sys

import click

from sdd_core.cli import SddContext, ensure_group, pass_sdd

GROUP_HELP = "DBML: the data models specs describe, as one DBML document or a Mermaid ER diagram."


def write_file(output: str, text: str) -> None:
    """Write ``text`` to ``output`` atomically (the core's ``write_output``)."""
    from sdd_core import write_output

    write_output(output, text)

@click.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write to this file (default: stdout).")
@click.option("--format", "fmt", type=click.Choice(["dbml", "mermaid"]), default="dbml",
              show_default=True, help="dbml, or a Mermaid erDiagram.")
@click.option("--domain", multiple=True, help="Only the specs of these domains.")
@pass_sdd
def export_cmd(sdd: SddContext, output: str | None, fmt: str, domain: tuple[str, ...]) -> None:
    """Write the data model of every spec as one DBML document (or a Mermaid ER diagram).

    Tables come from the field tables of `## Data Model` sections (one `### Table name`
    heading each) and from fenced dbml blocks; references become Ref lines.

    \b
    Example:  sdd dbml export -o schema.dbml
              sdd dbml export --format mermaid -o er.mmd
    """
    from sdd_core.cli.output import info
    from sdd_dbml.collect import project_model
    from sdd_dbml.export import to_dbml, to_mermaid

    project = sdd.project
    specs = project.specs()
    if domain:
        wanted = {d.strip() for value in domain for d in value.split(",") if d.strip()}
        specs = [s for s in specs if s.domain in wanted]
    model = project_model(specs)
    if fmt == "mermaid":
        text, count = to_mermaid(model), len(model.first_tables())
        warnings: list[str] = []
    else:
        name = project.settings("project").name or project.root.name
        result = to_dbml(model, title=f"{name}: data model")
        text, count, warnings = result.text, result.tables, result.warnings
    for warning in warnings:
        info(f"warning: {warning}")
    if output:
        write_file(output, text)
        info(f"Wrote {count} table(s) to {output}")
    else:
        sys.stdout.write(text)


def add_commands(cli: click.Group) -> None:
    """Add ``sdd dbml export``."""
    ensure_group(cli, "dbml", help=GROUP_HELP).add_command(export_cmd)
