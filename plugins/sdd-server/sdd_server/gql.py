"""GraphQL at ``/graphql`` for reads: specs with their dependencies, dependents, reviews and
history. Same bearer token and the same authorization as the REST routes; only specs the user
may view are ever returned."""

from typing import Any, Optional

import strawberry
from fastapi import Depends
from strawberry.types import Info

from sdd_server.app import Authorization, Principal, ServerState


@strawberry.type
class Review:
    reviewer: str
    status: str
    state: str
    date: Optional[str]
    comment: Optional[str]
    reason: Optional[str]


@strawberry.type
class Commit:
    commit: str
    author: str
    date: str
    message: str
    action: Optional[str]


def _ctx(info: Info) -> tuple[ServerState, Principal]:
    return info.context["state"], info.context["who"]


def _node(spec: Any) -> "SpecNode":
    return SpecNode(
        id=spec.id, title=spec.title, status=spec.status, domain=spec.domain,
        phase=spec.phase, path=spec.path, version=spec.hash, tags=list(spec.tags),
        author=spec.author, description=spec.description,
        created=spec.created.isoformat() if spec.created else None,
        updated=spec.updated.isoformat() if spec.updated else None, raw=spec)


def _visible(info: Info, ids: list[str]) -> list["SpecNode"]:
    state, who = _ctx(info)
    snap = state.project.snapshots.current()
    specs = [snap.by_id[i] for i in ids if i in snap.by_id]
    return [_node(s) for s in state.project.visible(specs, who.actor)]


@strawberry.type
class SpecNode:
    id: str
    title: str
    status: str
    domain: str
    phase: Optional[int]
    path: str
    version: str
    tags: list[str]
    author: Optional[str]
    description: str
    created: Optional[str]
    updated: Optional[str]
    raw: strawberry.Private[Any]

    @strawberry.field(description="The specs this one depends on (that you may view).")
    def dependencies(self, info: Info) -> list["SpecNode"]:
        state, _ = _ctx(info)
        deps, _ = state.project.snapshots.current().graph
        return _visible(info, deps.get(self.id, []))

    @strawberry.field(description="The specs depending on this one (that you may view).")
    def dependents(self, info: Info) -> list["SpecNode"]:
        state, _ = _ctx(info)
        _, rdeps = state.project.snapshots.current().graph
        return _visible(info, rdeps.get(self.id, []))

    @strawberry.field(description="Review records, each marked current or stale.")
    def reviews(self, info: Info) -> list[Review]:
        from sdd_review import api

        state, _ = _ctx(info)
        status = api.status_of(state.project, self.raw)
        return [Review(reviewer=r.review.reviewer, status=r.review.status, state=r.state,
                       date=r.review.date, comment=r.review.comment, reason=r.review.reason)
                for r in status.reviews]

    @strawberry.field(description="Commits that touched the file (newest first).")
    def history(self, info: Info, limit: int = 20) -> list[Commit]:
        from sdd_server.routes_specs import git_history

        state, _ = _ctx(info)
        rows = git_history(str(state.project.root), self.path, max(1, min(limit, 200)))
        return [Commit(
            commit=r["commit"], author=r["author"], date=r["date"], message=r["message"],
            action=r["action"]) for r in rows]


@strawberry.type
class Query:
    @strawberry.field(description="One spec by id or path (null when absent or hidden).")
    def spec(self, info: Info, id: str) -> Optional[SpecNode]:
        state, who = _ctx(info)
        spec = state.project.snapshots.current().get(id)
        if spec is None or not state.project.allowed(who.actor, "spec.view", spec):
            return None
        return _node(spec)

    @strawberry.field(description="Specs you may view, sorted by id.")
    def specs(self, info: Info, domain: Optional[str] = None, status: Optional[str] = None,
              limit: int = 50, offset: int = 0) -> list[SpecNode]:
        state, who = _ctx(info)
        specs = state.project.snapshots.current().specs
        if domain:
            specs = [s for s in specs if s.domain.lower() == domain.lower()]
        if status:
            specs = [s for s in specs if s.status.lower() == status.lower()]
        specs = state.project.visible(specs, who.actor)
        limit = max(0, min(limit, 500))
        return [_node(s) for s in specs[max(0, offset):max(0, offset) + limit]]


def add_graphql(app: Any, state: ServerState) -> None:
    """Mount ``/graphql`` (POST ``{"query", "variables", "operationName"}``, or GET with
    ``?query=``)."""
    from fastapi import Body, Query as Q
    from fastapi.responses import JSONResponse

    schema = strawberry.Schema(query=Query)

    async def run(query: str, variables: Optional[dict[str, Any]],
                  operation: Optional[str], who: Principal) -> JSONResponse:
        if not query.strip():
            return JSONResponse({"data": None, "errors": [{"message": "no query"}]}, 400)
        try:
            result = await schema.execute(query, variable_values=variables,
                                          operation_name=operation,
                                          context_value={"state": state, "who": who})
        except Exception as exc:  # noqa: BLE001 - a malformed request, not a server fault
            return JSONResponse({"data": None, "errors": [{"message": str(exc)}]}, 400)
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [{"message": e.message, "path": e.path} for e in result.errors]
        return JSONResponse(body, status_code=200 if result.data is not None else 400)

    @app.post("/graphql", tags=["graphql"], summary="GraphQL query (reads)")
    async def graphql_post(payload: dict[str, Any] = Body(...),
                           who: Principal = Depends(Authorization("spec.view"))) -> Any:
        query = payload.get("query")
        if not isinstance(query, str) or not query.strip():
            return JSONResponse({"data": None, "errors": [{"message": "no query"}]}, 400)
        variables = payload.get("variables")
        operation = payload.get("operationName")
        return await run(query, variables if isinstance(variables, dict) else None,
                         operation if isinstance(operation, str) else None, who)

    @app.get("/graphql", tags=["graphql"], summary="GraphQL query (reads) via GET")
    async def graphql_get(query: str = Q(..., max_length=20_000),
                          who: Principal = Depends(Authorization("spec.view"))) -> Any:
        return await run(query, None, None, who)
