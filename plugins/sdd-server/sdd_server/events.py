"""Real-time events: core events mapped to the socket's event names, stored, and fanned out.

Every event raised while the server handles a request (collected by the plugin's ``on_event``
hook) is, once the action succeeded, turned into a socket message (``spec.created`` ->
``spec:created`` ...), appended to the ``events`` table, and delivered to every connected
client allowed to view the spec it concerns.

Across processes: with PostgreSQL each process publishes with ``NOTIFY sdd_events`` and
LISTENs in a background thread, so clients of every replica receive every event; with SQLite
each process delivers its own events at once and polls the table for other processes' ones.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from sdd_server.db import Database, iso

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core.model import Actor, Event

    from sdd_server.snapshot import ServerProject

#: core event type -> socket event type
EVENT_MAP: dict[str, str] = {
    "spec.created": "spec:created",
    "spec.updated": "spec:updated",
    "spec.deleted": "spec:deleted",
    "review.request": "review:requested",
    "review.approve": "review:approved",
    "review.reject": "review:rejected",
    "review.promote": "spec:updated",
    "lock.acquired": "spec:locked",
    "lock.released": "spec:unlocked",
    "user.viewing": "user:viewing",
}
SOCKET_EVENTS: tuple[str, ...] = (
    "spec:created", "spec:updated", "spec:deleted", "review:requested", "review:approved",
    "review:rejected", "spec:locked", "spec:unlocked", "user:viewing", "notification",
)
CHANNEL = "sdd_events"
_DETAIL_KEYS = ("path", "before", "after", "reviewers", "reviewer", "comment", "reason",
                "status", "from", "to", "expires_at", "forced", "message")


def to_messages(event: "Event", domain: str | None) -> list[dict[str, Any]]:
    """The socket messages one core event becomes (none for events clients do not get)."""
    kind = EVENT_MAP.get(event.type)
    if kind is None:
        return []
    details = {k: event.details[k] for k in _DETAIL_KEYS if k in event.details}
    base = {"type": kind, "spec": event.resource, "domain": domain,
            "actor": event.actor.handle, "timestamp": iso(event.timestamp),
            "source_event": event.type, "data": details}
    out = [base]
    if event.type == "review.request":
        for reviewer in event.details.get("reviewers") or []:
            out.append({"type": "notification", "spec": event.resource, "domain": domain,
                        "actor": event.actor.handle, "timestamp": base["timestamp"],
                        "to": str(reviewer).lstrip("@"), "source_event": event.type,
                        "data": {"message": f"{event.actor.handle} asked you to review"
                                            f" {event.resource}"}})
    return out


@dataclass(eq=False)
class Client:
    """One connected socket: who it is, what it wants, and its outbox."""

    actor: "Actor"
    loop: asyncio.AbstractEventLoop
    queue: "asyncio.Queue[dict[str, Any] | None]"
    wanted: set[str] = field(default_factory=lambda: set(SOCKET_EVENTS))
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


class EventHub:
    """Publishes events and delivers them to this process's clients."""

    def __init__(self, db: Database, project: "ServerProject", poll_interval: float = 0.5
                 ) -> None:
        self.db = db
        self.project = project
        self.origin = uuid.uuid4().hex
        self.clients: set[Client] = set()
        self.poll_interval = poll_interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_id = 0

    # ---------------------------------------------------------------- clients

    def add(self, client: Client) -> None:
        with self._lock:
            self.clients.add(client)

    def remove(self, client: Client) -> None:
        with self._lock:
            self.clients.discard(client)

    # ---------------------------------------------------------------- publishing

    def publish_events(self, events: Iterable["Event"], domains: dict[str, str] | None = None
                       ) -> None:
        """Publish core events raised by a successful action."""
        snap = self.project.snapshots.current()
        for event in events:
            domain = (domains or {}).get(event.resource or "")
            if domain is None and event.resource:
                spec = snap.get(event.resource)
                domain = spec.domain if spec is not None else None
            for msg in to_messages(event, domain):
                self.publish(msg)

    def publish(self, msg: dict[str, Any], *, persist: bool = True) -> None:
        """Store and fan out one message (to every process)."""
        msg = dict(msg)
        msg["origin"] = self.origin
        if persist:
            msg["id"] = self.db.insert_event(msg)
        if self.db.kind == "postgresql":
            text = json.dumps(msg, default=str)
            if len(text) > 7000:
                text = json.dumps({"ref": msg.get("id"), "origin": self.origin})
            self.db.execute("SELECT pg_notify(?, ?)", (CHANNEL, text))
        else:
            self.deliver(msg)

    def deliver(self, msg: dict[str, Any]) -> None:
        """Hand a message to every local client that wants it and may see it."""
        with self._lock:
            clients = list(self.clients)
        if not clients:
            return
        snap = self.project.snapshots.current()
        spec = snap.get(msg["spec"]) if msg.get("spec") else None
        resource: Any = spec if spec is not None else msg.get("domain")
        out = {k: v for k, v in msg.items() if k != "origin"}
        for client in clients:
            if msg["type"] not in client.wanted:
                continue
            if msg.get("to") and msg["to"] != client.actor.name:
                continue
            if msg.get("spec") and not self.project.allowed(client.actor, "spec.view",
                                                             resource):
                continue
            try:
                client.loop.call_soon_threadsafe(_put, client, out)
            except RuntimeError:  # loop closed
                self.remove(client)

    # ---------------------------------------------------------------- other processes

    def start(self) -> None:
        """Receive other processes' events in a background thread."""
        if self._thread is not None:
            return
        if self.db.kind == "sqlite":
            row = self.db.one("SELECT MAX(id) AS m FROM events")
            self._last_id = int(row["m"] or 0) if row else 0
            target = self._poll
        else:
            target = self._listen
        self._thread = threading.Thread(target=target, name="sdd-events", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_interval):
            try:
                rows = self.db.query("SELECT id, payload FROM events WHERE id > ? ORDER BY id",
                                     (self._last_id,))
            except Exception:  # noqa: BLE001 - keep polling
                continue
            for row in rows:
                self._last_id = max(self._last_id, int(row["id"]))
                msg = json.loads(row["payload"])
                msg["id"] = int(row["id"])
                if msg.get("origin") != self.origin:
                    self.deliver(msg)

    def _listen(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.db.url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self._on_notify(note.payload)
            except Exception:  # noqa: BLE001 - reconnect after a dropped connection
                if self._stop.wait(1.0):
                    return

    def _on_notify(self, payload: str) -> None:
        try:
            msg = json.loads(payload)
        except ValueError:
            return
        if "type" not in msg and msg.get("ref") is not None:
            row = self.db.one("SELECT payload FROM events WHERE id = ?", (msg["ref"],))
            if row is None:
                return
            msg = json.loads(row["payload"])
        self.deliver(msg)


def _put(client: Client, msg: dict[str, Any]) -> None:
    try:
        client.queue.put_nowait(msg)
    except asyncio.QueueFull:
        # a client that does not read loses its connection rather than the server's memory
        try:
            client.queue.get_nowait()
        except asyncio.QueueEmpty:
            pass
        client.queue.put_nowait(None)
