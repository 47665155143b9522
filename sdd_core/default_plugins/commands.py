"""The base commands: init, new, list, show, status, validate, export, plugins.

Registered through ``register_commands`` like any plugin's. Heavy modules are imported
inside the command functions so that ``sdd --help`` stays fast.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from sdd_core import hookimpl
from sdd_core.cli import SddContext, pass_sdd
from sdd_core.cli.output import format_option

if TYPE_CHECKING:
    from sdd_core.model import Spec
    from sdd_core.project import Project

LIST_COLUMNS = ("id", "title", "status", "phase", "domain", "depends")


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for raw in values for v in raw.split(",") if v.strip()]


@click.command("init")
@click.argument("path", required=False, type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite the generated files if they exist.")
@click.option("--name", help="Project name (default: the folder name).")
def init_cmd(path: str | None, force: bool, name: str | None) -> None:
    """Create .sdd/ with a constitution, config, specs/, templates and a .gitignore.

    Running it again changes nothing (unless --force); existing specs are never touched.

    \b
    Example:  sdd init my-project
    """
    import datetime as dt
    from importlib.resources import files
    from pathlib import Path

    import jinja2

    from sdd_core.storage import atomic_write

    root = Path(path or ".").resolve()
    sdd = root / ".sdd"
    tpl = files("sdd_core") / "templates"
    values = {"created": dt.date.today().isoformat(), "name": name or root.name}
    env = jinja2.Environment(keep_trailing_newline=True)
    created: list[str] = []
    wanted = {
        sdd / "constitution.md": env.from_string(tpl.joinpath("constitution.md").read_text()).render(values),
        sdd / "config.yml": env.from_string(tpl.joinpath("config.yml").read_text()).render(values),
        sdd / "templates" / "spec.md.j2": tpl.joinpath("spec.md.j2").read_text(),
        sdd / ".gitignore": ".cache/\n",
    }
    (sdd / "specs").mkdir(parents=True, exist_ok=True)
    (sdd / "plugins").mkdir(exist_ok=True)
    for target, text in wanted.items():
        if target.exists() and not force:
            continue
        atomic_write(target, text.encode("utf-8"))
        created.append(str(target.relative_to(root)))
    if created:
        click.echo(f"Initialised SDD project in {root}: " + ", ".join(created), err=True)
    else:
        click.echo(f"{root} is already an SDD project (nothing changed; --force rewrites"
                   " the generated files)", err=True)


@click.command("new")
@click.argument("spec_id", metavar="DOMAIN/NAME")
@click.option("--title", help="Title (default: from NAME).")
@click.option("--status", type=click.Choice(["draft", "review", "approved", "implemented",
                                             "deprecated"]), default="draft", show_default=True)
@click.option("--depends", multiple=True, metavar="ID", help="A spec this one depends on"
              " (repeat or comma-separate).")
@click.option("--description", help="One-line description.")
@click.option("--template", default="spec.md.j2", show_default=True,
              help="Template name in .sdd/templates/ (falls back to the built-in one).")
@pass_sdd
def new_cmd(sdd: SddContext, spec_id: str, title: str | None, status: str,
            depends: tuple[str, ...], description: str | None, template: str) -> None:
    """Create a spec from a template (override it in .sdd/templates/).

    \b
    Example:  sdd new billing/invoice-export --title "Invoice export" --depends billing/invoice
    """
    import datetime as dt
    from importlib.resources import files

    import jinja2

    from sdd_core.errors import NotFound

    project = sdd.project
    rel = project.new_spec_path(spec_id)
    parts = spec_id.strip("/").split("/")
    domain = parts[0] if len(parts) > 1 else "common"
    deps = _split(depends)
    known = project.load().by_id()
    for d in deps:
        if project.resolve_ref(d, known) is None:
            raise NotFound(f"--depends {d!r}: no such spec", hint="`sdd list` shows the ids")
    user_tpl = project.sdd_dir / "templates" / template
    source = (user_tpl.read_text(encoding="utf-8") if user_tpl.is_file()
              else (files("sdd_core") / "templates" / "spec.md.j2").read_text())
    try:
        text = jinja2.Environment(keep_trailing_newline=True).from_string(source).render(
            id=spec_id.strip("/"), title=title or parts[-1].replace("-", " ").capitalize(),
            status=status, created=dt.date.today().isoformat(), domain=domain, depends=deps,
            description=description, author=project.actor.name,
            constitution_version=project.constitution.version if project.constitution else None,
        )
    except jinja2.TemplateError as exc:
        from sdd_core.errors import ProjectError

        raise ProjectError(f"template {user_tpl}: {exc}") from exc
    spec = project.write_spec(rel, text, create=True)
    click.echo(f"Created {rel} ({spec.id})", err=True)


def _filtered(project: "Project", status: tuple[str, ...], domain: tuple[str, ...],
              phase: tuple[int, ...], tag: tuple[str, ...], *, summaries: bool = False
              ) -> "list[Any]":
    """The specs (``summaries``: their listing fields only) passing the list filters."""
    st, dm, tg = set(_split(status)), set(_split(domain)), set(_split(tag))
    out = []
    for s in (project.summaries() if summaries else project.specs()):
        if (st and s.status not in st) or (dm and s.domain not in dm):
            continue
        if (phase and s.phase not in phase) or (tg and not tg & set(s.tags)):
            continue
        out.append(s)
    return out


@click.command("list")
@click.option("--status", multiple=True, help="Only these statuses (comma-separated ok).")
@click.option("--domain", multiple=True, help="Only these domains.")
@click.option("--phase", multiple=True, type=int, help="Only these phases.")
@click.option("--tag", multiple=True, help="Only specs with one of these tags.")
@format_option("table", "json", "csv")
@pass_sdd
def list_cmd(sdd: SddContext, status: tuple[str, ...], domain: tuple[str, ...],
             phase: tuple[int, ...], tag: tuple[str, ...], fmt: str) -> None:
    """List specs.

    \b
    Example:  sdd list --status review --domain auth --format json
    """
    from sdd_core.cli.output import emit

    specs = _filtered(sdd.project, status, domain, phase, tag, summaries=True)
    rows = [s.summary() for s in specs]
    emit(fmt, rows, LIST_COLUMNS)
    if fmt == "table":
        click.echo(f"{len(rows)} spec(s)", err=True)


@click.command("show")
@click.argument("spec_id", metavar="ID")
@format_option("markdown", "json", default="markdown")
@pass_sdd
def show_cmd(sdd: SddContext, spec_id: str, fmt: str) -> None:
    """Show one spec (by id or path).

    \b
    Example:  sdd show auth/login --format json
    """
    from sdd_core.cli.output import emit_json

    project = sdd.project
    spec = project.get(spec_id)
    if fmt == "json":
        data = spec.to_json()
        by_id = project.load().by_id()
        data["dependents"] = sorted(
            s.id for s in project.visible(by_id.values())
            if any(project.resolve_ref(d, by_id, s) is spec for d in s.depends))
        emit_json(data)
    else:
        click.echo((project.root / spec.path).read_text(encoding="utf-8"), nl=False)


@click.command("status")
@format_option("table", "json")
@pass_sdd
def status_cmd(sdd: SddContext, fmt: str) -> None:
    """Counts of specs by status, domain and phase.

    \b
    Example:  sdd status --format json
    """
    from collections import Counter

    from sdd_core.cli.output import emit_json, emit_table
    from sdd_core.model import STATUSES

    project = sdd.project
    specs = project.specs()
    by_status = Counter(s.status for s in specs)
    by_domain = Counter(s.domain for s in specs)
    by_phase = Counter("none" if s.phase is None else str(s.phase) for s in specs)
    data = {
        "project": project.settings("project").name or project.root.name,
        "root": str(project.root),
        "constitution_version": project.constitution.version if project.constitution else None,
        "total": len(specs),
        "by_status": {k: by_status.get(k, 0) for k in STATUSES if by_status.get(k)}
        | {k: v for k, v in by_status.items() if k not in STATUSES},
        "by_domain": dict(sorted(by_domain.items())),
        "by_phase": dict(sorted(by_phase.items(), key=lambda kv: (kv[0] == "none", kv[0].zfill(6)))),
    }
    if fmt == "json":
        emit_json(data)
        return
    click.echo(f"{data['project']}: {len(specs)} spec(s)"
               + (f", constitution {data['constitution_version']}"
                  if data["constitution_version"] else ""))
    for title, key in (("status", "by_status"), ("domain", "by_domain"), ("phase", "by_phase")):
        click.echo("")
        counts: dict[str, int] = data[key]  # type: ignore[assignment]
        emit_table([{title: k, "specs": v} for k, v in counts.items()], (title, "specs"))


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@format_option("table", "json")
@pass_sdd
def validate_cmd(sdd: SddContext, paths: tuple[str, ...], strict: bool, fmt: str) -> None:
    """Check specs against every registered rule; exit 1 when there are errors.

    PATHS limits the report to those files or folders (every spec is still read, so
    cross-spec rules stay right).

    \b
    Example:  sdd validate --strict .sdd/specs/auth
    """
    from pathlib import Path

    from sdd_core.cli.output import emit_json, style
    from sdd_core.model import Severity
    from sdd_core.validation import apply_policy, run_rules

    project = sdd.project
    rel_paths = []
    for p in paths:
        full = Path(p).resolve()
        try:
            rel_paths.append(full.relative_to(project.root).as_posix())
        except ValueError:
            from sdd_core.errors import ProjectError

            raise ProjectError(f"{p} is outside the project {project.root}") from None
    index = project.index()
    findings = index.validation_findings(lambda result: run_rules(project, result))
    if project.access_reads_summaries():
        summaries = index.summaries()  # paths only: a cache need not build the specs
        all_paths = {s.path for s in summaries}
        visible = {s.path for s in project.visible(summaries)}
    else:
        specs = index.specs()  # an access plugin decides on whole specs
        all_paths = {s.path for s in specs}
        visible = {s.path for s in project.visible(specs)}
    findings = [f for f in findings if f.path is None or f.path in visible or f.path not in all_paths]
    findings = apply_policy(project, findings, strict=strict, paths=tuple(rel_paths))
    errors = sum(1 for f in findings if f.severity == Severity.ERROR)
    warnings = sum(1 for f in findings if f.severity == Severity.WARNING)
    checked = len([path for path in all_paths if path in visible and (not rel_paths or any(
        path == p or path.startswith(p.rstrip("/") + "/") for p in rel_paths))])
    if fmt == "json":
        emit_json({"valid": errors == 0, "specs": checked, "errors": errors,
                   "warnings": warnings, "findings": findings})
    else:
        for f in findings:
            colour = {"error": "red", "warning": "yellow"}.get(f.severity.value, "blue")
            click.echo(f"{f.location()}: {style(f.severity.value, fg=colour)} {f.code} {f.message}")
        summary = f"{checked} spec(s) checked: {errors} error(s), {warnings} warning(s)"
        click.echo(summary, err=True)
    if errors:
        raise click.exceptions.Exit(1)


@click.command("export")
@click.option("--format", "fmt", default="json", show_default=True,
              help="Export format (see `sdd plugins` for the installed ones): json, markdown,"
                   " html, ...")
@click.option("-o", "--output", type=click.Path(), help="Write to this file (default: stdout).")
@click.option("--domain", multiple=True, help="Only these domains.")
@click.option("--status", multiple=True, help="Only these statuses.")
@pass_sdd
def export_cmd(sdd: SddContext, fmt: str, output: str | None, domain: tuple[str, ...],
               status: tuple[str, ...]) -> None:
    """Export specs through a registered exporter.

    \b
    Example:  sdd export --format html -o specs.html
    """
    from sdd_core.model import Event
    from sdd_core.storage import write_output

    project = sdd.project
    exporters = project.exporters
    if fmt not in exporters:
        raise click.UsageError(f"unknown export format {fmt!r}; installed: "
                               f"{', '.join(exporters.names())}")
    exporter = exporters[fmt]
    specs = _filtered(project, status, domain, (), ())
    project.authorize(project.actor, "spec.export", None)
    if exporter.directory and not output:
        raise click.UsageError(f"format {fmt!r} writes a folder: give -o DIR")
    result = exporter.export(project, specs, {"output": output})
    project.emit(Event(type="spec.export", actor=project.actor, resource=None,
                       details={"format": fmt, "count": len(specs), "output": output}))
    if result is None:
        click.echo(f"Exported {len(specs)} spec(s) as {fmt} to {output}", err=True)
        return
    data = result.encode("utf-8") if isinstance(result, str) else result
    if output:
        write_output(output, data)
        click.echo(f"Exported {len(specs)} spec(s) as {fmt} to {output}", err=True)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


@click.command("plugins")
@format_option("table", "json")
def plugins_cmd(fmt: str) -> None:
    """List loaded plugins: name, version, hooks implemented, where loaded from.

    \b
    Example:  sdd plugins --format json
    """
    from sdd_core.cli.output import emit_json, emit_table
    from sdd_core.plugins import get_plugin_manager

    pm = get_plugin_manager()
    rows: list[dict[str, Any]] = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda x: x[0]):
        info = pm.info.get(name)
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        rows.append({
            "name": name, "kind": info.kind if info else "registered",
            "version": info.version if info else None,
            "distribution": info.distribution if info else None,
            "location": info.location if info else getattr(plugin, "__name__", None),
            "hooks": hooks,
        })
    failed = [{"name": e.name, "error": e.error} for e in pm.load_errors]
    if fmt == "json":
        emit_json({"plugins": rows, "failed": failed})
    else:
        emit_table(rows, ("name", "kind", "version", "location", "hooks"), max_width=70)
        for f in failed:
            click.echo(f"failed: {f['name']}: {f['error']}", err=True)


@hookimpl(trylast=True)
def register_commands(cli):  # type: ignore[no-untyped-def]
    for cmd in (init_cmd, new_cmd, list_cmd, show_cmd, status_cmd, validate_cmd, export_cmd,
                plugins_cmd):
        cli.add_command(cmd)
