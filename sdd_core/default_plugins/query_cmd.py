"""``sdd query EXPR``: select specs with the query language (docs/query.md).

The query is parsed in the core and answered by the project's index backend (the file scan,
or a cache plugin's compiled SQL), then filtered to what the acting user may view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from sdd_core import hookimpl
from sdd_core.cli import SddContext, pass_sdd
from sdd_core.cli.output import format_option

if TYPE_CHECKING:
    from sdd_core.index import IndexBackend, SpecSummary
    from sdd_core.model import Spec

QUERY_COLUMNS = ("id", "title", "status", "phase", "domain", "updated")


def _front_matter_keys(index: "IndexBackend") -> set[str]:
    """Every front matter key used by the project's specs (fields a query may name)."""
    keys = getattr(index, "front_matter_keys", None)
    if callable(keys):
        return set(keys())
    return {k for spec in index.specs() for k in spec.meta}


def _row(spec: "Spec | SpecSummary") -> dict[str, Any]:
    row = spec.summary()
    row["reviewers"] = list(spec.reviewers)
    return row


@click.command("query", context_settings={"ignore_unknown_options": True,
                                          "help_option_names": ["--help"]})
@click.argument("expr", nargs=-1, required=True)
@format_option("table", "json", "csv")
@click.option("--sort", "sort_key", default="id", show_default=True, metavar="FIELD",
              help="Sort by id, title, status, phase, domain, author, created, updated or"
                   " path; -FIELD sorts descending.")
@click.option("--limit", type=click.IntRange(min=0), default=None, metavar="N",
              help="Show at most N specs (after sorting).")
@click.option("--explain", is_flag=True,
              help="Print how the query was understood instead of running it.")
@click.option("--exact", is_flag=True,
              help="Match words and phrases as case-insensitive substrings of the title,"
                   " description and body instead of through the search backend.")
@pass_sdd
def query_cmd(sdd: SddContext, expr: tuple[str, ...], fmt: str, sort_key: str,
              limit: int | None, explain: bool, exact: bool) -> None:
    """Select specs with a query: fields, AND/OR/NOT, parentheses and full-text words.

    EXPR may be one quoted argument or several words. Words and "phrases" match as
    `sdd search` matches them (stemmed, case and accents ignored, pay* a prefix), through
    the configured search backend; --exact matches them as plain substrings instead.
    Fields: id, title, status, phase, domain, author, tag, reviewer, review, created,
    updated, has, depends_on[*], required_by[*], modified_after/before,
    created_after/before, and any front matter key. See docs/query.md.

    \b
    Example:  sdd query "status:review AND phase:2"
              sdd query "(phase:>=3 OR tag:security) \\"rate limit\\"" --sort -updated
              sdd query "domain:auth,billing -status:deprecated" --format json
    """
    from sdd_core.cli.output import emit, emit_json
    from sdd_core.query import (
        SORT_FIELDS, explain as explain_query, has_text, parse, sort_specs, to_dict,
    )

    text = " ".join(expr)
    if text == "-h":  # -h is help everywhere else; a leading '-' negates only in queries
        ctx = click.get_current_context()
        click.echo(ctx.get_help())
        return
    name = sort_key.lstrip("-+").lower()
    if name not in SORT_FIELDS:
        raise click.BadParameter(f"{sort_key!r}: choose one of {', '.join(SORT_FIELDS)}"
                                 " (prefix - for descending)", param_hint="'--sort'")
    project = sdd.project
    index = project.index()
    node = parse(text, lambda: _front_matter_keys(index))
    if not exact and has_text(node):  # words and phrases: the search backend answers them
        from sdd_core.search import bind_text_terms

        node = bind_text_terms(project, node)
    if explain:
        if fmt == "json":
            emit_json({"query": text, "backend": index.name, "ast": to_dict(node)})
        else:
            click.echo(explain_query(node))
            click.echo(f"(answered by the {index.name!r} index backend)", err=True)
        return
    if project.access_reads_summaries():
        # listing fields only: a cache answers from columns
        specs: list[Any] = project.visible(index.summaries(node))
    else:
        specs = project.visible(index.query(node))  # an access plugin needs whole specs
    specs = sort_specs(specs, sort_key)
    if limit is not None:
        specs = specs[:limit]
    rows = [_row(s) for s in specs]
    emit(fmt, rows, QUERY_COLUMNS)
    if fmt == "table":
        click.echo(f"{len(rows)} spec(s)", err=True)


@hookimpl(trylast=True)
def register_commands(cli):  # type: ignore[no-untyped-def]
    cli.add_command(query_cmd)
