"""``sdd audit``: logs, export, verify, prune, head."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from sdd_core.cli import SddContext, pass_sdd
from sdd_core.cli.output import format_option

if TYPE_CHECKING:
    from sdd_core.project import Project

LOG_COLUMNS = ("seq", "timestamp", "actor", "action", "resource", "source")
CSV_COLUMNS = ("id", "seq", "timestamp", "actor", "action", "resource", "domain", "source",
               "hostname", "tool_version", "before", "after", "reason", "diff", "details",
               "prev_hash", "hash")


def _filter_options(fn: Any) -> Any:
    for opt in reversed([
        click.option("--actor", metavar="@USER", help="Only records of this user."),
        click.option("--action", metavar="ACTION",
                     help="Only this action (spec.delete finds spec.deleted; globs: spec.*)."),
        click.option("--resource", metavar="ID", help="Only this resource (a spec id; globs ok)."),
        click.option("--since", metavar="DATE", help="From this day or ISO time (UTC)."),
        click.option("--until", metavar="DATE", help="Up to this day (inclusive) or ISO time."),
    ]):
        fn = opt(fn)
    return fn


def _select(project: Project, actor: str | None, action: str | None, resource: str | None,
            since: str | None, until: str | None) -> list[dict[str, Any]]:
    from sdd_audit import search

    project.authorize(project.actor, "audit.view", None)
    return search(project, actor=actor, action=action, resource=resource, since=since,
                  until=until)


@click.command("logs")
@_filter_options
@click.option("--limit", type=int, metavar="N", help="Only the newest N records.")
@format_option("table", "json")
@pass_sdd
def logs_cmd(sdd: SddContext, actor: str | None, action: str | None, resource: str | None,
             since: str | None, until: str | None, limit: int | None, fmt: str) -> None:
    """Show audit records, oldest first, filtered.

    \b
    Example:  sdd audit logs --actor @alice --action spec.delete --since 2026-01-01
    """
    from sdd_core.cli.output import emit_json, emit_table, info

    records = _select(sdd.project, actor, action, resource, since, until)
    if limit is not None:
        records = records[-limit:] if limit > 0 else []
    if fmt == "json":
        emit_json(records)
        return
    rows = [{**r, "source": (r.get("metadata") or {}).get("source")} for r in records]
    emit_table(rows, LOG_COLUMNS)
    info(f"{len(rows)} record(s)")


def _csv_row(record: dict[str, Any]) -> dict[str, Any]:
    import json

    details = dict(record.get("details") or {})
    meta = record.get("metadata") or {}
    row = {k: record.get(k) for k in ("id", "seq", "timestamp", "actor", "action", "resource",
                                      "domain", "prev_hash", "hash")}
    row.update(source=meta.get("source"), hostname=meta.get("hostname"),
               tool_version=meta.get("tool_version"))
    for key in ("before", "after", "reason", "diff"):
        row[key] = details.pop(key, None)
    row["details"] = json.dumps(details, sort_keys=True, ensure_ascii=False) if details else ""
    return row


def render_csv(records: list[dict[str, Any]]) -> str:
    """Records as CSV (RFC 4180); every cell a spreadsheet would run as a formula (``= + - @``, tab,
    carriage return) is prefixed with ``'``."""
    import csv
    import io

    from sdd_core.cli.output import safe_csv_cell

    buf = io.StringIO()
    # CRLF rows (RFC 4180): the writer then quotes every cell holding a \r or a \n, which
    # with a bare \n terminator it would leave unquoted for \r
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for rec in records:
        row = _csv_row(rec)
        writer.writerow([safe_csv_cell("" if row.get(c) is None else str(row[c]))
                         for c in CSV_COLUMNS])
    return buf.getvalue()


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="json",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write to this file (default: stdout).")
@_filter_options
@pass_sdd
def export_cmd(sdd: SddContext, fmt: str, output: str | None, actor: str | None,
               action: str | None, resource: str | None, since: str | None,
               until: str | None) -> None:
    """Export audit records as CSV or JSON (the export itself is audited).

    \b
    Example:  sdd audit export --format csv -o audit-2026.csv --since 2026-01-01
    """
    import json
    from pathlib import Path

    from sdd_core.cli.output import info, to_jsonable
    from sdd_core.errors import SddError
    from sdd_core.model import Event
    from sdd_core.storage import atomic_write

    project = sdd.project
    records = _select(project, actor, action, resource, since, until)
    if fmt == "csv":
        text = render_csv(records)
    else:
        text = json.dumps(to_jsonable(records), indent=2, ensure_ascii=False) + "\n"
    project.emit(Event(type="audit.export", actor=project.actor, resource=None, details={
        "format": fmt, "count": len(records), "output": output,
        "filters": {k: v for k, v in {"actor": actor, "action": action, "resource": resource,
                                      "since": since, "until": until}.items() if v}}))
    if output:
        try:
            atomic_write(Path(output), text.encode("utf-8"))
        except OSError as exc:
            raise SddError(f"cannot write {output}: {exc.strerror or exc}") from exc
        info(f"Exported {len(records)} audit record(s) as {fmt} to {output}")
    else:
        click.echo(text, nl=False)


@click.command("verify")
@format_option("table", "json")
@pass_sdd
def verify_cmd(sdd: SddContext, fmt: str) -> None:
    """Check the hash chain; name the first record edited, removed or reordered (exit 1).

    \b
    Example:  sdd audit verify --format json
    """
    from sdd_audit import audit_log
    from sdd_core.cli.output import emit_json, info

    result = audit_log(sdd.project).verify()
    if fmt == "json":
        emit_json(result.to_json())
    else:
        for warning in result.warnings:
            info(f"warning: {warning}")
        if result.ok:
            head = f", head #{result.head_seq} {result.head_hash[:16]}" if result.head_hash else ""
            start = (f" (starts at #{result.first_seq} after a prune)"
                     if result.first_seq not in (None, 1) else "")
            click.echo(f"audit log intact: {result.records} record(s) in"
                       f" {len(result.files)} file(s){head}{start}")
        else:
            assert result.problem is not None
            click.echo(f"audit log NOT intact: {result.problem.message}")
    if not result.ok:
        raise click.exceptions.Exit(1)


@click.command("prune")
@click.option("--dry-run", is_flag=True, help="Show what would be removed; change nothing.")
@format_option("table", "json")
@pass_sdd
def prune_cmd(sdd: SddContext, dry_run: bool, fmt: str) -> None:
    """Remove records past their retention (audit.retention, by domain classification).

    The oldest records are removed while all of them are expired; a checkpoint record
    (action audit.prune) names the last one removed, so `sdd audit verify` still passes.

    \b
    Example:  sdd audit prune --dry-run
    """
    import datetime as dt

    from sdd_audit import audit_log
    from sdd_audit.recorder import build_entry
    from sdd_core.cli.output import emit_json
    from sdd_core.model import Event

    project = sdd.project
    project.authorize(project.actor, "audit.prune", None)
    settings = project.settings("audit")
    now = dt.datetime.now(dt.UTC)

    def expired(record: dict[str, Any]) -> bool:
        when = settings.expires(record)
        return when is not None and when <= now

    def checkpoint(details: dict[str, Any]) -> dict[str, Any]:
        event = Event(type="audit.prune", actor=project.actor, resource=None, details=details)
        return build_entry(project, event)

    result = audit_log(project).prune(expired, checkpoint, dry_run=dry_run)
    if fmt == "json":
        emit_json({"dry_run": dry_run, **result.to_json()})
        return
    verb = "would remove" if dry_run else "removed"
    if result.pruned == 0:
        click.echo("nothing to prune: the oldest record is within its retention")
    else:
        click.echo(f"{verb} {result.pruned} record(s) through #{result.through_seq}"
                   f" ({result.kept} kept"
                   f"{', files ' + ', '.join(result.files_removed) if result.files_removed else ''})")
        if result.checkpoint:
            click.echo(f"checkpoint #{result.checkpoint['seq']} {result.checkpoint['hash'][:16]}"
                       f" names the last pruned record {result.last_pruned_hash[:16]}"
                       if result.last_pruned_hash else "")
    if result.held_back:
        click.echo(f"{result.held_back} expired record(s) are kept because an older record"
                   " must still be kept", err=True)


@click.command("head")
@format_option("table", "json")
@pass_sdd
def head_cmd(sdd: SddContext, fmt: str) -> None:
    """Print the newest record's number and hash, to keep a copy outside the log.

    \b
    Example:  sdd audit head --format json
    """
    from sdd_audit import audit_log
    from sdd_core.cli.output import emit_json

    head = audit_log(sdd.project).read_head() or {}
    if fmt == "json":
        emit_json(head)
    elif head.get("hash"):
        click.echo(f"#{head['seq']} {head['hash']} {head.get('timestamp', '')}")
    else:
        click.echo("the audit log is empty", err=True)


def add_commands(cli: click.Group) -> None:
    """Add the ``sdd audit`` group."""
    from sdd_core import ensure_group

    group = ensure_group(cli, "audit", help="The tamper-evident audit log: search, export,"
                                            " verify, prune.")
    for cmd in (logs_cmd, export_cmd, verify_cmd, prune_cmd, head_cmd):
        group.add_command(cmd)
