"""The FastAPI application: state, authentication, authorization, errors and limits.

:func:`create_app` builds the app for one project and one database. Every route depends on an
:class:`Authorization` (a test walks the route table and fails on a route without one); it
authenticates the bearer token through the core's ``authenticate`` hook and asks
``project.authorize(actor, action, resource)``, which the RBAC plugin answers.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from sdd_core.errors import Conflict, NotFound, PermissionDenied, ProjectError, SddError
from starlette.requests import HTTPConnection

from sdd_server import start_collecting, stop_collecting
from sdd_server.db import Database, default_url
from sdd_server.events import EventHub
from sdd_server.locks import LockHeld, Locks
from sdd_server.snapshot import ServerProject
from sdd_server.tokens import TokenStore

if TYPE_CHECKING:  # pragma: no cover
    from fastapi import FastAPI
    from sdd_core.model import Actor, Spec

    from sdd_server.settings import ServerSettings

#: Paths served without a token.
PUBLIC_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc",
                          "/api/health"})


class HTTPError(Exception):
    """An error with an HTTP status (raised by routes and dependencies)."""

    def __init__(self, status: int, message: str, hint: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.hint = hint
        self.headers = headers or {}


@dataclass
class ServerState:
    """Everything the routes share."""

    project: ServerProject
    db: Database
    tokens: TokenStore
    locks: Locks
    hub: EventHub
    settings: "ServerSettings"
    write_lock: threading.RLock

    def run_write(self, fn: Callable[[], Any], domains: dict[str, str] | None = None) -> Any:
        """Run an action that writes (in a worker thread); publish the events it raised
        once it succeeded."""
        events = start_collecting()
        try:
            with self.write_lock:
                result = fn()
        finally:
            stop_collecting()
        self.project.snapshots.mark_dirty()
        if events:
            self.hub.publish_events(events, domains)
        return result

    def emit_read(self, actor: "Actor", kind: str, resource: str | None,
                  details: dict[str, Any] | None = None) -> None:
        """Emit ``spec.view`` / ``spec.export`` (recorded by the audit log)."""
        if kind == "spec.view" and not self.settings.audit_views:
            return
        from sdd_core.model import Event

        self.project.emit(Event(type=kind, actor=actor, resource=resource,
                                details=details or {}))

    @property
    def has_listeners(self) -> bool:
        """Whether any plugin besides this one listens to events."""
        pm = self.project.pm
        return any(pm.get_name(i.plugin) != "server" for i in pm.hook.on_event.get_hookimpls())


@dataclass
class Principal:
    """Who is asking, and the spec the route is about (when it is about one)."""

    actor: "Actor"
    spec: "Spec | None" = None


class Authorization:
    """The authorization dependency: authenticate, then ``project.authorize``.

    :param action: the action asked about (``spec.view``, ``spec.update`` ...).
    :param spec_param: the path parameter naming the spec the action is on; a spec the user
        may not view answers 404, as if it did not exist.
    :param domain_from_body: for creation: the spec's domain comes from the JSON body's id.
    """

    sdd_authorization = True

    def __init__(self, action: str, spec_param: str | None = None,
                 domain_from_body: bool = False, websocket: bool = False) -> None:
        self.action = action
        self.spec_param = spec_param
        self.domain_from_body = domain_from_body
        self.websocket = websocket

    def __repr__(self) -> str:
        return f"Authorization({self.action!r})"

    async def __call__(self, conn: HTTPConnection) -> Principal | None:
        state: ServerState = conn.app.state.sdd
        token = bearer_token(conn)
        if self.websocket:
            # a socket without a (valid) token in its URL authenticates with its first message
            try:
                if token is None:
                    return None
                actor = authenticate(state, token)
                check(state, actor, self.action, None)
                return Principal(actor)
            except HTTPError:
                return None
        actor = authenticate(state, token)
        resource: Any = None
        if self.spec_param is not None:
            ref = conn.path_params.get(self.spec_param, "")
            spec = state.project.snapshots.current().get(ref)
            if spec is None or not state.project.allowed(actor, "spec.view", spec):
                raise HTTPError(404, f"no spec {ref!r}", "GET /api/specs lists the ids")
            resource = spec
        elif self.domain_from_body:
            try:
                body = await conn.json()
            except Exception:  # noqa: BLE001 - the body model reports it
                body = None
            if isinstance(body, dict) and isinstance(body.get("id"), str):
                parts = body["id"].strip("/").split("/")
                resource = parts[0] if len(parts) > 1 else "common"
        check(state, actor, self.action, resource)
        return Principal(actor, resource if self.spec_param else None)


def check(state: ServerState, actor: "Actor", action: str, resource: Any = None) -> None:
    """403 unless ``actor`` may do ``action`` on ``resource``."""
    if not state.project.allowed(actor, action, resource):
        what = getattr(resource, "id", resource)
        raise HTTPError(403, f"{actor.handle} may not {action}" + (f" on {what}" if what else ""),
                        "ask an admin for a role that allows it")


def bearer_token(conn: Any) -> str | None:
    """The bearer token of a request (``Authorization`` header, or ``?token=`` for sockets)."""
    header = conn.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        return ""
    if conn.scope.get("type") == "websocket":
        return conn.query_params.get("token")
    return None


def authenticate(state: ServerState, token: str | None) -> "Actor":
    """The actor a token stands for, through the core's ``authenticate`` hook; 401 otherwise."""
    if not token:
        raise HTTPError(401, "authentication required", "send Authorization: Bearer <token>",
                        {"WWW-Authenticate": "Bearer"})
    actor = state.project.pm.hook.authenticate(
        credentials={"scheme": "bearer", "token": token, "tokens": state.tokens})
    if actor is None:
        raise HTTPError(401, "invalid, expired or revoked token",
                        "`sdd server token create` issues a new one",
                        {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return actor


def status_of(exc: SddError) -> int:
    """The HTTP status of a core error."""
    if isinstance(exc, LockHeld):
        return 423
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, ProjectError):
        return 500
    return 422


class BodyLimit:
    """ASGI middleware: refuse request bodies larger than ``limit`` bytes with 413.

    ``Content-Length`` is checked first; the bytes actually received are counted too, so a
    chunked or lying request cannot get past it.
    """

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = True
                if too_big:
                    await self._reject(send)
                    return
        received = 0
        exceeded = False
        answered = False

        async def counting_receive() -> Any:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    exceeded = True
                    raise _TooLarge()
            return message

        async def guarded_send(message: Any) -> None:
            # once the body was too large, whatever the app answers becomes a 413
            nonlocal answered
            if exceeded:
                if not answered:
                    answered = True
                    await self._reject(send)
                return
            if message["type"] == "http.response.start":
                answered = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            pass
        if exceeded and not answered:
            await self._reject(send)

    async def _reject(self, send: Any) -> None:
        import json

        body = json.dumps({"error": f"request body larger than {self.limit} bytes",
                           "hint": "send less", "status": 413}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def build_state(project_root: Path, database_url: str | None = None,
                overrides: dict[str, Any] | None = None) -> ServerState:
    """Open the project and the database (migrated) for a server."""
    probe = ServerProject(project_root)
    settings = probe.settings("server")
    if overrides:
        settings = settings.model_copy(update={k: v for k, v in overrides.items()
                                               if v is not None})
    probe.snapshots.refresh_interval = settings.refresh_interval
    url = database_url or settings.database_url or default_url(probe.root)
    db = Database(url)
    db.migrate()
    return ServerState(project=probe, db=db,
                       tokens=TokenStore(db, settings.token_cache_seconds), locks=Locks(db),
                       hub=EventHub(db, probe), settings=settings,
                       write_lock=threading.RLock())


def create_app(state: ServerState) -> "FastAPI":
    """The web application serving ``state.project``."""
    from contextlib import asynccontextmanager

    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    from sdd_server import routes_misc, routes_specs, routes_ws

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        state.project.snapshots.refresh()
        state.project.snapshots.start()
        state.hub.start()
        try:
            yield
        finally:
            state.hub.stop()
            state.project.snapshots.stop()

    app = FastAPI(title="SDD server", version=_version(),
                  description="Specs, reviews, search, analytics and live events of an SDD"
                              " project. Authenticate with `Authorization: Bearer <token>`"
                              " (`sdd server token create`).",
                  lifespan=lifespan, redoc_url=None)
    app.state.sdd = state

    def problem(status: int, message: str, hint: str | None = None,
                headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse({"error": message, "hint": hint, "status": status},
                            status_code=status, headers=headers)

    @app.exception_handler(HTTPError)
    async def _http_error(request: Request, exc: HTTPError) -> JSONResponse:
        return problem(exc.status, exc.message, exc.hint, exc.headers)

    @app.exception_handler(SddError)
    async def _sdd_error(request: Request, exc: SddError) -> JSONResponse:
        body: dict[str, Any] = {"error": exc.message, "hint": exc.hint,
                                "status": status_of(exc)}
        column = getattr(exc, "column", None)
        if column is not None:
            body["column"] = column
        if isinstance(exc, LockHeld):
            body["lock"] = exc.lock.to_json()
        return JSONResponse(body, status_code=status_of(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
                  for e in exc.errors()]
        return JSONResponse({"error": "invalid request", "hint": "see detail", "status": 422,
                             "detail": errors}, status_code=422)

    schema_version = state.db.schema_version()

    @app.get("/api/health", tags=["server"], summary="Liveness (no token needed)")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "database": state.db.kind, "schema_version": schema_version}

    routes_specs.add_routes(app, state)
    routes_misc.add_routes(app, state)
    routes_ws.add_routes(app, state)
    from sdd_server.gql import add_graphql

    add_graphql(app, state)
    state.project.pm.hook.register_routes(app=app)
    app.add_middleware(BodyLimit, limit=state.settings.max_body_bytes)
    return app


def app_from_env() -> "FastAPI":
    """The app for ``SDD_SERVER_PROJECT`` / ``SDD_SERVER_DATABASE_URL`` (uvicorn factory)."""
    root = os.environ.get("SDD_SERVER_PROJECT") or os.getcwd()
    from sdd_core.project import find_root

    found = find_root(Path(root))
    if found is None:
        raise ProjectError(f"no SDD project at or above {root}")
    overrides: dict[str, Any] = {}
    if os.environ.get("SDD_SERVER_AUDIT_VIEWS"):
        overrides["audit_views"] = os.environ["SDD_SERVER_AUDIT_VIEWS"] not in ("0", "false")
    if os.environ.get("SDD_SERVER_TOKEN_CACHE"):
        overrides["token_cache_seconds"] = float(os.environ["SDD_SERVER_TOKEN_CACHE"])
    state = build_state(found, os.environ.get("SDD_SERVER_DATABASE_URL") or None, overrides)
    return create_app(state)


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("sdd-server")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        return "0.1.0"
