"""Edit locks: one owner per spec, with an expiry, taken atomically in the server database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sdd_core.errors import Conflict, NotFound

from sdd_server.db import Database, iso, utcnow


@dataclass(frozen=True)
class Lock:
    """A lock held on a spec."""

    spec_id: str
    owner: str
    acquired_at: str
    expires_at: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"spec": self.spec_id, "owner": "@" + self.owner,
                "acquired_at": self.acquired_at, "expires_at": self.expires_at}


class LockHeld(Conflict):
    """Another user holds the lock."""

    def __init__(self, lock: Lock) -> None:
        super().__init__(f"{lock.spec_id} is locked by @{lock.owner} until {lock.expires_at}",
                         hint="wait for it to be released or to expire (admins: force)")
        self.lock = lock


class Locks:
    """Locks in the server database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def acquire(self, spec_id: str, owner: str, ttl: int, force: bool = False) -> Lock:
        """Take (or renew) the lock; raise :class:`LockHeld` when another user holds it and
        ``force`` is not set."""
        now = utcnow()
        row = self.db.one(
            "INSERT INTO locks (spec_id, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (spec_id) DO UPDATE SET owner = excluded.owner,"
            " acquired_at = CASE WHEN locks.owner = excluded.owner AND locks.expires_at > ?"
            " THEN locks.acquired_at ELSE excluded.acquired_at END,"
            " expires_at = excluded.expires_at"
            " WHERE locks.owner = excluded.owner OR locks.expires_at <= ? OR ?"
            " RETURNING spec_id, owner, acquired_at, expires_at",
            (spec_id, owner, iso(now), iso(now + dt.timedelta(seconds=ttl)), iso(now),
             iso(now), bool(force)))
        if row is None:
            held = self.holder(spec_id)
            if held is None:  # expired between the two statements: try again
                return self.acquire(spec_id, owner, ttl, force)
            raise LockHeld(held)
        return Lock(**row)

    def release(self, spec_id: str, owner: str, force: bool = False) -> Lock:
        """Release the lock; raise ``NotFound`` when there is none and :class:`LockHeld`
        when another user holds it (without ``force``)."""
        held = self.holder(spec_id)
        if held is None:
            raise NotFound(f"{spec_id} is not locked")
        if held.owner != owner and not force:
            raise LockHeld(held)
        self.db.execute("DELETE FROM locks WHERE spec_id = ?", (spec_id,))
        return held

    def holder(self, spec_id: str) -> Lock | None:
        """The unexpired lock on ``spec_id``, or ``None``."""
        row = self.db.one("SELECT spec_id, owner, acquired_at, expires_at FROM locks"
                          " WHERE spec_id = ? AND expires_at > ?", (spec_id, iso(utcnow())))
        return Lock(**row) if row else None

    def active(self) -> list[Lock]:
        """Every unexpired lock, by spec id."""
        rows = self.db.query("SELECT spec_id, owner, acquired_at, expires_at FROM locks"
                             " WHERE expires_at > ? ORDER BY spec_id", (iso(utcnow()),))
        return [Lock(**r) for r in rows]
