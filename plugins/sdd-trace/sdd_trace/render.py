"""Printing a :class:`~sdd_trace.trace.TraceReport`: a table for people, Markdown for pull
requests (JSON comes from ``TraceReport.to_json``)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from sdd_trace.trace import Ref, TraceReport

SHOWN_REFS = 3


def _refs(refs: list[Ref]) -> str:
    shown = ", ".join(r.location() for r in refs[:SHOWN_REFS])
    more = len(refs) - SHOWN_REFS
    return f"{shown} (+{more} more)" if more > 0 else shown


def summary_line(report: TraceReport) -> str:
    """``Coverage 75.0% (3/4 requirements referenced) ...`` for people."""
    s = report.summary()
    return (f"Coverage {s['coverage']:g}% ({s['covered']}/{s['requirements']} requirements"
            f" referenced; {s['both']} implemented and tested = {s['full_coverage']:g}%,"
            f" {s['implemented']} code only, {s['tested']} tests only, {s['missing']} missing)")


def print_table(report: TraceReport) -> None:
    """The requirements table, the findings and the summary, on stdout."""
    from sdd_core.cli.output import emit_table, style

    rows = [{"id": r.full_id, "status": r.status, "code": _refs(r.code),
             "tests": _refs(r.tests)} for r in report.requirements]
    colours = {"both": "green", "implemented": "yellow", "tested": "yellow", "missing": "red"}
    if rows:
        emit_table(rows, ("id", "status", "code", "tests"),
                   ("REQUIREMENT", "STATUS", "CODE", "TESTS"), max_width=70)
    else:
        click.echo("No requirements found" + (f" in {report.scope}" if report.scope else "")
                   + ".")
    if report.findings:
        click.echo(f"\nFindings ({len(report.findings)}):")
        for f in report.findings:
            sev = style(f.severity.value, fg="red" if f.severity.value == "error" else "yellow")
            click.echo(f"  {f.location()}: {sev} {f.code} {f.message}")
    colour = "green" if report.passed else colours["missing"]
    click.echo("\n" + style(summary_line(report), fg=colour))


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(report: TraceReport) -> str:
    """A Markdown report for a pull-request comment."""
    s = report.summary()
    mark = "✅" if report.passed else "❌"
    lines = [f"## {mark} Spec traceability" + (f": `{report.scope}`" if report.scope else ""),
             "",
             (f"**Coverage {s['coverage']:g}%** (threshold {s['threshold']:g}%):"
             f" {s['covered']} of {s['requirements']} requirements referenced;"
             f" {s['both']} implemented and tested ({s['full_coverage']:g}%)."),
             "",
             "| | requirements |", "|---|---:|",
             f"| implemented and tested | {s['both']} |",
             f"| implemented, no test | {s['implemented']} |",
             f"| tested, no code reference | {s['tested']} |",
             f"| missing | {s['missing']} |", ""]
    by_spec: dict[str, list] = defaultdict(list)
    for r in report.requirements:
        by_spec[r.spec_id].append(r)
    gaps = [(sid, rs) for sid, rs in by_spec.items() if any(r.status == "missing" for r in rs)]
    if gaps:
        lines += ["### Missing requirements", "", "| spec | missing |", "|---|---|"]
        for sid, rs in gaps:
            missing = ", ".join(f"{r.req_id}" + (f" {_md(r.title)}" if r.title else "")
                                for r in rs if r.status == "missing")
            lines.append(f"| `{sid}` | {missing} |")
        lines.append("")
    if report.findings:
        lines += [f"### Findings ({len(report.findings)})", ""]
        for f in report.findings:
            lines.append(f"- `{f.location()}` **{f.code}** {f.severity.value}: {_md(f.message)}")
        lines.append("")
    if report.requirements:
        lines += ["<details><summary>Every requirement</summary>", "",
                  "| requirement | status | code | tests |", "|---|---|---|---|"]
        for r in report.requirements:
            lines.append(f"| `{r.full_id}` | {r.status} | {_md(_refs(r.code))} |"
                         f" {_md(_refs(r.tests))} |")
        lines += ["", "</details>", ""]
    return "\n".join(lines)
