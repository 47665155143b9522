"""The WebSocket ``/ws``: live events, filtered by what the user may view.

Authenticate with ``?token=...`` or with a first message ``{"type": "auth", "token": ...}``.
The server then sends ``{"type": "hello", "user": "@alice", "events": [...]}`` followed by
events (``spec:created`` ... ``notification``). A client may send
``{"type": "subscribe", "events": [...]}`` to narrow what it receives,
``{"type": "viewing", "spec": ID}`` to tell others it is looking at a spec (``user:viewing``),
and ``{"type": "ping"}`` (answered with ``pong``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from fastapi import Depends, WebSocket, WebSocketDisconnect

from sdd_server.app import Authorization, HTTPError, Principal, ServerState, authenticate
from sdd_server.events import SOCKET_EVENTS, Client

if TYPE_CHECKING:  # pragma: no cover
    from fastapi import FastAPI
    from sdd_core.model import Actor


def add_routes(app: "FastAPI", state: ServerState) -> None:
    """Register ``/ws``."""

    @app.websocket("/ws")
    async def socket(websocket: WebSocket,
                     who: Principal | None = Depends(Authorization("spec.view",
                                                                   websocket=True))) -> None:
        await websocket.accept()
        actor: Actor | None = who.actor if who is not None else None
        if actor is None:
            actor = await _first_message_auth(websocket, state)
            if actor is None:
                return
        loop = asyncio.get_running_loop()
        client = Client(actor=actor, loop=loop, queue=asyncio.Queue(maxsize=1000))
        state.hub.add(client)
        await websocket.send_json({"type": "hello", "user": actor.handle,
                                   "events": sorted(client.wanted)})
        sender = asyncio.create_task(_pump(websocket, client))
        try:
            while True:
                msg = await websocket.receive_json()
                if not isinstance(msg, dict):
                    continue
                kind = msg.get("type")
                if kind == "ping":
                    await websocket.send_json({"type": "pong"})
                elif kind == "subscribe":
                    wanted = {e for e in msg.get("events") or [] if e in SOCKET_EVENTS}
                    client.wanted = wanted or set(SOCKET_EVENTS)
                    await websocket.send_json({"type": "subscribed",
                                               "events": sorted(client.wanted)})
                elif kind == "viewing" and isinstance(msg.get("spec"), str):
                    await _viewing(state, actor, msg["spec"])
        except (WebSocketDisconnect, RuntimeError, ValueError):
            pass
        finally:
            state.hub.remove(client)
            sender.cancel()


async def _first_message_auth(websocket: WebSocket, state: ServerState) -> "Actor | None":
    try:
        msg = await asyncio.wait_for(websocket.receive_json(), timeout=10)
        token = msg.get("token") if isinstance(msg, dict) and msg.get("type") == "auth" else None
        actor = authenticate(state, token)
        if not state.project.allowed(actor, "spec.view", None):
            raise HTTPError(403, f"{actor.handle} may not spec.view")
        return actor
    except HTTPError as exc:
        await websocket.send_json({"type": "error", "error": exc.message,
                                   "status": exc.status})
        await websocket.close(code=4000 + exc.status)
    except (asyncio.TimeoutError, WebSocketDisconnect, ValueError, RuntimeError):
        try:
            await websocket.close(code=4401)
        except RuntimeError:
            pass
    return None


async def _pump(websocket: WebSocket, client: Client) -> None:
    try:
        while True:
            msg = await client.queue.get()
            if msg is None:
                await websocket.close(code=1013)
                return
            await websocket.send_json(msg)
    except Exception:  # noqa: BLE001 - the socket went away
        return


async def _viewing(state: ServerState, actor: "Actor", ref: str) -> None:
    from fastapi.concurrency import run_in_threadpool

    from sdd_server.db import iso, utcnow

    spec = state.project.snapshots.current().get(ref)
    if spec is None or not state.project.allowed(actor, "spec.view", spec):
        return
    msg = {"type": "user:viewing", "spec": spec.id, "domain": spec.domain,
           "actor": actor.handle, "timestamp": iso(utcnow()), "data": {}}
    await run_in_threadpool(state.hub.publish, msg, persist=False)
