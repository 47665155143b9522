"""Spec routes: CRUD, dependencies and impact, history, locks and reviews.

Spec ids contain ``/``, so routes use a path parameter (``{spec_id:path}``); sub-resources
(``/lock``, ``/dependencies`` ...) are registered before the plain spec route so they match
first.
"""

from __future__ import annotations

import json
import math
import subprocess
from typing import TYPE_CHECKING, Any

from typing import Annotated

from fastapi import Depends, Header, Path, Query, Response
from fastapi.concurrency import run_in_threadpool
from sdd_core.errors import Conflict

from sdd_server.app import Authorization, HTTPError, Principal, ServerState, check
from sdd_server.models import (
    LockRequest, Problem, ReviewDecision, ReviewRequest, SpecCreate, SpecDetail, SpecPage,
    SpecUpdate,
)
from sdd_server.snapshot import spec_summary

if TYPE_CHECKING:  # pragma: no cover
    from fastapi import FastAPI
    from sdd_core.model import Spec

#: a spec id (it may contain "/"); the example lets API explorers and fuzzers find a real one
SpecId = Annotated[str, Path(examples=["auth/login"], max_length=300)]
SORT_KEYS = ("id", "title", "status", "phase", "domain", "created", "updated", "author")
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "no or invalid token"},
    403: {"model": Problem, "description": "not allowed"},
    404: {"model": Problem, "description": "no such spec (or not visible to you)"},
}


def _etag(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"')


def sort_specs(specs: list["Spec"], sort: str) -> list["Spec"]:
    """Specs sorted by ``sort`` (``-key`` for descending); ``None`` values last."""
    desc = sort.startswith("-")
    key = sort.lstrip("-+")
    if key not in SORT_KEYS:
        raise HTTPError(422, f"cannot sort by {key!r}", f"sort by one of {', '.join(SORT_KEYS)}")

    def value(s: "Spec") -> Any:
        v = getattr(s, key)
        return str(v).lower() if isinstance(v, str) else v

    present = [s for s in specs if value(s) is not None]
    missing = [s for s in specs if value(s) is None]
    present.sort(key=lambda s: (value(s), s.id), reverse=desc)
    return present + missing


def paginate(specs: list["Spec"], page: int, per_page: int) -> dict[str, Any]:
    """One page of specs as a :class:`SpecPage` dict."""
    total = len(specs)
    start = (page - 1) * per_page
    return {"items": [spec_summary(s) for s in specs[start:start + per_page]], "total": total,
            "page": page, "per_page": per_page, "pages": max(1, math.ceil(total / per_page))}


def add_routes(app: "FastAPI", state: ServerState) -> None:
    """Register the spec routes."""
    project = state.project

    def snap() -> Any:
        return project.snapshots.current()

    def fresh(spec: "Spec") -> "Spec":
        found = snap().get(spec.id)
        if found is None:
            raise HTTPError(404, f"no spec {spec.id!r}")
        return found

    def detail(spec: "Spec", status: int = 200) -> Response:
        return Response(snap().detail_json(spec), status_code=status,
                        media_type="application/json", headers={"ETag": f'"{spec.hash}"'})

    def locked_by_other(spec: "Spec", actor_name: str) -> None:
        held = state.locks.holder(spec.id)
        if held is not None and held.owner != actor_name:
            raise HTTPError(409, f"{spec.id} is locked by @{held.owner} until"
                                 f" {held.expires_at}", "wait until it is released or expires")

    # ------------------------------------------------------------ collection

    @app.get("/api/specs", response_model=SpecPage, tags=["specs"], responses=ERRORS,
             summary="List specs (filters, sorting, pagination)")
    async def list_specs(
        page: int = Query(1, ge=1, le=100_000), per_page: int = Query(50, ge=1, le=500),
        status: list[str] = Query([]), domain: list[str] = Query([]),
        phase: list[int] = Query([]), tag: list[str] = Query([]),
        sort: str = Query("id", max_length=40),
        who: Principal = Depends(Authorization("spec.view")),
    ) -> Any:
        specs = snap().specs
        if status:
            wanted = {s.lower() for s in status}
            specs = [s for s in specs if s.status.lower() in wanted]
        if domain:
            wanted = {d.lower() for d in domain}
            specs = [s for s in specs if s.domain.lower() in wanted]
        if phase:
            phases = set(phase)
            specs = [s for s in specs if s.phase in phases]
        if tag:
            tags = {t.lower() for t in tag}
            specs = [s for s in specs if tags & {t.lower() for t in s.tags}]
        specs = project.visible(specs, who.actor)
        return paginate(sort_specs(specs, sort), page, per_page)

    @app.post("/api/specs", status_code=201, response_model=SpecDetail, tags=["specs"],
              responses={**ERRORS, 409: {"model": Problem, "description": "the id exists"}},
              summary="Create a spec")
    async def create_spec(body: SpecCreate,
                          who: Principal = Depends(Authorization("spec.create",
                                                                 domain_from_body=True))
                          ) -> Any:
        rel = project.new_spec_path(body.id)
        text = body.content if body.content is not None else render_new(state, body, who)

        def write() -> "Spec":
            return project.write_spec(rel, text, actor=who.actor, create=True)

        spec = await run_in_threadpool(state.run_write, write)
        return detail(fresh(spec), 201)

    # ------------------------------------------------------------ sub-resources

    @app.get("/api/specs/{spec_id:path}/dependencies", tags=["graph"], responses=ERRORS,
             summary="The specs this one depends on")
    async def dependencies(spec_id: SpecId, transitive: bool = False,
                           who: Principal = Depends(Authorization("spec.view", "spec_id"))
                           ) -> Any:
        s = snap()
        deps, _ = s.graph
        assert who.spec is not None
        ids = deps.get(who.spec.id, [])
        if transitive:
            seen: list[str] = []
            stack = list(ids)
            while stack:
                cur = stack.pop(0)
                if cur in seen or cur == who.spec.id:
                    continue
                seen.append(cur)
                stack.extend(deps.get(cur, []))
            ids = seen
        items = project.visible([s.by_id[i] for i in ids], who.actor)
        return {"spec": who.spec.id, "dependencies": [spec_summary(x) for x in items],
                "unresolved": s.unresolved(who.spec)}

    @app.get("/api/specs/{spec_id:path}/dependents", tags=["graph"], responses=ERRORS,
             summary="The specs depending on this one")
    async def dependents(spec_id: SpecId,
                         who: Principal = Depends(Authorization("spec.view", "spec_id"))
                         ) -> Any:
        s = snap()
        _, rdeps = s.graph
        assert who.spec is not None
        items = project.visible([s.by_id[i] for i in rdeps.get(who.spec.id, [])], who.actor)
        return {"spec": who.spec.id, "dependents": [spec_summary(x) for x in items]}

    @app.get("/api/specs/{spec_id:path}/impact", tags=["graph"], responses=ERRORS,
             summary="Everything a change to this spec may affect (transitive dependents)")
    async def impact(spec_id: SpecId,
                     who: Principal = Depends(Authorization("spec.view", "spec_id"))) -> Any:
        s = snap()
        assert who.spec is not None
        closure = s.dependents_closure(who.spec.id)
        visible = project.visible([s.by_id[i] for i in sorted(closure)], who.actor)
        affected = [{**spec_summary(x), "distance": closure[x.id]} for x in visible]
        affected.sort(key=lambda a: (a["distance"], a["id"]))
        return {"spec": who.spec.id, "affected_count": len(affected),
                "direct_count": sum(1 for a in affected if a["distance"] == 1),
                "affected": affected}

    @app.get("/api/specs/{spec_id:path}/history", tags=["specs"], responses=ERRORS,
             summary="The spec file's commits (git log)")
    async def history(spec_id: SpecId, limit: int = Query(50, ge=1, le=500),
                      who: Principal = Depends(Authorization("spec.view", "spec_id"))) -> Any:
        assert who.spec is not None
        commits = await run_in_threadpool(git_history, str(project.root), who.spec.path, limit)
        return {"spec": who.spec.id, "path": who.spec.path, "commits": commits}

    @app.get("/api/specs/{spec_id:path}/raw", tags=["specs"], responses=ERRORS,
             response_class=Response, summary="The spec file as it is (Markdown)")
    async def raw(spec_id: SpecId,
                  who: Principal = Depends(Authorization("spec.view", "spec_id"))) -> Response:
        spec = who.spec
        assert spec is not None
        data = await run_in_threadpool(project.storage.read, spec.path)
        if state.settings.audit_views and state.has_listeners:
            await run_in_threadpool(state.emit_read, who.actor, "spec.view", spec.id)
        from sdd_core.parsing import content_hash

        return Response(data, media_type="text/markdown; charset=utf-8",
                        headers={"ETag": f'"{content_hash(data)}"'})

    @app.get("/api/specs/{spec_id:path}/lock", tags=["locks"], responses=ERRORS,
             summary="Who holds the lock, if anyone")
    async def lock_status(spec_id: SpecId,
                          who: Principal = Depends(Authorization("spec.view", "spec_id"))
                          ) -> Any:
        assert who.spec is not None
        held = await run_in_threadpool(state.locks.holder, who.spec.id)
        return {"spec": who.spec.id, "locked": held is not None,
                "lock": held.to_json() if held else None}

    @app.post("/api/specs/{spec_id:path}/lock", status_code=201, tags=["locks"],
              responses={**ERRORS, 423: {"model": Problem, "description": "held by another"}},
              summary="Take (or renew) the edit lock")
    async def lock_take(spec_id: SpecId, body: LockRequest | None = None,
                        who: Principal = Depends(Authorization("lock.acquire", "spec_id"))
                        ) -> Any:
        spec = who.spec
        assert spec is not None
        req = body or LockRequest()
        if req.force:
            check(state, who.actor, "lock.force", spec)
        ttl = req.ttl or state.settings.lock_ttl

        def take() -> Any:
            from sdd_core.model import Event

            with state.db.transaction():
                lock = state.locks.acquire(spec.id, who.actor.name, ttl, req.force)
                project.emit(Event(type="lock.acquired", actor=who.actor, resource=spec.id,
                                   details={"expires_at": lock.expires_at,
                                            "forced": req.force}))
            return lock

        lock = await run_in_threadpool(state.run_write, take)
        return {"spec": spec.id, "locked": True, "lock": lock.to_json()}

    @app.delete("/api/specs/{spec_id:path}/lock", status_code=204, tags=["locks"],
                responses={**ERRORS, 423: {"model": Problem, "description": "held by another"}},
                summary="Release the edit lock (admins: ?force=true)")
    async def lock_release(spec_id: SpecId, force: bool = False,
                           who: Principal = Depends(Authorization("lock.release", "spec_id"))
                           ) -> Response:
        spec = who.spec
        assert spec is not None
        if force:
            check(state, who.actor, "lock.force", spec)

        def release() -> None:
            from sdd_core.model import Event

            with state.db.transaction():
                lock = state.locks.release(spec.id, who.actor.name, force)
                project.emit(Event(type="lock.released", actor=who.actor, resource=spec.id,
                                   details={"forced": force and lock.owner != who.actor.name}))

        await run_in_threadpool(state.run_write, release)
        return Response(status_code=204)

    @app.get("/api/specs/{spec_id:path}/reviews", tags=["reviews"], responses=ERRORS,
             summary="The spec's reviews and its approval gate")
    async def review_status(spec_id: SpecId,
                            who: Principal = Depends(Authorization("spec.view", "spec_id"))
                            ) -> Any:
        from sdd_review import api

        assert who.spec is not None
        return api.status_of(project, who.spec).to_json()

    @app.post("/api/specs/{spec_id:path}/reviews", status_code=201, tags=["reviews"],
              responses=ERRORS, summary="Ask reviewers to review the spec")
    async def review_request(spec_id: SpecId, body: ReviewRequest,
                             who: Principal = Depends(Authorization("review.request",
                                                                    "spec_id"))) -> Any:
        from sdd_review import api

        assert who.spec is not None
        spec = who.spec
        locked_by_other(spec, who.actor.name)
        result = await run_in_threadpool(state.run_write, lambda: api.request(
            project, spec.id, body.reviewers, body.message, actor=who.actor))
        return result.to_json()

    @app.patch("/api/specs/{spec_id:path}/reviews", tags=["reviews"], responses=ERRORS,
               summary="Approve or reject the spec's current content")
    async def review_decide(spec_id: SpecId, body: ReviewDecision,
                            who: Principal = Depends(Authorization("review.approve",
                                                                   "spec_id"))) -> Any:
        from sdd_review import api

        spec = who.spec
        assert spec is not None
        locked_by_other(spec, who.actor.name)
        if body.decision == "approve":
            def act() -> Any:
                return api.approve(project, spec.id, body.comment, actor=who.actor)
        else:
            reason = body.reason or body.comment
            if not reason:
                raise HTTPError(422, "a rejection needs a reason", 'send "reason"')

            def act() -> Any:
                return api.reject(project, spec.id, reason, actor=who.actor,
                                  changes_requested=body.decision == "changes_requested")
        result = await run_in_threadpool(state.run_write, act)
        return result.to_json()

    @app.post("/api/specs/{spec_id:path}/promote", tags=["reviews"], responses=ERRORS,
              summary="Move the spec to its next status when its approval gate allows")
    async def promote(spec_id: SpecId,
                      who: Principal = Depends(Authorization("review.promote", "spec_id"))
                      ) -> Any:
        from sdd_review import api

        spec = who.spec
        assert spec is not None
        locked_by_other(spec, who.actor.name)
        gate = await run_in_threadpool(state.run_write,
                                       lambda: api.promote(project, spec.id, actor=who.actor))
        return gate.to_json()

    # ------------------------------------------------------------ one spec

    @app.get("/api/specs/{spec_id:path}", response_model=SpecDetail, tags=["specs"],
             responses=ERRORS, summary="One spec (its version is the ETag)")
    async def get_spec(spec_id: SpecId,
                       who: Principal = Depends(Authorization("spec.view", "spec_id"))) -> Any:
        spec = who.spec
        assert spec is not None
        if state.settings.audit_views and state.has_listeners:
            await run_in_threadpool(state.emit_read, who.actor, "spec.view", spec.id)
        return detail(spec)

    @app.put("/api/specs/{spec_id:path}", response_model=SpecDetail, tags=["specs"],
             responses={**ERRORS,
                        409: {"model": Problem, "description": "locked by another user"},
                        412: {"model": Problem, "description": "stale If-Match"},
                        428: {"model": Problem, "description": "If-Match missing"}},
             summary="Change a spec (needs If-Match with its version)")
    async def put_spec(spec_id: SpecId, body: SpecUpdate,
                       if_match: str | None = Header(None, max_length=200),
                       who: Principal = Depends(Authorization("spec.update", "spec_id"))
                       ) -> Any:
        spec = who.spec
        assert spec is not None
        expected = _etag(if_match)
        if not expected:
            raise HTTPError(428, "If-Match is required",
                            f"send If-Match: \"{spec.hash}\" (the version you read)")
        if expected != spec.hash:
            raise HTTPError(412, f"{spec.id} changed since version {expected}",
                            "read it again and re-apply your change",
                            {"ETag": f'"{spec.hash}"'})
        locked_by_other(spec, who.actor.name)
        fields = body.model_dump(exclude_unset=True)
        content = fields.pop("content", None)
        new_body = fields.pop("body", None)
        if content is not None and (fields or new_body is not None):
            raise HTTPError(422, "send either content or fields, not both")

        def write() -> "Spec":
            from sdd_core import frontmatter

            if content is not None:
                text = content
            else:
                current = project.storage.read(spec.path).decode("utf-8")
                text = frontmatter.update(current, fields, [], new_body)
            return project.write_spec(spec.path, text, actor=who.actor, create=False,
                                      expected_hash=expected)

        try:
            written = await run_in_threadpool(state.run_write, write)
        except Conflict as exc:
            from sdd_core.parsing import content_hash

            project.snapshots.mark_dirty()
            try:
                current = content_hash(project.storage.read(spec.path))
            except FileNotFoundError:
                current = None
            if current != expected:
                headers = {"ETag": f'"{current}"'} if current else {}
                raise HTTPError(412, str(exc.message), exc.hint, headers) from exc
            raise
        return detail(fresh(written))

    @app.delete("/api/specs/{spec_id:path}", status_code=204, tags=["specs"],
                responses={**ERRORS, 409: {"model": Problem, "description": "locked"},
                           412: {"model": Problem, "description": "stale If-Match"}},
                summary="Delete a spec (If-Match optional)")
    async def delete_spec(spec_id: SpecId, if_match: str | None = Header(None, max_length=200),
                          who: Principal = Depends(Authorization("spec.delete", "spec_id"))
                          ) -> Response:
        spec = who.spec
        assert spec is not None
        expected = _etag(if_match)
        if expected and expected != spec.hash:
            raise HTTPError(412, f"{spec.id} changed since version {expected}")
        locked_by_other(spec, who.actor.name)

        def delete() -> None:
            project.delete_spec(spec.id, actor=who.actor, expected_hash=expected or None)
            state.db.execute("DELETE FROM locks WHERE spec_id = ?", (spec.id,))

        await run_in_threadpool(state.run_write, delete, {spec.id: spec.domain})
        return Response(status_code=204)

    @app.get("/api/graph", tags=["graph"], responses=ERRORS,
             summary="The dependency graph of the specs you may view")
    async def graph(domain: list[str] = Query([]),
                    who: Principal = Depends(Authorization("spec.view"))) -> Any:
        s = snap()
        deps, _ = s.graph
        specs = project.visible(s.specs, who.actor)
        if domain:
            wanted = {d.lower() for d in domain}
            specs = [x for x in specs if x.domain.lower() in wanted]
        ids = {x.id for x in specs}
        nodes = [{"id": x.id, "title": x.title, "status": x.status, "domain": x.domain}
                 for x in specs]
        edges = [{"from": x.id, "to": t} for x in specs for t in deps.get(x.id, [])
                 if t in ids]
        return {"nodes": nodes, "edges": edges}

    @app.get("/api/locks", tags=["locks"], responses=ERRORS, summary="Every active lock")
    async def locks(who: Principal = Depends(Authorization("spec.view"))) -> Any:
        held = await run_in_threadpool(state.locks.active)
        s = snap()
        out = []
        for lock in held:
            spec = s.get(lock.spec_id)
            if spec is not None and project.allowed(who.actor, "spec.view", spec):
                out.append(lock.to_json())
        return {"locks": out}


def render_new(state: ServerState, body: SpecCreate, who: Principal) -> str:
    """A new spec's text from the project's template (``.sdd/templates/spec.md.j2``)."""
    import datetime as dt
    from importlib.resources import files

    import jinja2

    project = state.project
    parts = body.id.strip("/").split("/")
    user_tpl = project.sdd_dir / "templates" / "spec.md.j2"
    source = (user_tpl.read_text(encoding="utf-8") if user_tpl.is_file()
              else (files("sdd_core") / "templates" / "spec.md.j2").read_text())
    env = jinja2.Environment(keep_trailing_newline=True, autoescape=False)
    return env.from_string(source).render(
        id=body.id.strip("/"), title=body.title or parts[-1].replace("-", " ").capitalize(),
        status=body.status, created=dt.date.today().isoformat(),
        domain=parts[0] if len(parts) > 1 else "common", depends=[json.dumps(d) for d in
                                                                   body.depends],
        description=body.description, author=who.actor.name,
        constitution_version=project.constitution.version if project.constitution else None,
    )


def git_history(root: str, path: str, limit: int) -> list[dict[str, Any]]:
    """The commits that touched ``path`` (following renames), newest first; empty outside
    a Git repository."""
    fmt = "%H%x1f%an%x1f%ae%x1f%aI%x1f%s"
    try:
        out = subprocess.run(
            ["git", "-C", root, "log", f"-n{limit}", "--follow", f"--format={fmt}",
             "--name-status", "--", path],
            capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return []
    if out.returncode != 0:
        return []
    commits: list[dict[str, Any]] = []
    for line in out.stdout.splitlines():
        if "\x1f" in line:
            sha, name, email, date, subject = line.split("\x1f", 4)
            commits.append({"commit": sha, "author": name, "email": email, "date": date,
                            "message": subject, "action": None})
        elif line.strip() and commits and commits[-1]["action"] is None:
            code = line.split("\t", 1)[0][:1]
            commits[-1]["action"] = {"A": "added", "M": "modified", "D": "deleted",
                                     "R": "renamed"}.get(code, code)
    return commits
