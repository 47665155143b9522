"""``sdd mermaid graph|domains|spec|status``: print (or write) one Mermaid diagram."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from sdd_core.cli import SddContext, pass_sdd

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Spec

DIRECTIONS = ("LR", "RL", "TD", "TB", "BT")


def _out_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("-o", "--output", type=click.Path(dir_okay=False),
                        help="Write the diagram to this file (default: stdout).")(func)
    func = click.option("--format", "fmt", type=click.Choice(["mermaid", "markdown", "json"]),
                        default="mermaid", show_default=True,
                        help="mermaid: the diagram's text; markdown: in a ```mermaid fence;"
                             " json: {kind, mermaid}.")(func)
    return func


def _emit(kind: str, text: str, fmt: str, output: str | None, extra: dict[str, Any] | None = None
          ) -> None:
    import json
    import os
    from pathlib import Path

    from sdd_core.errors import SddError

    if fmt == "markdown":
        data = f"```mermaid\n{text}```\n"
    elif fmt == "json":
        data = json.dumps({"kind": kind, **(extra or {}), "mermaid": text}, indent=2,
                          ensure_ascii=False) + "\n"
    else:
        data = text
    if not output:
        click.echo(data, nl=False)
        return
    path = Path(output)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SddError(f"cannot write {output}: {exc.strerror or exc}",
                       hint="check that the folder exists and is writable") from exc
    click.echo(f"Wrote the {kind} diagram to {output}", err=True)


def _split(values: tuple[str, ...]) -> set[str]:
    return {v.strip() for raw in values for v in raw.split(",") if v.strip()}


def _selected(specs: list[Spec], domain: tuple[str, ...], status: tuple[str, ...]
              ) -> list[Spec]:
    dm, st = _split(domain), _split(status)
    return [s for s in specs if (not dm or s.domain in dm) and (not st or s.status in st)]


@click.command("graph")
@click.option("--domain", multiple=True, help="Only specs of these domains (comma-separated ok).")
@click.option("--status", multiple=True, help="Only specs with these statuses.")
@click.option("--direction", type=click.Choice(DIRECTIONS), default="LR", show_default=True)
@click.option("--no-cluster", is_flag=True, help="Do not group the specs by domain.")
@_out_options
@pass_sdd
def graph_cmd(sdd: SddContext, domain: tuple[str, ...], status: tuple[str, ...],
              direction: str, no_cluster: bool, fmt: str, output: str | None) -> None:
    """The dependency graph: an arrow from each spec to what it depends on, nodes coloured
    by status, grouped by domain. Dependencies on missing specs are dashed.

    \b
    Example:  sdd mermaid graph --domain auth,billing -o graph.mmd
    """
    from sdd_mermaid.diagrams import build_graph, dependency_graph

    project = sdd.project
    graph = build_graph(project, project.specs())
    only = [s.id for s in _selected(graph.specs, domain, status)]
    _emit("graph", dependency_graph(graph, direction=direction, cluster=not no_cluster,
                                    only=only), fmt, output)


@click.command("domains")
@click.option("--derived", is_flag=True,
              help="Edges from cross-domain spec dependencies, even when domains.yml declares"
                   " some.")
@click.option("--direction", type=click.Choice(DIRECTIONS), default="LR", show_default=True)
@_out_options
@pass_sdd
def domains_cmd(sdd: SddContext, derived: bool, direction: str, fmt: str,
                output: str | None) -> None:
    """The domain graph: the uses/extends/implements of .sdd/domains.yml, or, without
    one, the dependencies between specs of different domains (counted).

    \b
    Example:  sdd mermaid domains --format markdown
    """
    from sdd_mermaid.diagrams import build_graph, domain_graph, read_domains

    project = sdd.project
    graph = build_graph(project, project.specs())
    _emit("domains", domain_graph(graph, read_domains(project), direction=direction,
                                  derived=derived), fmt, output)


@click.command("spec")
@click.argument("spec_id")
@click.option("--scenario", "number", type=int,
              help="Only this scenario (1 is the first): one flow.")
@click.option("--deps", is_flag=True,
              help="The spec's dependencies and dependents instead of its scenarios.")
@click.option("--direction", type=click.Choice(DIRECTIONS), default=None,
              help="Flow direction (default: TD for scenarios, LR for --deps).")
@_out_options
@pass_sdd
def spec_cmd(sdd: SddContext, spec_id: str, number: int | None, deps: bool,
             direction: str | None, fmt: str, output: str | None) -> None:
    """A spec's scenarios as flows (GIVEN → WHEN → THEN, one subgraph per scenario), one
    scenario with --scenario N, or its neighbourhood in the dependency graph with --deps.

    \b
    Example:  sdd mermaid spec auth/login --scenario 2
    """
    from sdd_core.errors import SddError
    from sdd_mermaid.diagrams import build_graph, neighbourhood, scenario_flow, spec_flows

    project = sdd.project
    spec = project.get(spec_id)
    extra = {"spec": spec.id}
    if deps:
        graph = build_graph(project, project.specs())
        _emit("neighbourhood", neighbourhood(graph, spec.id, direction=direction or "LR"),
              fmt, output, extra)
        return
    if number is not None:
        if not 1 <= number <= len(spec.scenarios):
            raise SddError(f"{spec.id} has {len(spec.scenarios)} scenario(s); there is no"
                           f" scenario {number}", hint="omit --scenario to draw them all")
        sc = spec.scenarios[number - 1]
        _emit("scenario", scenario_flow(sc, direction=direction or "TD"), fmt, output,
              {**extra, "scenario": sc.name})
        return
    _emit("scenarios", spec_flows(spec, direction=direction or "TD"), fmt, output, extra)


@click.command("status")
@click.option("--by", type=click.Choice(["status", "phase"]), default="status",
              show_default=True,
              help="status: a pie of the statuses; phase: bars of specs per phase, with a line"
                   " for the approved or implemented ones.")
@click.option("--domain", multiple=True, help="Only specs of these domains.")
@_out_options
@pass_sdd
def status_cmd(sdd: SddContext, by: str, domain: tuple[str, ...], fmt: str,
               output: str | None) -> None:
    """Charts of the project's progress: specs by status (pie) or by phase (bars).

    \b
    Example:  sdd mermaid status --by phase -o phases.mmd
    """
    from sdd_mermaid.diagrams import phase_chart, status_pie

    project = sdd.project
    specs = _selected(project.specs(), domain, ())
    text = status_pie(specs) if by == "status" else phase_chart(specs)
    _emit(by, text, fmt, output)


def add_commands(cli: click.Group) -> None:
    """Add the ``mermaid`` group's subcommands."""
    from sdd_core import ensure_group

    group = ensure_group(cli, "mermaid", help="Mermaid diagrams of the specs.")
    for cmd in (graph_cmd, domains_cmd, spec_cmd, status_cmd):
        group.add_command(cmd)
