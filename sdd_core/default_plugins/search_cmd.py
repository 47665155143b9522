"""``sdd search TEXT``: ranked full-text search (docs/search.md), and the built-in ``scan``
search backend (the fallback when no plugin provides one, and the conformance oracle).

``sdd query`` matches its words through the same backend (unranked); this command ranks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from sdd_core import hookimpl
from sdd_core.cli import SddContext, pass_sdd
from sdd_core.cli.output import format_option

if TYPE_CHECKING:
    from sdd_core.search import SearchBackend, SearchHit


def _open_scan(project: Any) -> "SearchBackend":
    from sdd_core.search import ScanBackend

    return ScanBackend(project)


@hookimpl(trylast=True)
def register_search_backends(register):  # type: ignore[no-untyped-def]
    from sdd_core.search import SearchBackendFactory

    register(SearchBackendFactory("scan", _open_scan, priority=0,
                                  description="reads and ranks every spec in memory on each run"
                                              " (no index)"))


def _hit_json(hit: "SearchHit") -> dict[str, Any]:
    out: dict[str, Any] = {"id": hit.spec_id, "type": hit.type}
    if hit.type != "spec":
        out["item_id"] = hit.item_id
        out["ref"] = f"{hit.spec_id}#{hit.item_id}" if hit.type == "requirement" else None
    out.update({"title": hit.title, "score": round(hit.score, 4), "snippet": hit.snippet,
                "domain": hit.domain, "status": hit.status, "matched": list(hit.matched)})
    if hit.type != "spec":
        out["text"] = hit.text
    return out


def _bold(snippet: str) -> str:
    from sdd_core.cli.output import color_enabled
    from sdd_core.search import HIGHLIGHT_END, HIGHLIGHT_START

    if not color_enabled():
        return snippet
    return snippet.replace(HIGHLIGHT_START, "\x1b[1m").replace(HIGHLIGHT_END, "\x1b[22m")


def _print_hits(hits: "list[SearchHit]") -> None:
    from sdd_core.cli.output import style

    for hit in hits:
        if hit.type == "spec":
            head = f"{style(hit.spec_id, fg='cyan')}  {hit.title}"
        else:
            sep = "#" if hit.type == "requirement" else " / "
            head = f"{style(hit.spec_id + sep + str(hit.item_id), fg='cyan')}  {hit.title}"
        click.echo(f"{head}  [{hit.score:.2f}]")
        click.echo(f"    {_bold(hit.snippet)}")


@click.command("search")
@click.argument("text", nargs=-1, required=True)
@click.option("--domain", "domains", multiple=True, metavar="D",
              help="Only specs of this domain (repeatable).")
@click.option("--status", "statuses", multiple=True, metavar="S",
              help="Only specs with this status (repeatable).")
@click.option("--type", "hit_type", type=click.Choice(["spec", "requirement", "scenario"]),
              default="spec", show_default=True,
              help="What to return: whole specs, or the matching requirements or scenarios.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              metavar="N", help="At most N hits.")
@format_option("table", "json")
@click.option("--backend", "backend_name", default=None, metavar="NAME",
              help="Search backend to use (default: search.backend, else the best installed).")
@click.option("--fuzzy", is_flag=True, help="Also match words spelt similarly.")
@pass_sdd
def search_cmd(sdd: SddContext, text: tuple[str, ...], domains: tuple[str, ...],
               statuses: tuple[str, ...], hit_type: str, limit: int, fmt: str,
               backend_name: str | None, fuzzy: bool) -> None:
    """Ranked full-text search over titles, requirements, scenarios and bodies.

    All words must match (stemmed, case and accents ignored); "quoted phrases" match as a
    sequence, pay* matches words starting with pay, -word and -"a phrase" exclude. Titles
    and requirement text weigh more than the body. Hits are ranked by BM25, each with a
    snippet whose matched words are marked « » (bold on a terminal).

    \b
    Example:  sdd search payment failure handling
              sdd search "MUST validate" --type requirement --format json
              sdd search 'refund* -"partial refund"' --domain billing --limit 5
    """
    import dataclasses

    from sdd_core.cli.output import emit_json, info
    from sdd_core.search import SearchQuery, open_search_backend, parse_search, search_visible

    query_text = " ".join(text)
    terms = parse_search(query_text)
    if terms.empty:
        raise click.UsageError("nothing to search for: give at least one word that is not"
                               " excluded")
    project = sdd.project
    backend = open_search_backend(project, backend_name)
    query = SearchQuery(text=query_text, terms=terms, type=hit_type,  # type: ignore[arg-type]
                        domains=domains, statuses=statuses, limit=limit, fuzzy=fuzzy)
    hits = search_visible(project, backend, query)
    relaxed = False
    if not hits and len(terms.words) + len(terms.phrases) + len(terms.prefixes) > 1:
        hits = search_visible(project, backend, dataclasses.replace(query, match="any"))
        relaxed = bool(hits)
    if fmt == "json":
        emit_json([_hit_json(h) for h in hits])
    else:
        _print_hits(hits)
        info(f"{len(hits)} hit(s) ({backend.name})")
    if relaxed:
        info("no spec matches every word; showing specs that match some of them")
    if not hits:
        hints = []
        for word in terms.words:
            close = backend.suggest(word)
            if close:
                hints.append(f"{word} → {' / '.join(close)}")
        if hints:
            info("did you mean: " + "; ".join(hints) + "?")


@hookimpl(trylast=True)
def register_commands(cli):  # type: ignore[no-untyped-def]
    cli.add_command(search_cmd)
