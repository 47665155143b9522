"""The commands: ``sdd graph``, ``sdd impact ID``, ``sdd impact report``, ``sdd quality``.

Only click and sdd_core's light names at module level; the analysis modules (and networkx)
are imported inside the command functions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sdd_core.cli import SddContext, ensure_group, pass_sdd
from sdd_core.cli.output import format_option

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Project
    from sdd_graph.graph import SpecGraph


F = TypeVar("F", bound=Callable[..., Any])


def gc_paused(func: F) -> F:
    """Run a command with the cyclic garbage collector paused (see refcache.paused_gc)."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sdd_graph.refcache import paused_gc

        with paused_gc():
            return func(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


def emit_json(data: Any) -> None:
    """JSON on stdout: indented on a terminal; compact when piped, where the encoder runs
    in C (indenting 10,000 quality rows in pure Python takes seconds)."""
    import json
    import sys

    from sdd_core.cli.output import emit_json as pretty

    if sys.stdout.isatty():
        pretty(data)
    else:
        click.echo(json.dumps(data, ensure_ascii=False))


def _graph(project: Project, inferred: bool = True) -> SpecGraph:
    from sdd_graph.graph import build_graph

    return build_graph(project, inferred=inferred)


def _node(project: Project, sg: SpecGraph, ref: str) -> str:
    """The graph node of a user-given id or path (``NotFound`` when there is none)."""
    if ref in sg.specs:
        return ref
    return project.get(ref).id


def _write(output: str, text: str) -> None:
    """Write ``text`` to ``output`` atomically (the core's ``write_output``)."""
    from sdd_core import write_output

    write_output(output, text)


# ---------------------------------------------------------------- sdd graph

@click.command("graph")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "json"]),
              default="mermaid", show_default=True, help="Output format.")
@click.option("--domain", metavar="D", help="Only specs of domain D (with the specs they"
              " link to outside it, drawn dashed).")
@click.option("--root", metavar="ID", help="Only ID, what it depends on and what depends on"
              " it.")
@click.option("--depth", type=click.IntRange(min=0), metavar="N",
              help="With --root: at most N hops each way (default: no limit).")
@click.option("--domains", "domain_graph", is_flag=True,
              help="Draw the domain graph (domains.yml dependencies, forbidding rules and"
                   " observed cross-domain dependencies) instead of the spec graph.")
@click.option("--explicit-only", is_flag=True, help="Leave out inferred edges (links and"
              " mentions).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write to FILE instead of stdout.")
@pass_sdd
@gc_paused
def graph_cmd(sdd: SddContext, fmt: str, domain: str | None, root: str | None,
              depth: int | None, domain_graph: bool, explicit_only: bool,
              output: str | None) -> None:
    """Draw the spec dependency graph as Mermaid, Graphviz DOT or JSON.

    Solid edges are explicit (depends), dashed ones inferred (a link to another spec, or its
    id in backticks or [[id]]).

    \b
    Example:  sdd graph --root billing/invoice-export --depth 2 --format dot -o deps.dot
    """
    from sdd_core.cli.output import info
    from sdd_graph.render import domain_graph_data, render, spec_graph_data

    if depth is not None and root is None:
        raise click.UsageError("--depth needs --root")
    if domain_graph and (root or domain):
        raise click.UsageError("--domains draws every domain: leave out --root and --domain")
    project = sdd.project
    sg = _graph(project, inferred=not explicit_only)
    if domain_graph:
        from sdd_graph.domains import load_domains

        domains = load_domains(project)
        if domains is None:
            info("no .sdd/domains.yml: showing the domain dependencies observed in specs")
        data = domain_graph_data(sg, domains)
    else:
        nodes: set[str] = set(sg.specs)
        focus: set[str] | None = None
        if root is not None:
            from sdd_graph.graph import neighbourhood

            nodes = neighbourhood(sg, _node(project, sg, root), depth)
        if domain is not None:
            focus = {n for n in nodes if sg.specs[n].domain == domain}
            if not focus:
                known = sorted({s.domain for s in sg.specs.values()})
                raise click.BadParameter(f"no spec in domain {domain!r} (domains: "
                                         f"{', '.join(known)})", param_hint="--domain")
            nodes = focus | {v for n in focus for v in sg.succ[n] if v in nodes} | {
                u for n in focus for u in sg.pred[n] if u in nodes}
        data = spec_graph_data(sg, nodes, focus)
    text = render(data, fmt, domains=domain_graph)
    if output:
        _write(output, text)
        info(f"Wrote {len(data['nodes'])} node(s) and {len(data['edges'])} edge(s) to {output}")
    else:
        click.echo(text, nl=False)


# ---------------------------------------------------------------- sdd impact

@click.command("spec")
@click.argument("spec_id", metavar="ID")
@click.option("--depth", type=click.IntRange(min=1), metavar="N",
              help="Follow at most N hops (default: no limit).")
@click.option("--reverse", is_flag=True, help="Show what ID depends on instead.")
@format_option("table", "json")
@pass_sdd
@gc_paused
def impact_cmd(sdd: SddContext, spec_id: str, depth: int | None, reverse: bool,
               fmt: str) -> None:
    """What a change to spec ID affects: its direct and transitive dependents, each with its
    distance and the path that reaches it, and a risk level.

    Risk: every dependent adds kind x status / distance (kind 1 for explicit paths, 0.5
    through links or mentions; status implemented 1.5, approved 1.25, review 1, draft 0.75,
    deprecated 0.25); low under 3, medium under 10, high from 10.

    \b
    Example:  sdd impact billing/invoice-model --depth 3
              sdd impact billing/invoice-export --reverse --format json
    """
    from sdd_core.cli.output import emit_table
    from sdd_graph.analysis import impact

    project = sdd.project
    sg = _graph(project)
    origin = _node(project, sg, spec_id)
    data = impact(sg, origin, depth=depth, reverse=reverse)
    if fmt == "json":
        emit_json(data)
        return
    key = "dependencies" if reverse else "dependents"
    rows = data[key]
    arrow = " -> " if reverse else " <- "
    click.echo(f"{origin}: {data['title']} ({data['status']})")
    if not reverse:
        r = data["risk"]
        extra = "".join(f"; {why}" for why in r["reasons"][1:])
        click.echo(f"Risk: {r['level']} (score {r['score']:g}; {r['direct']} direct,"
                   f" {r['transitive']} transitive dependent(s){extra})")
    if not rows:
        click.echo("Nothing depends on it." if not reverse else "It depends on nothing.")
        return
    click.echo("")
    emit_table([{**row, "path": arrow.join(row["path"])} for row in rows],
               ("distance", "id", "status", "kind", "path"), max_width=90)
    click.echo(f"{len(rows)} {'dependency' if reverse else 'dependent'} spec(s)", err=True)


@click.command("report")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many most-connected specs to list.")
@format_option("table", "json")
@pass_sdd
@gc_paused
def report_cmd(sdd: SddContext, top: int, fmt: str) -> None:
    """The project's dependency health: most-connected specs, orphans, every dependency
    cycle (with one concrete cycle path), depends entries naming no spec, a health score.

    Health: 100, minus 10 per cycle (max 40), minus 20 x the share of orphans, minus 2 per
    dangling depends entry (max 20).

    \b
    Example:  sdd impact report --format json
    """
    from sdd_core.cli.output import emit_table
    from sdd_graph.analysis import report

    sg = _graph(sdd.project)
    data = report(sg, top=top)
    if fmt == "json":
        emit_json(data)
        return
    h = data["health"]
    click.echo(f"{data['specs']} specs, {data['edges']} edges ({data['explicit']} explicit,"
               f" {data['inferred']} inferred)")
    pen = ", ".join(f"-{v:g} {k}" for k, v in h["penalties"].items() if v)
    click.echo(f"Health: {h['score']:g}/100 ({h['grade']})" + (f": {pen}" if pen else ""))
    click.echo("\nMost connected:")
    if data["most_connected"]:
        emit_table(data["most_connected"], ("id", "dependents", "dependencies", "degree"))
    else:
        click.echo("  (no edges)")
    click.echo(f"\nDependency cycles: {len(data['cycles'])}")
    for c in data["cycles"]:
        click.echo(f"  {' -> '.join(c['path'])}  ({c['size']} spec(s) in the component)")
    click.echo(f"\nOrphans (no edges): {len(data['orphans'])}")
    for o in data["orphans"][:50]:
        click.echo(f"  {o}")
    if len(data["orphans"]) > 50:
        click.echo(f"  ... and {len(data['orphans']) - 50} more (--format json lists all)")
    if data["dangling"]:
        click.echo(f"\nDepends entries naming no spec: {len(data['dangling'])}")
        for d in data["dangling"]:
            click.echo(f"  {d['spec']} -> {d['ref']}")


# ---------------------------------------------------------------- sdd quality

@click.command("quality")
@click.argument("spec_id", metavar="[ID]", required=False)
@click.option("--all", "all_specs", is_flag=True, help="Score every spec (the default"
              " without ID) and show the project mean.")
@click.option("--min-score", type=click.FloatRange(0, 100), default=None, metavar="N",
              help="Exit 1 when a scored spec is under N.")
@format_option("table", "json")
@pass_sdd
@gc_paused
def quality_cmd(sdd: SddContext, spec_id: str | None, all_specs: bool,
                min_score: float | None, fmt: str) -> None:
    """Score specs out of 100 with a breakdown and a grade (A>=90, B>=80, C>=70, D>=60, F).

    Criteria: RFC 2119 keywords (10), complete scenarios (20), requirements with keywords
    (15), dependencies (10), structure (15), constitution version (10), links (10),
    metadata (10). Plugins add criteria through the register_quality_criteria hook.

    \b
    Example:  sdd quality auth/login
              sdd quality --all --min-score 70 --format json
    """
    from sdd_core.cli.output import emit_table, info
    from sdd_graph.analysis import grade
    from sdd_graph.quality import collect_criteria, flush_memos, score_spec

    if spec_id and all_specs:
        raise click.UsageError("give an ID or --all, not both")
    project = sdd.project
    criteria = collect_criteria(project)
    specs = [project.get(spec_id)] if spec_id else project.specs()
    scored = [score_spec(s, criteria) for s in specs]
    flush_memos()
    mean = round(sum(s.score for s in scored) / len(scored), 1) if scored else 0.0
    failed = [s.id for s in scored if min_score is not None and s.score < min_score]
    if fmt == "json":
        data: dict[str, Any] = {"specs": [s.to_json() for s in scored]}
        if not spec_id:
            data["mean"] = mean
            data["grade"] = grade(mean)
        data["min_score"] = min_score
        data["failed"] = failed
        emit_json(data)
    elif spec_id:
        s = scored[0]
        click.echo(f"{s.id}: {s.score:g}/100 ({s.grade})")
        click.echo("")
        emit_table(s.breakdown, ("name", "points", "max", "note"), max_width=90)
    else:
        names = [c.name for c in criteria]
        rows = [{"id": s.id, "score": s.score, "grade": s.grade,
                 **{b["name"]: b["points"] for b in s.breakdown}} for s in scored]
        emit_table(rows, ("id", "score", "grade", *names))
        click.echo(f"\nProject mean: {mean:g}/100 ({grade(mean)}) over {len(scored)} spec(s)")
    if failed:
        info(f"{len(failed)} spec(s) under --min-score {min_score:g}: "
             + ", ".join(failed[:20]) + (" ..." if len(failed) > 20 else ""))
        raise click.exceptions.Exit(1)


def add_commands(cli: click.Group) -> None:
    """Add this plugin's commands to the ``sdd`` group."""
    cli.add_command(graph_cmd)
    cli.add_command(quality_cmd)
    group = ensure_group(cli, "impact", help="What a change to a spec affects (`sdd impact ID`),"
                         " and the project's dependency health (`sdd impact report`).")
    group.set_default(impact_cmd)
    group.add_command(report_cmd)
