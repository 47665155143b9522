"""API tokens: created once (the secret is shown once), stored salted and hashed, revocable.

A token reads ``sdd_<id>_<secret>``. The id is public and finds the row; the secret is
checked against ``sha256(salt || secret)`` in constant time. Verified tokens are remembered
for a few seconds (``cache_seconds``) so a busy server does not hash on every request; a
revocation therefore takes effect within that time in other processes, at once in this one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from sdd_core.errors import NotFound, SddError
from sdd_core.model import normalize_user

from sdd_server.db import Database, iso, parse_iso, utcnow

TOKEN_RE = re.compile(r"^sdd_([0-9a-f]{12})_([A-Za-z0-9_-]{20,})$")
#: The roles a token may carry (sdd-rbac's ladder).
TOKEN_ROLES: tuple[str, ...] = ("viewer", "contributor", "reviewer", "domain_admin", "org_admin")


@dataclass(frozen=True)
class TokenInfo:
    """A stored token (never the secret)."""

    id: str
    user: str
    role: str
    label: str | None
    created_at: str
    expires_at: str | None
    revoked_at: str | None

    @property
    def active(self) -> bool:
        """Not revoked and not expired."""
        if self.revoked_at:
            return False
        exp = parse_iso(self.expires_at)
        return exp is None or exp > utcnow()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"id": self.id, "user": "@" + self.user, "role": self.role, "label": self.label,
                "created_at": self.created_at, "expires_at": self.expires_at,
                "revoked_at": self.revoked_at, "active": self.active}


def parse_duration(text: str | None) -> float | None:
    """``30d``, ``12h``, ``90m``, ``45s``, ``2w`` -> seconds; ``None``/``never`` -> ``None``."""
    if text is None or text.strip().lower() in ("", "never", "none"):
        return None
    m = re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", text.lower())
    if not m:
        raise SddError(f"invalid duration {text!r}", hint="use e.g. 45s, 90m, 12h, 30d or 2w")
    n, unit = int(m.group(1)), m.group(2)
    if n <= 0:
        raise SddError(f"invalid duration {text!r}: it must be positive")
    return n * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode()).hexdigest()


class TokenStore:
    """Tokens in the server database."""

    def __init__(self, db: Database, cache_seconds: float = 2.0) -> None:
        self.db = db
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, TokenInfo]] = {}
        self._lock = threading.Lock()

    def create(self, user: str, role: str, *, expires: str | None = None,
               label: str | None = None) -> tuple[str, TokenInfo]:
        """A new token for ``user`` with ``role``: ``(token text, info)``. The text is not
        stored and cannot be shown again."""
        name = normalize_user(user)
        if not name or not re.fullmatch(r"[\w.@+-]+", name):
            raise SddError(f"invalid user {user!r}", hint="use @name")
        if role not in TOKEN_ROLES:
            raise SddError(f"unknown role {role!r}", hint=f"roles: {', '.join(TOKEN_ROLES)}")
        seconds = parse_duration(expires)
        token_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_hex(16)
        now = utcnow()
        import datetime as dt

        exp = iso(now + dt.timedelta(seconds=seconds)) if seconds else None
        self.db.execute(
            "INSERT INTO tokens (id, user_name, role, salt, hash, label, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (token_id, name, role, salt, _digest(salt, secret), label, iso(now), exp))
        info = TokenInfo(token_id, name, role, label, iso(now) or "", exp, None)
        return f"sdd_{token_id}_{secret}", info

    def list(self, include_revoked: bool = False) -> list[TokenInfo]:
        """Every token, newest first."""
        rows = self.db.query("SELECT * FROM tokens ORDER BY created_at DESC, id")
        infos = [self._info(r) for r in rows]
        return infos if include_revoked else [i for i in infos if not i.revoked_at]

    def revoke(self, token_id: str) -> TokenInfo:
        """Revoke a token by id (raises ``NotFound``)."""
        changed = self.db.execute("UPDATE tokens SET revoked_at = ? WHERE id = ? AND"
                                  " revoked_at IS NULL", (iso(utcnow()), token_id))
        row = self.db.one("SELECT * FROM tokens WHERE id = ?", (token_id,))
        if row is None:
            raise NotFound(f"no token {token_id!r}", hint="`sdd server token list` shows them")
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if v[1].id != token_id}
        info = self._info(row)
        if not changed and info.revoked_at is None:  # pragma: no cover - race
            raise SddError(f"token {token_id} could not be revoked")
        return info

    def verify(self, token: str) -> TokenInfo | None:
        """The active token ``token`` names, or ``None`` (unknown, wrong, revoked, expired)."""
        now = time.monotonic()
        hit = self._cache.get(token)
        if hit is not None and hit[0] > now:
            return hit[1] if hit[1].active else None
        m = TOKEN_RE.match(token or "")
        if not m:
            return None
        row = self.db.one("SELECT * FROM tokens WHERE id = ?", (m.group(1),))
        if row is None:
            return None
        if not hmac.compare_digest(_digest(row["salt"], m.group(2)), row["hash"]):
            return None
        info = self._info(row)
        if not info.active:
            return None
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[token] = (now + self.cache_seconds, info)
        return info

    @staticmethod
    def _info(row: dict[str, Any]) -> TokenInfo:
        return TokenInfo(row["id"], row["user_name"], row["role"], row.get("label"),
                         row["created_at"], row.get("expires_at"), row.get("revoked_at"))
