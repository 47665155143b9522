"""Printing data: tables for people, JSON and CSV for programs (stdout only)."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from typing import Any, Iterable, Sequence

import click


def format_option(*choices: str, default: str = "table") -> Any:
    """The ``--format`` option every data command takes."""
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=default,
                        show_default=True, help="Output format.")


def color_enabled() -> bool:
    """Colour only on a terminal, and never with ``NO_COLOR`` set."""
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


def style(text: str, **kwargs: Any) -> str:
    """``click.style`` that honours ``NO_COLOR`` and pipes."""
    return click.style(text, **kwargs) if color_enabled() else text


def to_jsonable(value: Any) -> Any:
    """Dates, sets and models turned into JSON values."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool)):
        return value.value
    return value


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout."""
    click.echo(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (str, int, float)):
        return str(value.value)
    return str(value)


def emit_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    """Print rows as CSV on stdout; cells that a spreadsheet would run as a formula are
    prefixed with a quote."""
    buf = io.StringIO()
    # CRLF rows (RFC 4180): the writer then quotes cells holding a bare CR, which would
    # otherwise split the row
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_csv_cell(_cell(row.get(c))) for c in columns])
    click.echo(buf.getvalue(), nl=False)


def safe_csv_cell(text: str) -> str:
    """Neutralise a cell that starts with ``= + - @`` (CSV formula injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def emit_table(rows: Iterable[dict[str, Any]], columns: Sequence[str],
               headers: Sequence[str] | None = None, max_width: int = 60) -> None:
    """Print rows as an aligned text table on stdout."""
    headers = list(headers or [c.upper() for c in columns])
    body = [[_cell(r.get(c)) for c in columns] for r in rows]
    body = [[v if len(v) <= max_width else v[: max_width - 1] + "…" for v in r] for r in body]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in body:
        lines.append("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
    click.echo("\n".join(lines))


def emit(fmt: str, rows: list[dict[str, Any]], columns: Sequence[str], data: Any = None) -> None:
    """Print rows in ``fmt`` (table, json, csv); ``data`` overrides what JSON prints."""
    if fmt == "json":
        emit_json(rows if data is None else data)
    elif fmt == "csv":
        emit_csv(rows, columns)
    else:
        emit_table(rows, columns)


def info(message: str) -> None:
    """A message for people: stderr, so stdout stays data."""
    click.echo(message, err=True)
