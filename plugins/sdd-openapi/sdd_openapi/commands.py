"""The ``sdd openapi`` commands: generate, check, import.

Only click and sdd_core's CLI helpers at module level; YAML and the plugin's logic are
imported when a command runs.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from sdd_core.cli import SddContext, ensure_group, pass_sdd
from sdd_core.cli.output import format_option

GROUP_HELP = ("OpenAPI: generate a document from the operations specs declare, check a"
              " document's coverage by the specs, import spec skeletons from one.")


def _write(output: str, text: str) -> None:
    """Write ``text`` to ``output`` atomically (the core's ``write_output``)."""
    from sdd_core import write_output

    write_output(output, text)

@click.command("generate")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write to this file (default: stdout). A .json name writes JSON.")
@click.option("--title", help="info.title (default: the project name).")
@click.option("--version", "api_version", default="0.1.0", show_default=True,
              help="info.version: the API's version.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default=None,
              help="Document format (default: from the -o name, else yaml).")
@click.option("--domain", multiple=True, help="Only the specs of these domains.")
@pass_sdd
def generate_cmd(sdd: SddContext, output: str | None, title: str | None, api_version: str,
                 fmt: str | None, domain: tuple[str, ...]) -> None:
    """Write an OpenAPI 3.1 document of the operations the specs declare.

    Specs declare operations in front matter (api: with method, path, and optional
    operationId and summary) or as `METHOD /path` lines of a `## API` section. Each
    operation links back to its specs with x-sdd-spec.

    \b
    Example:  sdd openapi generate -o openapi.yaml --title "Billing API" --version 1.2.0
    """
    from sdd_core.cli.output import info
    from sdd_openapi.generate import dump, generate

    project = sdd.project
    settings = project.settings("project")
    name = title or settings.name or project.root.name
    description = getattr(settings, "description", None)
    specs = project.specs()
    if domain:
        wanted = {d.strip() for value in domain for d in value.split(",") if d.strip()}
        specs = [s for s in specs if s.domain in wanted]
    result = generate(specs, title=name, version=api_version,
                      description=description or None)
    for warning in result.warnings:
        info(f"warning: {warning}")
    fmt = fmt or ("json" if output and output.lower().endswith(".json") else "yaml")
    text = dump(result.document, fmt)
    if output:
        _write(output, text)
        info(f"Wrote {result.operations} operation(s) to {output}")
    else:
        sys.stdout.write(text)


@click.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@format_option("table", "json")
@click.option("--ci", is_flag=True,
              help="Fail (exit 1) on any gap: an operation no spec covers (unless"
                   " --threshold allows it) or a spec naming an operation the document lacks.")
@click.option("--threshold", type=click.FloatRange(0, 100), metavar="PCT",
              help="Fail (exit 1) when coverage is below PCT percent.")
@pass_sdd
def check_cmd(sdd: SddContext, file: str, fmt: str, ci: bool, threshold: float | None) -> None:
    """Compare an OpenAPI document (YAML or JSON, 3.0 or 3.1) with the specs.

    Lists the document's operations no spec covers, the operations specs declare that the
    document lacks, and the coverage: covered operations / document operations. Paths
    compare structurally (/a/{id} equals /a/{invoiceId}).

    Exit 1 when coverage is below --threshold; with --ci also when an operation is
    uncovered (no --threshold given) or a spec names an operation the document lacks.

    \b
    Example:  sdd openapi check openapi.yaml --ci --threshold 80
    """
    from sdd_core import CheckFailed
    from sdd_core.cli import output
    from sdd_openapi.coverage import compare
    from sdd_openapi.document import load_document

    doc = load_document(file)
    report = compare(doc, sdd.project.specs())
    failures: list[str] = []
    if threshold is not None and report.percent < threshold:
        failures.append(f"coverage {report.percent:g}% is below the threshold {threshold:g}%")
    if ci:
        if threshold is None and report.uncovered:
            failures.append(f"{len(report.uncovered)} operation(s) of the document are not"
                            " covered by any spec")
        if report.missing:
            failures.append(f"{len(report.missing)} operation(s) named by specs are not in"
                            " the document")
    if fmt == "json":
        data = report.to_json()
        data.update(threshold=threshold, passed=not failures, failures=failures)
        output.emit_json(data)
    else:
        _print_table(report)
    if failures:
        raise CheckFailed("; ".join(failures),
                          hint="declare the operations in the specs (api: front matter or a"
                               " ## API section), or update the document")


def _print_table(report: Any) -> None:
    from sdd_core.cli import output

    rows = [{"state": "covered", "method": r["method"], "path": r["path"],
             "specs": r["specs"]} for r in report.covered]
    rows += [{"state": "uncovered", "method": r["method"], "path": r["path"], "specs": "-"}
             for r in report.uncovered]
    rows += [{"state": "missing", "method": r["method"], "path": r["path"],
              "specs": f"{r['spec']} ({r['file']}:{r['line']})"} for r in report.missing]
    if rows:
        output.emit_table(rows, ("state", "method", "path", "specs"))
        click.echo("")
    click.echo(f"{report.document} (OpenAPI {report.openapi}): {report.operations}"
               f" operation(s), {len(report.covered)} covered by specs,"
               f" {len(report.uncovered)} uncovered; coverage {report.percent:g}%")
    if report.missing:
        click.echo(f"{len(report.missing)} operation(s) named by specs are not in the document")


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--domain", default="api", show_default=True,
              help="Domain (first folder of the spec ids) of the new specs.")
@click.option("--by", type=click.Choice(["tag", "operation"]), default="tag", show_default=True,
              help="One spec per tag (untagged operations: per first path segment) or per"
                   " operation.")
@click.option("--dry-run", is_flag=True, help="List what would be created; write nothing.")
@format_option("table", "json")
@pass_sdd
def import_cmd(sdd: SddContext, file: str, domain: str, by: str, dry_run: bool,
               fmt: str) -> None:
    """Create spec skeletons from an OpenAPI document (3.0 or 3.1).

    Each skeleton declares its operations (api: front matter), has a requirement per
    operation derived from its parameters and responses, and a scenario per operation.
    An existing spec is never overwritten: it is reported as skipped.

    \b
    Example:  sdd openapi import openapi.yaml --domain billing --by tag --dry-run
    """
    import datetime as dt

    from sdd_core import Conflict
    from sdd_core.cli import output
    from sdd_openapi.document import load_document
    from sdd_openapi.importer import plan, render, slug

    project = sdd.project
    doc = load_document(file)
    domain = slug(domain)
    constitution = project.constitution
    version = constitution.version if constitution is not None and not constitution.problem \
        else None
    today = dt.date.today().isoformat()
    existing = project.index().specs()
    ids = {s.id for s in existing}
    rows: list[dict[str, Any]] = []
    for sk in plan(doc, domain=domain, by=by):
        rel = project.new_spec_path(sk.spec_id)
        row: dict[str, Any] = {"spec": sk.spec_id, "path": rel,
                               "operations": [o.label() for o in sk.operations]}
        if sk.spec_id in ids or project.storage.exists(rel):
            row["action"] = "skipped"
            row["reason"] = "a spec with this id or path exists"
        elif dry_run:
            row["action"] = "would create"
        else:
            text = render(doc, sk, created=today, constitution_version=version)
            try:
                project.write_spec(rel, text, create=True,
                                   details={"source": "openapi", "document": str(file)})
            except Conflict:
                row["action"] = "skipped"
                row["reason"] = "a spec with this id or path exists"
            else:
                row["action"] = "created"
        rows.append(row)
    if fmt == "json":
        output.emit_json({"document": str(file), "dry_run": dry_run, "specs": rows})
    else:
        output.emit_table([{**r, "operations": len(r["operations"])} for r in rows],
                          ("action", "spec", "operations", "path"))
    counts = {a: sum(1 for r in rows if r["action"] == a)
              for a in ("created", "would create", "skipped")}
    summary = ", ".join(f"{n} {a}" for a, n in counts.items() if n) or "nothing to import"
    output.info(f"{doc.path}: {len(doc.operations)} operation(s); {summary}")


def add_commands(cli: click.Group) -> None:
    """Add ``sdd openapi generate|check|import``."""
    group = ensure_group(cli, "openapi", help=GROUP_HELP)
    for cmd in (generate_cmd, check_cmd, import_cmd):
        group.add_command(cmd)
