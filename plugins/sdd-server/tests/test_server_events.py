"""Live events over /ws: delivery, filtering by visibility, and (PostgreSQL) across two server
processes sharing one database."""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from typing import Any, Iterator

from websockets.sync.client import connect

from serverkit import Server, start_server


@contextmanager
def _ws(server: Server, user: str, *, first_message: bool = False) -> Iterator[Any]:
    url = server.url.replace("http://", "ws://") + "/ws"
    if not first_message:
        url = f"{url}?token={server.tokens[user]}"
    with connect(url, open_timeout=10) as ws:
        if first_message:
            ws.send(json.dumps({"type": "auth", "token": server.tokens[user]}))
        hello = json.loads(ws.recv(timeout=10))
        assert hello["type"] == "hello" and hello["user"] == "@" + user
        yield ws


def _drain(ws: Any, until: float = 3.0, want: int | None = None) -> list[dict]:
    out: list[dict] = []
    deadline = time.monotonic() + until
    while time.monotonic() < deadline and (want is None or len(out) < want):
        try:
            out.append(json.loads(ws.recv(timeout=max(0.05, deadline - time.monotonic()))))
        except TimeoutError:
            break
    return out


def test_events_reach_sockets_filtered_by_visibility(server: Server) -> None:
    with _ws(server, "alice", first_message=True) as alice_ws, _ws(server, "bob") as bob_ws, \
            _ws(server, "hal") as hal_ws:
        with server.client("alice") as c:
            r = c.post("/api/specs", json={"id": "auth/ws-one", "title": "WS"})
            assert r.status_code == 201
            c.put("/api/specs/auth/ws-one", json={"status": "review"},
                  headers={"If-Match": r.json()["version"]})
        with server.client("hal") as c:
            r = c.post("/api/specs", json={"id": "hr/ws-secret"})
            assert r.status_code == 201
        got_bob = _drain(bob_ws, want=2)
        got_hal = _drain(hal_ws, want=3)
        kinds_bob = [(m["type"], m["spec"]) for m in got_bob]
        assert ("spec:created", "auth/ws-one") in kinds_bob
        assert ("spec:updated", "auth/ws-one") in kinds_bob
        # hr is restricted: bob (billing) never hears of it; hal (hr) does
        assert not [m for m in got_bob + _drain(bob_ws, 1.0) if m.get("domain") == "hr"]
        assert ("spec:created", "hr/ws-secret") in [(m["type"], m["spec"]) for m in got_hal]
        created = next(m for m in got_bob if m["type"] == "spec:created")
        assert created["actor"] == "@alice" and created["domain"] == "auth"
        assert ("spec:created", "auth/ws-one") in [(m["type"], m["spec"])
                                                   for m in _drain(alice_ws, want=2)]


def test_review_lock_and_notification_events(server: Server) -> None:
    with _ws(server, "rev") as rev_ws:
        rev_ws.send(json.dumps({"type": "subscribe",
                                "events": ["review:requested", "notification", "spec:locked",
                                           "spec:unlocked"]}))
        assert json.loads(rev_ws.recv(timeout=5))["type"] == "subscribed"
        with server.client("alice") as c:
            assert c.post("/api/specs", json={"id": "auth/ws-two"}).status_code == 201
            assert c.post("/api/specs/auth/ws-two/lock", json={}).status_code == 201
            assert c.delete("/api/specs/auth/ws-two/lock").status_code == 204
            assert c.post("/api/specs/auth/ws-two/reviews",
                          json={"reviewers": ["@rev"]}).status_code == 201
        got = _drain(rev_ws, want=4)
        kinds = [m["type"] for m in got]
        assert kinds == ["spec:locked", "spec:unlocked", "review:requested", "notification"]
        note = got[-1]
        assert note["to"] == "rev" and "asked you to review" in note["data"]["message"]


def test_viewing_presence_and_ping(server: Server) -> None:
    with _ws(server, "alice") as a, _ws(server, "bob") as b:
        a.send(json.dumps({"type": "ping"}))
        assert json.loads(a.recv(timeout=5)) == {"type": "pong"}
        a.send(json.dumps({"type": "viewing", "spec": "auth/login"}))
        got = [m for m in _drain(b, want=1) if m["type"] == "user:viewing"]
        assert got and got[0]["actor"] == "@alice" and got[0]["spec"] == "auth/login"


def test_socket_without_valid_token_is_closed(server: Server) -> None:
    url = server.url.replace("http://", "ws://") + "/ws"
    with connect(url, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "auth", "token": "sdd_000000000000_" + "y" * 40}))
        msg = json.loads(ws.recv(timeout=5))
        assert msg["type"] == "error" and msg["status"] == 401


def test_two_processes_share_events(server: Server, backend: str | None) -> None:
    """PostgreSQL: LISTEN/NOTIFY; SQLite: each process polls the events table."""
    second = start_server(server.root, server.database_url)
    try:
        second.tokens = server.tokens
        with _ws(second, "bob") as ws:  # connected to process 2
            with server.client("alice") as c:  # writes through process 1
                assert c.post("/api/specs", json={"id": "auth/ws-cross"}).status_code == 201
            got = _drain(ws, want=1, until=5)
            assert ("spec:created", "auth/ws-cross") in [(m["type"], m["spec"]) for m in got]
    finally:
        second.stop()
