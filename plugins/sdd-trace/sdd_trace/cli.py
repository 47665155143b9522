"""The ``sdd sync`` command (the default subcommand of the ``sync`` group)."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from sdd_core.cli import SddContext, pass_sdd
from sdd_core.cli.output import format_option

if TYPE_CHECKING:
    from sdd_core.model import Spec
    from sdd_core.project import Project
    from sdd_trace.trace import TraceReport

COMMAND_NAME = "coverage"


def _split(values: tuple[str, ...] | list[str]) -> list[str]:
    return [v.strip() for raw in values for v in raw.split(",") if v.strip()]


def _scope(project: Project, spec: str | None) -> tuple[list[Spec], list[Spec]]:
    """(every spec, the specs the report covers): one spec, a folder of specs, or all."""
    from sdd_core.errors import NotFound

    specs = project.specs()
    if spec is None:
        return specs, specs
    hit = project.resolve_ref(spec, {s.id: s for s in specs})
    if hit is not None:
        return specs, [hit]
    prefix = spec.strip("/") + "/"
    chosen = [s for s in specs if s.id.startswith(prefix)]
    if not chosen:
        raise NotFound(f"no spec or spec folder {spec!r} in {project.root}",
                       hint="`sdd list` shows every spec id")
    return specs, chosen


def _folders(project: Project, src: list[str]) -> list[str]:
    """The folders to scan: each ``--src`` (relative to the project root), default the root."""
    if not src:
        return [str(project.root)]
    out = []
    for s in src:
        path = os.path.join(str(project.root), os.path.expanduser(s))
        if not os.path.isdir(path):
            raise click.BadParameter(f"{s!r} is not a folder (relative paths start at the"
                                     f" project root, {project.root})", param_hint="--src")
        out.append(path)
    return out


def build_report(project: Project, spec: str | None = None, *, src: list[str] | None = None,
                 include: list[str] | None = None, exclude: list[str] | None = None,
                 threshold: float = 100.0, gitignore: bool = True) -> TraceReport:
    """Scan the project's source and test files and match them to its requirements."""
    from sdd_trace.mapping import load_mapping
    from sdd_trace.scan import Scanner
    from sdd_trace.trace import Tracer

    every, chosen = _scope(project, spec)
    scanner = Scanner(str(project.root), include=include or (), exclude=exclude or (),
                      gitignore=gitignore)
    tracer = Tracer(project, every, load_mapping(project.root))
    for source in scanner.files(_folders(project, src or [])):
        tracer.add_file(source)
    return tracer.report(chosen, scanner.stats, spec, threshold)


def sync_command() -> click.Command:
    """Build the ``sdd sync`` traceability command."""

    @click.command(COMMAND_NAME, short_help="Requirement coverage by code and tests"
                   " (the default).")
    @click.argument("spec", required=False, metavar="[SPEC]")
    @click.option("--src", multiple=True, metavar="DIR",
                  help="Folder to scan, relative to the project root (repeat or"
                       " comma-separate; default: the whole project).")
    @click.option("--include", multiple=True, metavar="GLOB",
                  help="Scan only files matching GLOB (.gitignore syntax; repeat or"
                       " comma-separate).")
    @click.option("--exclude", multiple=True, metavar="GLOB",
                  help="Skip files and folders matching GLOB (.gitignore syntax).")
    @click.option("--threshold", type=click.FloatRange(0, 100), default=None, metavar="PCT",
                  help="Coverage needed to pass under --ci  [default: 100].")
    @click.option("--ci", is_flag=True,
                  help="Exit 1 when coverage is under --threshold.")
    @click.option("--strict", is_flag=True,
                  help="With --ci, also exit 1 on error findings (unknown specs or"
                       " requirements).")
    @click.option("--no-gitignore", is_flag=True, help="Read files .gitignore ignores too.")
    @format_option("table", "json", "markdown")
    @pass_sdd
    def coverage(sdd: SddContext, spec: str | None, src: tuple[str, ...],
                 include: tuple[str, ...], exclude: tuple[str, ...], threshold: float | None,
                 ci: bool, strict: bool, no_gitignore: bool, fmt: str) -> None:
        """Check spec-to-code traceability: which requirements code and tests reference.

        Scans source and test files (any language) for `@spec <spec-id>#REQ-01` markers
        and test names mentioning a requirement, and reports every requirement as both,
        implemented (code only), tested (tests only) or missing, with file:line references.
        References to specs or requirements that do not exist are findings. SPEC limits
        the report to one spec or a folder of specs.

        \b
        Example:  sdd sync --ci --threshold 80
                  sdd sync auth/login --src src --src tests --format json
                  sdd sync --format markdown > coverage.md
        """
        project = sdd.project
        settings: Any = _settings(project)
        with _no_gc():
            _run(project, spec, settings, src, include, exclude, threshold, ci, strict,
                 no_gitignore, fmt)

    return coverage


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: the run allocates many small acyclic objects
    next to thousands of loaded specs, and each collection would walk them all (at 10,000
    specs that costs more than the scan itself)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run(project: Project, spec: str | None, settings: Any, src: tuple[str, ...],
         include: tuple[str, ...], exclude: tuple[str, ...], threshold: float | None,
         ci: bool, strict: bool, no_gitignore: bool, fmt: str) -> None:
    from sdd_core.cli.output import info
    from sdd_core.errors import CheckFailed
    from sdd_trace.render import markdown, print_table

    report = build_report(
        project, spec,
        src=_split(src) or list(settings.src),
        include=_split(include) or list(settings.include),
        exclude=[*settings.exclude, *_split(exclude)],
        threshold=threshold if threshold is not None else settings.threshold,
        gitignore=not no_gitignore and settings.gitignore,
    )
    if fmt == "json":
        click.echo(report.json_text())
    elif fmt == "markdown":
        click.echo(markdown(report))
    else:
        print_table(report)
    stats = report.stats.to_json()
    skipped = ", ".join(f"{n} {why.replace('_', ' ')}" for why, n in stats["skipped"].items())
    info(f"Scanned {stats['scanned']} file(s)" + (f"; skipped {skipped}" if skipped else ""))
    if ci:
        if not report.passed:
            raise CheckFailed(f"coverage {report.coverage:g}% is under the threshold"
                              f" {report.threshold:g}% ({report.count('missing')}"
                              " requirement(s) missing)",
                              hint="reference them with `@spec <spec-id>#REQ-NN` in code"
                                   " or tests, or lower --threshold")
        errors = [f for f in report.findings if f.severity.value == "error"]
        if strict and errors:
            raise CheckFailed(f"{len(errors)} reference(s) to unknown specs or"
                              " requirements (--strict)")


def _settings(project: Project) -> Any:
    """The ``trace:`` section of ``.sdd/config.yml`` (defaults when it is absent)."""
    try:
        return project.settings("trace")
    except AttributeError:  # pragma: no cover - the section is registered with the plugin
        from sdd_trace.settings import TraceSettings

        return TraceSettings()
