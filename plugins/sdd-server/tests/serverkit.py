"""Helpers for the server tests: a project, tokens, and a real uvicorn in a subprocess."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from sdd_core.testing import make_spec_text, write_project

PLUGINS = "server,review,rbac,audit"
SDD = str(Path(sys.executable).parent / "sdd")

ACCESS_YML = """\
teams:
  payments: ["@bob", "@bea"]
org_admins: ["@root"]
domains:
  auth:
    contributors: ["@alice"]
    reviewers: ["@rev"]
  billing:
    contributors: ["team:payments"]
    reviewers: ["@rev"]
  hr:
    visibility: restricted
    admins: ["@hana"]
    contributors: ["@hal"]
"""


def project_files() -> dict[str, str]:
    """Six specs in three domains (hr restricted) with a small dependency chain:
    auth/session -> auth/login; billing/invoice -> auth/session; billing/refund ->
    billing/invoice; hr/payroll -> billing/invoice."""
    return {
        "auth/login/spec.md": make_spec_text(title="Login", extra={"author": "alice",
                                                                   "tags": ["security"]},
                                             body_extra="Rate limit login attempts."),
        "auth/session/spec.md": make_spec_text(title="Session", depends=["auth/login"],
                                               extra={"phase": 2}),
        "billing/invoice/spec.md": make_spec_text(title="Invoice", status="review",
                                                  depends=["auth/session"],
                                                  extra={"phase": 2}),
        "billing/refund/spec.md": make_spec_text(title="Refund", depends=["billing/invoice"],
                                                 status="approved"),
        "hr/payroll/spec.md": make_spec_text(title="Payroll secret", depends=["billing/invoice"],
                                             body_extra="Salary bands are confidential."),
        "hr/review/spec.md": make_spec_text(title="Performance review"),
        ".sdd/access.yml": ACCESS_YML,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDD_")}
    env["SDD_LOAD_PLUGINS"] = PLUGINS
    env["SDD_USER"] = "root"
    env.update(extra or {})
    return env


def sdd(*args: str, cwd: Path, env: dict[str, str] | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the real ``sdd`` command."""
    out = subprocess.run([SDD, *args], cwd=cwd, env=env_for(env), capture_output=True,
                         text=True, timeout=60)
    if check and out.returncode != 0:
        raise AssertionError(f"sdd {' '.join(args)} failed ({out.returncode}):\n"
                             f"{out.stdout}\n{out.stderr}")
    return out


def postgres_url() -> str | None:
    """``SDD_TEST_POSTGRES_URL``; in CI it must be set."""
    url = os.environ.get("SDD_TEST_POSTGRES_URL")
    if not url and os.environ.get("CI"):
        pytest.fail("CI is set but SDD_TEST_POSTGRES_URL is not: .ci/postgres-setup.sh"
                    " prints the URL to export")
    return url


def fresh_postgres_database(base_url: str) -> tuple[str, Any]:
    """A new, empty database next to ``base_url``'s: ``(url, drop)``."""
    import psycopg

    name = "sdd_t_" + secrets.token_hex(4)
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    head, _, tail = base_url.rpartition("/")
    query = ""
    if "?" in tail:
        query = "?" + tail.split("?", 1)[1]
    url = f"{head}/{name}{query}"

    def drop() -> None:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return url, drop


@dataclass
class Server:
    """A running ``sdd server start`` process."""

    root: Path
    url: str
    database_url: str
    proc: subprocess.Popen[bytes]
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, user: str | None = None, **kw: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kw)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_server(root: Path, database_url: str, *, port: int | None = None,
                 env: dict[str, str] | None = None, log: Path | None = None) -> Server:
    """Start ``sdd server start`` on a free loopback port and wait until it answers."""
    port = port or free_port()
    log = log or root.parent / f"server-{port}.log"
    fh = open(log, "wb")
    proc = subprocess.Popen(
        [SDD, "-C", str(root), "server", "start", "--host", "127.0.0.1", "--port", str(port),
         "--database-url", database_url],
        env=env_for({"SDD_SERVER_TOKEN_CACHE": "0", **(env or {})}), stdout=fh, stderr=fh)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited ({proc.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                return Server(root, url, database_url, proc)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"server did not start:\n{log.read_text()}")


def make_tokens(root: Path, database_url: str, spec: dict[str, str]) -> dict[str, str]:
    """Create a token per ``{user: role}`` through the CLI."""
    out = {}
    for user, role in spec.items():
        res = sdd("server", "token", "create", "--user", "@" + user, "--role", role,
                  "--database-url", database_url, cwd=root)
        out[user] = res.stdout.strip()
    return out


#: user -> the role on their token
TOKENS = {"root": "org_admin", "alice": "contributor", "bob": "contributor",
          "rev": "reviewer", "hana": "domain_admin", "hal": "contributor",
          "vic": "viewer", "alice_ro": "viewer"}


def make_server(tmp: Path, database_url: str | None) -> Server:
    root = write_project(tmp / "proj", project_files())
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=T", "add", "."],
                   cwd=root, check=True)
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=T", "commit",
                    "-qm", "specs"], cwd=root, check=True)
    url = database_url or f"sqlite:///{root / '.sdd' / '.cache' / 'server.db'}"
    users = dict(TOKENS)
    ro = users.pop("alice_ro")
    tokens = make_tokens(root, url, users)
    res = sdd("server", "token", "create", "--user", "@alice", "--role", ro,
              "--database-url", url, cwd=root)
    tokens["alice_ro"] = res.stdout.strip()
    server = start_server(root, url)
    server.tokens = tokens
    return server
