"""``SddClient`` (blocking) and ``AsyncSddClient`` (asyncio) over the server's REST API.

Both build the same requests (:class:`_Op`) and differ only in how they send them, so they
behave alike: ``client.specs``, ``client.reviews``, ``client.analysis``, ``client.locks`` and
``client.subscribe(event, callback)``.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable
from urllib.parse import quote

import httpx

from sdd_sdk.errors import error_for
from sdd_sdk.models import Event, Impact, Lock, ReviewStatus, SearchHit, Spec, SpecPage

EVENTS = ("spec:created", "spec:updated", "spec:deleted", "review:requested",
          "review:approved", "review:rejected", "spec:locked", "spec:unlocked", "user:viewing",
          "notification")


@dataclass
class _Op:
    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    parse: Callable[[httpx.Response], Any] = lambda r: r.json() if r.content else None


def _sid(spec_id: str) -> str:
    return quote(spec_id.strip("/"), safe="/")


def _spec(r: httpx.Response) -> Spec:
    return Spec.from_json(r.json())


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None and v != []}


class _Ops:
    """Every request the SDK can make."""

    @staticmethod
    def list_specs(domain: Any, status: Any, phase: Any, tag: Any, sort: str, page: int,
                   per_page: int) -> _Op:
        return _Op("GET", "/api/specs", _clean({
            "domain": domain, "status": status, "phase": phase, "tag": tag, "sort": sort,
            "page": page, "per_page": per_page}), parse=lambda r: SpecPage.from_json(r.json()))

    @staticmethod
    def get_spec(spec_id: str) -> _Op:
        return _Op("GET", f"/api/specs/{_sid(spec_id)}", parse=_spec)

    @staticmethod
    def create_spec(spec_id: str, title: str | None, content: str | None, status: str,
                    depends: list[str] | None, description: str | None) -> _Op:
        body = _clean({"id": spec_id, "title": title, "content": content, "status": status,
                       "depends": list(depends or []), "description": description})
        return _Op("POST", "/api/specs", body=body, parse=_spec)

    @staticmethod
    def update_spec(spec_id: str, version: str | None, changes: dict[str, Any]) -> _Op:
        headers = {"If-Match": f'"{version}"'} if version else {}
        return _Op("PUT", f"/api/specs/{_sid(spec_id)}", body=_clean(changes),
                   headers=headers, parse=_spec)

    @staticmethod
    def delete_spec(spec_id: str, version: str | None) -> _Op:
        headers = {"If-Match": f'"{version}"'} if version else {}
        return _Op("DELETE", f"/api/specs/{_sid(spec_id)}", headers=headers,
                   parse=lambda r: None)

    @staticmethod
    def search(text: str, domain: Any, status: Any, limit: int) -> _Op:
        return _Op("GET", "/api/search", _clean({"q": text, "domain": domain,
                                                 "status": status, "limit": limit}),
                   parse=lambda r: [SearchHit.from_json(h) for h in r.json()["hits"]])

    @staticmethod
    def query(query: str, sort: str, page: int, per_page: int) -> _Op:
        return _Op("POST", "/api/search/advanced", body={
            "query": query, "sort": sort, "page": page, "per_page": per_page},
            parse=lambda r: SpecPage.from_json(r.json()))

    @staticmethod
    def sub(spec_id: str, name: str, method: str = "GET", body: Any = None,
            parse: Callable[[httpx.Response], Any] | None = None,
            params: dict[str, Any] | None = None) -> _Op:
        op = _Op(method, f"/api/specs/{_sid(spec_id)}/{name}", _clean(params or {}), body)
        if parse is not None:
            op.parse = parse
        return op


def _ws_url(server_url: str) -> str:
    if server_url.startswith("https://"):
        return "wss://" + server_url[len("https://"):] + "/ws"
    if server_url.startswith("http://"):
        return "ws://" + server_url[len("http://"):] + "/ws"
    return server_url + "/ws"


def _wanted(event: str) -> list[str]:
    return list(EVENTS) if event in ("*", "all") else [event]


# ==================================================================== blocking client

class _Resource:
    def __init__(self, client: "SddClient") -> None:
        self._c = client


class Specs(_Resource):
    """``client.specs``: list, get, create, update, delete, search, query."""

    def list(self, *, domain: str | list[str] | None = None, status: Any = None,
             phase: Any = None, tag: Any = None, sort: str = "id", page: int = 1,
             per_page: int = 50) -> SpecPage:
        """One page of specs (filters: domain, status, phase, tag; ``sort="-updated"``)."""
        return self._c._run(_Ops.list_specs(domain, status, phase, tag, sort, page, per_page))

    def all(self, **filters: Any) -> list[Spec]:
        """Every spec matching the filters (all pages)."""
        out: list[Spec] = []
        page = 1
        while True:
            got = self.list(page=page, per_page=500, **filters)
            out.extend(got.items)
            if page >= got.pages:
                return out
            page += 1

    def get(self, spec_id: str) -> Spec:
        """One spec (raises ``NotFound``)."""
        return self._c._run(_Ops.get_spec(spec_id))

    def raw(self, spec_id: str) -> tuple[str, str]:
        """The spec file's text and its version: ``(text, version)``."""
        return self._c._run(_Ops.sub(spec_id, "raw", parse=lambda r: (
            r.text, r.headers.get("etag", "").strip('"'))))

    def create(self, id: str, *, title: str | None = None, content: str | None = None,
               status: str = "draft", depends: list[str] | None = None,
               description: str | None = None) -> Spec:
        """Create a spec from fields (the project's template) or from its whole text."""
        return self._c._run(_Ops.create_spec(id, title, content, status, depends, description))

    def update(self, spec_id: str, *, version: str | None, **changes: Any) -> Spec:
        """Change a spec: ``content=`` (the whole file) or fields (``title``, ``status``,
        ``phase``, ``tags``, ``depends``, ``reviewers``, ``body``). ``version`` is the one
        you read; a stale one raises ``ConflictError``."""
        return self._c._run(_Ops.update_spec(spec_id, version, changes))

    def delete(self, spec_id: str, *, version: str | None = None) -> None:
        """Delete a spec (with ``version``: only if it is unchanged)."""
        self._c._run(_Ops.delete_spec(spec_id, version))

    def search(self, text: str, *, domain: Any = None, status: Any = None,
               limit: int = 20) -> list[SearchHit]:
        """Full-text search."""
        return self._c._run(_Ops.search(text, domain, status, limit))

    def query(self, query: str, *, sort: str = "id", page: int = 1,
              per_page: int = 50) -> SpecPage:
        """Specs matching a query-language expression (``status:review AND phase:2``)."""
        return self._c._run(_Ops.query(query, sort, page, per_page))

    def dependencies(self, spec_id: str, *, transitive: bool = False) -> list[Spec]:
        """The specs this one depends on."""
        return self._c._run(_Ops.sub(
            spec_id, "dependencies", params={"transitive": str(transitive).lower()},
            parse=lambda r: [Spec.from_json(d) for d in r.json()["dependencies"]]))

    def dependents(self, spec_id: str) -> list[Spec]:
        """The specs depending on this one."""
        return self._c._run(_Ops.sub(
            spec_id, "dependents",
            parse=lambda r: [Spec.from_json(d) for d in r.json()["dependents"]]))

    def history(self, spec_id: str) -> list[dict[str, Any]]:
        """The spec's commits, newest first."""
        return self._c._run(_Ops.sub(spec_id, "history",
                                     parse=lambda r: r.json()["commits"]))


class Reviews(_Resource):
    """``client.reviews``: request, approve, reject, status, pending."""

    def request(self, spec_id: str, reviewers: list[str], message: str | None = None
                ) -> ReviewStatus:
        """Ask reviewers (``["@alice"]``) to review a spec."""
        return self._c._run(_Ops.sub(spec_id, "reviews", "POST", _clean(
            {"reviewers": reviewers, "message": message}),
            lambda r: ReviewStatus.from_json(r.json())))

    def approve(self, spec_id: str, comment: str | None = None) -> ReviewStatus:
        """Approve the spec's current content."""
        return self._c._run(_Ops.sub(spec_id, "reviews", "PATCH", _clean(
            {"decision": "approve", "comment": comment}),
            lambda r: ReviewStatus.from_json(r.json())))

    def reject(self, spec_id: str, reason: str, *, changes_requested: bool = False
               ) -> ReviewStatus:
        """Reject the spec's current content (or ask for changes)."""
        decision = "changes_requested" if changes_requested else "reject"
        return self._c._run(_Ops.sub(spec_id, "reviews", "PATCH",
                                     {"decision": decision, "reason": reason},
                                     lambda r: ReviewStatus.from_json(r.json())))

    def status(self, spec_id: str) -> ReviewStatus:
        """The spec's reviews and gate."""
        return self._c._run(_Ops.sub(spec_id, "reviews",
                                     parse=lambda r: ReviewStatus.from_json(r.json())))

    def pending(self, reviewer: str | None = None) -> list[dict[str, Any]]:
        """Reviews waiting (for ``reviewer``, or everyone)."""
        return self._c._run(_Op("GET", "/api/reviews/pending", _clean({"reviewer": reviewer}),
                                parse=lambda r: r.json()["pending"]))


class Analysis(_Resource):
    """``client.analysis``: impact, overview, trends, team."""

    def impact(self, spec_id: str) -> Impact:
        """Everything a change to the spec may affect (``affected_count``)."""
        return self._c._run(_Ops.sub(spec_id, "impact",
                                     parse=lambda r: Impact.from_json(r.json())))

    def overview(self) -> dict[str, Any]:
        """Counts by status, domain and phase."""
        return self._c._run(_Op("GET", "/api/analytics/overview"))

    def trends(self, weeks: int = 12) -> dict[str, Any]:
        """Specs created and updated per week."""
        return self._c._run(_Op("GET", "/api/analytics/trends", {"weeks": weeks}))

    def team(self, days: int = 30) -> dict[str, Any]:
        """Activity per user."""
        return self._c._run(_Op("GET", "/api/analytics/team", {"days": days}))


class Locks(_Resource):
    """``client.locks``: acquire, release, status, all."""

    def acquire(self, spec_id: str, *, ttl: int | None = None, force: bool = False) -> Lock:
        """Take (or renew) the edit lock; ``ConflictError`` (423) when someone holds it."""
        return self._c._run(_Ops.sub(spec_id, "lock", "POST", _clean(
            {"ttl": ttl, "force": force or None}),
            lambda r: Lock.from_json(r.json()["lock"])))

    def release(self, spec_id: str, *, force: bool = False) -> None:
        """Release the edit lock."""
        self._c._run(_Ops.sub(spec_id, "lock", "DELETE", parse=lambda r: None,
                              params={"force": "true" if force else None}))

    def status(self, spec_id: str) -> Lock | None:
        """The lock on a spec, or ``None``."""
        return self._c._run(_Ops.sub(spec_id, "lock", parse=lambda r: (
            Lock.from_json(r.json()["lock"]) if r.json().get("lock") else None)))

    def all(self) -> list[Lock]:
        """Every active lock."""
        return self._c._run(_Op("GET", "/api/locks", parse=lambda r: [
            Lock.from_json(x) for x in r.json()["locks"]]))


class Subscription:
    """A live event subscription (a WebSocket in a background thread or task)."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.closed = threading.Event()
        self.error: BaseException | None = None
        self._close: Callable[[], Any] = lambda: None

    def wait_ready(self, timeout: float = 10.0) -> bool:
        """Wait until the server confirmed the subscription."""
        return self.ready.wait(timeout)

    def close(self) -> None:
        """Stop receiving events."""
        self.closed.set()
        self._close()


def _dispatch(msg: dict[str, Any], wanted: list[str], callback: Callable[[Event], Any]) -> Any:
    if msg.get("type") in wanted:
        return callback(Event.from_json(msg))
    return None


class SddClient:
    """A blocking client: ``SddClient(server_url="http://127.0.0.1:3000", api_key=TOKEN)``."""

    def __init__(self, server_url: str, api_key: str | None = None, *, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.server_url = server_url.rstrip("/")
        self.api_key = api_key
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=self.server_url, headers=headers, timeout=timeout,
                                  transport=transport)
        self.specs = Specs(self)
        self.reviews = Reviews(self)
        self.analysis = Analysis(self)
        self.locks = Locks(self)

    def _run(self, op: _Op) -> Any:
        resp = self._http.request(op.method, op.path, params=op.params or None,
                                  json=op.body, headers=op.headers or None)
        if resp.status_code >= 400:
            raise error_for(resp.status_code, _body(resp))
        return op.parse(resp)

    def me(self) -> dict[str, Any]:
        """Who the token belongs to."""
        return self._run(_Op("GET", "/api/me"))

    def health(self) -> dict[str, Any]:
        """The server's liveness answer (no token needed)."""
        return self._run(_Op("GET", "/api/health"))

    def subscribe(self, event: str, callback: Callable[[Event], Any]) -> Subscription:
        """Call ``callback(Event)`` for each ``event`` (``"*"`` for every kind) in a
        background thread until ``.close()``."""
        from websockets.sync.client import connect

        wanted = _wanted(event)
        sub = Subscription()

        def run() -> None:
            try:
                with connect(_ws_url(self.server_url), open_timeout=10) as ws:
                    sub._close = ws.close
                    ws.send(json.dumps({"type": "auth", "token": self.api_key}))
                    first = json.loads(ws.recv(timeout=10))
                    if first.get("type") != "hello":
                        raise error_for(int(first.get("status") or 401), first)
                    ws.send(json.dumps({"type": "subscribe", "events": wanted}))
                    while not sub.closed.is_set():
                        msg = json.loads(ws.recv())
                        if msg.get("type") == "subscribed":
                            sub.ready.set()
                            continue
                        try:
                            _dispatch(msg, wanted, callback)
                        except Exception:  # noqa: BLE001 - a callback must not end the stream
                            pass
            except BaseException as exc:  # noqa: BLE001 - reported through .error
                if not sub.closed.is_set():
                    sub.error = exc
            finally:
                sub.closed.set()
                sub.ready.set()

        threading.Thread(target=run, name="sdd-subscribe", daemon=True).start()
        return sub

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> "SddClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _body(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return resp.text


# ==================================================================== asyncio client

class _AsyncProxy:
    """The blocking resource's methods, sending their request with the async client (each
    method builds exactly one request whose parser does all the work)."""

    def __init__(self, client: "AsyncSddClient", cls: type) -> None:
        self._client = client
        self._builder = cls(_Recorder())  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> Any:
        if name == "all":
            async def all_pages(**filters: Any) -> list[Spec]:
                out: list[Spec] = []
                page = 1
                while True:
                    got = await self._client.specs.list(page=page, per_page=500, **filters)
                    out.extend(got.items)
                    if page >= got.pages:
                        return out
                    page += 1
            return all_pages
        method = getattr(self._builder, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await self._client._send(method(*args, **kwargs))
        call.__doc__ = method.__doc__
        return call


class _Recorder:
    """Stands in for the blocking client: ``_run`` hands back the request it was given."""

    def _run(self, op: _Op) -> _Op:
        return op


class AsyncSddClient:
    """The asyncio client; same methods as :class:`SddClient`, awaited."""

    def __init__(self, server_url: str, api_key: str | None = None, *, timeout: float = 30.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.server_url = server_url.rstrip("/")
        self.api_key = api_key
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.AsyncClient(base_url=self.server_url, headers=headers,
                                       timeout=timeout, transport=transport)
        self.specs: Any = _AsyncProxy(self, Specs)
        self.reviews: Any = _AsyncProxy(self, Reviews)
        self.analysis: Any = _AsyncProxy(self, Analysis)
        self.locks: Any = _AsyncProxy(self, Locks)

    async def _send(self, op: _Op) -> Any:
        resp = await self._http.request(op.method, op.path, params=op.params or None,
                                        json=op.body, headers=op.headers or None)
        if resp.status_code >= 400:
            raise error_for(resp.status_code, _body(resp))
        return op.parse(resp)

    async def me(self) -> dict[str, Any]:
        """Who the token belongs to."""
        return await self._send(_Op("GET", "/api/me"))

    async def health(self) -> dict[str, Any]:
        """The server's liveness answer."""
        return await self._send(_Op("GET", "/api/health"))

    def subscribe(self, event: str, callback: Callable[[Event], Any | Awaitable[Any]]
                  ) -> "asyncio.Task[None]":
        """Call ``callback(Event)`` (a function or a coroutine function) for each ``event``
        in a background task; cancel the task to stop. The task's ``ready`` attribute is an
        ``asyncio.Event`` set once the server confirmed the subscription."""
        from websockets.asyncio.client import connect

        wanted = _wanted(event)
        ready = asyncio.Event()

        async def run() -> None:
            try:
                async with connect(_ws_url(self.server_url), open_timeout=10) as ws:
                    await ws.send(json.dumps({"type": "auth", "token": self.api_key}))
                    first = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    if first.get("type") != "hello":
                        raise error_for(int(first.get("status") or 401), first)
                    await ws.send(json.dumps({"type": "subscribe", "events": wanted}))
                    async for raw in ws:
                        msg = json.loads(raw)
                        if msg.get("type") == "subscribed":
                            ready.set()
                            continue
                        try:
                            result = _dispatch(msg, wanted, callback)
                            if asyncio.iscoroutine(result):
                                await result
                        except Exception:  # noqa: BLE001 - a callback must not end the stream
                            pass
            finally:
                ready.set()

        task = asyncio.create_task(run())
        task.ready = ready  # type: ignore[attr-defined]
        return task

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> "AsyncSddClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()
