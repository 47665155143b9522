"""Search, pending reviews, analytics, audit log, export and the caller's identity."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import Counter
from typing import TYPE_CHECKING, Any

from fastapi import Depends, Query, Response
from fastapi.concurrency import run_in_threadpool

from sdd_server.app import Authorization, HTTPError, Principal, ServerState
from sdd_server.models import AdvancedSearch, SpecPage
from sdd_server.routes_specs import ERRORS, paginate, sort_specs
from sdd_server.snapshot import analyzed, words_of

if TYPE_CHECKING:  # pragma: no cover
    from fastapi import FastAPI
    from sdd_core.model import Spec
    from sdd_core.search import SearchTerms


def parse_terms(text: str) -> "SearchTerms":
    """A search text as :class:`sdd_core.search.SearchTerms` (the core's parser when it has
    one): words, ``"phrases"``, ``pre*`` prefixes and ``-exclusions``."""
    from sdd_core import search as core_search

    parser = getattr(core_search, "parse_search", None)
    if parser is not None:
        return parser(text)
    words: list[str] = []
    phrases: list[str] = []
    prefixes: list[str] = []
    excluded: list[str] = []
    for m in re.finditer(r'(-?)"([^"]*)"|(-?)(\S+)', text):
        if m.group(2) is not None:
            phrase = " ".join(words_of(m.group(2)))
            if phrase:
                (excluded if m.group(1) else phrases).append(phrase)
            continue
        neg, tok = m.group(3), m.group(4)
        if tok.endswith("*") and len(tok) > 1 and not neg:
            prefixes.extend(w for w in words_of(tok[:-1])[:1])
            continue
        for w in words_of(tok):
            (excluded if neg else words).append(w)
    return core_search.SearchTerms(tuple(words), tuple(phrases), tuple(prefixes),
                                   tuple(excluded))


def _snippet(spec: "Spec", needles: list[str]) -> str:
    from sdd_core.search import HIGHLIGHT_END, HIGHLIGHT_START

    for line in spec.body.splitlines():
        low = line.lower()
        if any(n in low for n in needles):
            text = line.strip()[:200]
            for n in needles:
                text = re.sub(re.escape(n), lambda m: f"{HIGHLIGHT_START}{m.group(0)}"
                              f"{HIGHLIGHT_END}", text, flags=re.IGNORECASE)
            return text
    return spec.description or spec.title


def fallback_search(state: ServerState, terms: "SearchTerms", limit: int,
                    domains: list[str], statuses: list[str]) -> list[dict[str, Any]]:
    """Search the snapshot when no search backend is installed: every word, phrase and
    prefix must occur (case-insensitively); excluded ones must not. Ranked by matches in
    the title, then by id."""
    snap = state.project.snapshots.current()
    index = snap.words
    candidates: set[str] | None = None
    words = [t for w in terms.words for t in analyzed(w)]
    phrases = [" ".join(analyzed(p)) for p in terms.phrases]
    excluded = [" ".join(analyzed(e)) for e in terms.excluded]
    prefixes = [w.lower() for p in terms.prefixes for w in words_of(p)[:1]]
    for w in words:
        ids = index.get(w, set())
        candidates = set(ids) if candidates is None else candidates & ids
    for p in prefixes:
        ids = set().union(*(v for k, v in index.items() if k.startswith(p)))
        candidates = ids if candidates is None else candidates & ids
    if candidates is None:
        candidates = set(snap.by_id) if phrases else set()
    needles = [n.lower() for n in (*terms.words, *terms.phrases, *terms.prefixes)]
    texts = snap.texts
    titles = snap.titles
    by_id = snap.by_id
    check_text = bool(phrases or excluded)

    def keep(sid: str) -> bool:
        spec = by_id[sid]
        if domains and spec.domain.lower() not in domains:
            return False
        if statuses and spec.status.lower() not in statuses:
            return False
        if check_text:
            padded = f" {texts[sid]} "
            if any(f" {p} " not in padded for p in phrases):
                return False
            if any(f" {e} " in padded for e in excluded if e):
                return False
        return True

    def score(sid: str) -> float:
        title = titles[sid]
        return 1.0 + sum(2.0 for n in needles if n in title)

    import heapq

    # best first, ties by id; only the top ``limit`` are ever materialised
    top = heapq.nsmallest(limit, (sid for sid in candidates if keep(sid)),
                          key=lambda sid: (-score(sid), sid))
    hits = [(score(sid), by_id[sid]) for sid in top]
    # snippets are made later, for the hits that are shown
    return [{"spec_id": s.id, "title": s.title, "score": sc, "snippet": None,
             "needles": needles, "domain": s.domain, "status": s.status, "type": "spec"}
            for sc, s in hits[:limit]]


_backend_cache: dict[int, tuple[Any, Any]] = {}
_backend_lock = threading.Lock()


def backend_search(state: ServerState, text: str, terms: "SearchTerms", limit: int,
                   domains: list[str], statuses: list[str], actor: Any
                   ) -> list[dict[str, Any]] | None:
    """Search through the project's search backend (``search.backend``, else the best
    installed one), opened once and refreshed when the specs change. ``None`` when that is
    the core's ``scan`` backend: the server's snapshot index answers instead (same terms,
    no per-request re-analysis of every spec)."""
    from sdd_core import search as core

    project = state.project
    if not hasattr(core, "open_search_backend"):
        return None
    snap = project.snapshots.current()
    with _backend_lock:
        cached = _backend_cache.get(id(state))
        if cached is None:
            backend = core.open_search_backend(project)
            if backend.name == "scan":
                _backend_cache[id(state)] = (None, None)
                return None
            backend.refresh()
            cached = (backend, snap)
            _backend_cache[id(state)] = cached
        backend, seen = cached
        if backend is None:
            return None
        if seen is not snap:
            backend.refresh()
            _backend_cache[id(state)] = (backend, snap)
        query = core.SearchQuery(text=text, terms=terms, domains=tuple(domains),
                                 statuses=tuple(statuses), limit=limit)
        hits = core.search_visible(project, backend, query, actor)
    return [{"spec_id": h.spec_id, "title": h.title, "score": h.score, "snippet": h.snippet,
             "domain": h.domain, "status": h.status, "type": h.type, "item_id": h.item_id}
            for h in hits]


def iso_week(day: dt.date) -> str:
    """``2024-W03``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def add_routes(app: "FastAPI", state: ServerState) -> None:
    """Register the search, review, analytics, audit and export routes."""
    project = state.project

    @app.get("/api/me", tags=["server"], responses=ERRORS, summary="Who the token belongs to")
    async def me(who: Principal = Depends(Authorization("spec.view"))) -> Any:
        return {"user": who.actor.handle, "name": who.actor.name,
                "roles": list(who.actor.roles), "source": who.actor.source}

    @app.get("/api/search", tags=["search"], responses=ERRORS, summary="Full-text search")
    async def search(q: str = Query(..., min_length=1, max_length=500),
                     domain: list[str] = Query([]), status: list[str] = Query([]),
                     limit: int = Query(20, ge=1, le=200),
                     who: Principal = Depends(Authorization("spec.view"))) -> Any:
        terms = parse_terms(q)
        domains = [d.lower() for d in domain]
        statuses = [s.lower() for s in status]
        hits = await run_in_threadpool(backend_search, state, q, terms, limit, domains,
                                       statuses, who.actor)
        backend = "installed"
        if hits is None:
            backend = "snapshot"
            hits = fallback_search(state, terms, limit * 4, domains, statuses)
        snap = project.snapshots.current()
        out = []
        for h in hits:
            spec = snap.get(h["spec_id"])
            if spec is not None and project.allowed(who.actor, "spec.view", spec):
                if "needles" in h:
                    h["snippet"] = _snippet(spec, h.pop("needles"))
                out.append(h)
                if len(out) >= limit:
                    break
        return {"query": q, "backend": backend, "count": len(out[:limit]), "hits": out[:limit]}

    @app.post("/api/search/advanced", response_model=SpecPage, tags=["search"],
              responses=ERRORS, summary="Search with the query language")
    async def advanced(body: AdvancedSearch,
                       who: Principal = Depends(Authorization("spec.view"))) -> Any:
        from sdd_core.query import parse
        from sdd_core.search import bind_text_terms

        node = parse(body.query)
        if not body.exact:  # words and phrases through the search backend, as `sdd query`
            node = await run_in_threadpool(bind_text_terms, project, node, None, who.actor)
        specs = await run_in_threadpool(project.index().query, node)
        specs = project.visible(specs, who.actor)
        return paginate(sort_specs(list(specs), body.sort), body.page, body.per_page)

    @app.get("/api/reviews/pending", tags=["reviews"], responses=ERRORS,
             summary="Reviews waiting for a reviewer (default: everyone's)")
    async def pending(reviewer: str | None = Query(None, max_length=100),
                      who: Principal = Depends(Authorization("spec.view"))) -> Any:
        from sdd_review import api

        items = api.pending(project, reviewer, actor=who.actor)
        return {"pending": [p.to_json() for p in items], "count": len(items)}

    @app.get("/api/analytics/overview", tags=["analytics"], responses=ERRORS,
             summary="Counts by status, domain and phase")
    async def overview(who: Principal = Depends(Authorization("spec.view"))) -> Any:
        specs = project.visible(project.snapshots.current().specs, who.actor)
        by_phase = Counter(str(s.phase) if s.phase is not None else "none" for s in specs)
        return {
            "total": len(specs),
            "by_status": dict(sorted(Counter(s.status for s in specs).items())),
            "by_domain": dict(sorted(Counter(s.domain for s in specs).items())),
            "by_phase": dict(sorted(by_phase.items())),
            "requirements": sum(len(s.requirements) for s in specs),
            "scenarios": sum(len(s.scenarios) for s in specs),
        }

    @app.get("/api/analytics/trends", tags=["analytics"], responses=ERRORS,
             summary="Specs created and updated per ISO week")
    async def trends(weeks: int = Query(12, ge=1, le=520),
                     who: Principal = Depends(Authorization("spec.view"))) -> Any:
        specs = project.visible(project.snapshots.current().specs, who.actor)
        today = dt.date.today()
        monday = today - dt.timedelta(days=today.weekday())
        keys = [iso_week(monday - dt.timedelta(weeks=i)) for i in range(weeks - 1, -1, -1)]
        created = Counter(iso_week(s.created) for s in specs if s.created)
        updated = Counter(iso_week(s.updated) for s in specs if s.updated)
        return {"weeks": [{"week": k, "created": created.get(k, 0),
                           "updated": updated.get(k, 0)} for k in keys]}

    @app.get("/api/analytics/team", tags=["analytics"], responses=ERRORS,
             summary="Activity per user (from the server's event log)")
    async def team(days: int = Query(30, ge=1, le=3650),
                   who: Principal = Depends(Authorization("spec.view"))) -> Any:
        from sdd_server.db import iso, utcnow

        since = iso(utcnow() - dt.timedelta(days=days))
        rows = await run_in_threadpool(
            state.db.query, "SELECT type, actor, resource, payload FROM events"
            " WHERE created_at >= ? AND type <> 'notification'", (since,))
        snap = project.snapshots.current()
        per: dict[str, Counter[str]] = {}
        import json

        for row in rows:
            resource = row["resource"]
            spec = snap.get(resource) if resource else None
            target: Any = spec if spec is not None else json.loads(row["payload"]).get("domain")
            if not project.allowed(who.actor, "spec.view", target):
                continue
            per.setdefault(row["actor"] or "?", Counter())[row["type"]] += 1
        members = [{"user": u, "total": sum(c.values()), "by_type": dict(sorted(c.items()))}
                   for u, c in per.items()]
        members.sort(key=lambda m: (-m["total"], m["user"]))
        return {"days": days, "members": members}

    @app.get("/api/audit", tags=["audit"], responses=ERRORS,
             summary="The audit log (needs audit.view)")
    async def audit(actor: str | None = Query(None, max_length=100),
                    action: str | None = Query(None, max_length=100),
                    resource: str | None = Query(None, max_length=300),
                    since: str | None = Query(None, max_length=40),
                    until: str | None = Query(None, max_length=40),
                    limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0),
                    who: Principal = Depends(Authorization("audit.view"))) -> Any:
        if not project.pm.has_plugin("audit"):
            raise HTTPError(404, "no audit log: the sdd-audit plugin is not installed")
        import sdd_audit

        filters = {k: v for k, v in {"actor": actor, "action": action, "resource": resource,
                                     "since": since, "until": until}.items() if v}
        records = await run_in_threadpool(sdd_audit.search, project, **filters)
        records = list(reversed(records))
        return {"total": len(records), "records": records[offset:offset + limit]}

    @app.get("/api/export", tags=["specs"], responses=ERRORS,
             summary="Export the specs you may view (json, markdown, html ...)")
    async def export(format: str = Query("json", max_length=40),
                     domain: list[str] = Query([]),
                     who: Principal = Depends(Authorization("spec.export"))) -> Response:
        exporters = project.exporters
        if format not in exporters or exporters[format].directory:
            names = [n for n in exporters.names() if not exporters[n].directory]
            raise HTTPError(422, f"unknown export format {format!r}",
                            f"formats: {', '.join(names)}")
        specs = project.visible(project.snapshots.current().specs, who.actor)
        if domain:
            wanted = {d.lower() for d in domain}
            specs = [s for s in specs if s.domain.lower() in wanted]
        exporter = exporters[format]
        result = await run_in_threadpool(exporter.export, project, specs, {"output": None})
        await run_in_threadpool(state.emit_read, who.actor, "spec.export", None,
                                {"format": format, "count": len(specs), "via": "api"})
        data = result.encode() if isinstance(result, str) else (result or b"")
        return Response(data, media_type=exporter.media_type)
