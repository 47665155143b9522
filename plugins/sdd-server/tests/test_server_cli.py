"""The commands: config set/get, server connect, edit, lock status, invite, migrate."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from serverkit import Server, sdd
from sdd_core.testing import write_project


@pytest.fixture
def cfg_project(tmp_path: Path, sdd_entrypoints: Any) -> Path:
    sdd_entrypoints("server")
    root = write_project(tmp_path / "p", {".sdd/config.yml": (
        "# project settings\nproject:\n  name: shop  # the shop\nserver:\n  port: 3000\n")})
    return root


def test_config_set_round_trips_and_validates(cfg_project: Path, run_sdd: Any) -> None:
    path = cfg_project / ".sdd/config.yml"
    res = run_sdd("config", "set", "server.port", "4000", cwd=cfg_project)
    assert res.exit_code == 0, res.output
    text = path.read_text()
    assert "port: 4000" in text and "# the shop" in text and "# project settings" in text
    got = run_sdd("config", "get", "server.port", cwd=cfg_project)
    assert got.json() == 4000
    res = run_sdd("config", "set", "search.backend", "whoosh", cwd=cfg_project)
    assert res.exit_code == 0 and "backend: whoosh" in path.read_text()
    before = path.read_text()
    bad = run_sdd("config", "set", "server.port", "many", cwd=cfg_project)
    assert bad.exit_code == 3 and "server.port" in bad.stderr
    unknown = run_sdd("config", "set", "server.colour", "blue", cwd=cfg_project)
    assert unknown.exit_code == 3 and "colour" in unknown.stderr
    assert path.read_text() == before
    removed = run_sdd("config", "set", "search.backend", "null", cwd=cfg_project)
    assert removed.exit_code == 0 and "whoosh" not in path.read_text()


def test_connect_stores_url_and_token_privately(server: Server, tmp_path: Path) -> None:
    env = {"SDD_CONFIG_DIR": str(tmp_path / "cfg")}
    res = sdd("server", "connect", server.url, "--token", server.tokens["alice"], cwd=tmp_path,
              env=env)
    assert "as @alice" in res.stderr
    cfg = tmp_path / "cfg" / "config.yml"
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    assert server.tokens["alice"] in cfg.read_text()
    bad = sdd("server", "connect", server.url, "--token", "sdd_000000000000_" + "q" * 40,
              cwd=tmp_path, env={"SDD_CONFIG_DIR": str(tmp_path / "other")}, check=False)
    assert bad.returncode == 4 and not (tmp_path / "other" / "config.yml").exists()


def test_edit_locks_saves_through_the_api_and_unlocks(server: Server, tmp_path: Path) -> None:
    env = {"SDD_CONFIG_DIR": str(tmp_path / "cfg")}
    sdd("server", "connect", server.url, "--token", server.tokens["alice"], cwd=tmp_path,
        env=env)
    with server.client("alice") as c:
        assert c.post("/api/specs", json={"id": "auth/edited"}).status_code == 201
    editor = tmp_path / "editor.sh"
    seen = tmp_path / "lock-seen.json"
    # the editor records the lock state while it runs, then appends a line
    editor.write_text(
        "#!/bin/sh\n"
        f"'{sys.executable}' -c \"import httpx; open('{seen}', 'w').write(httpx.get("
        f"'{server.url}/api/specs/auth/edited/lock', headers={{'Authorization': "
        f"'Bearer {server.tokens['root']}'}}).text)\"\n"
        'printf "\\nEdited in the editor.\\n" >> "$1"\n')
    editor.chmod(0o755)
    res = sdd("edit", "auth/edited", cwd=tmp_path, env={**env, "EDITOR": str(editor)})
    assert "Saved auth/edited" in res.stderr
    assert json.loads(seen.read_text())["lock"]["owner"] == "@alice"
    text = (server.root / ".sdd/specs/auth/edited/spec.md").read_text()
    assert text.endswith("Edited in the editor.\n")
    with server.client("alice") as c:
        assert c.get("/api/specs/auth/edited/lock").json()["locked"] is False
    # someone else's lock: refused with exit 5, unless forced by an admin
    with server.client("rev") as c:
        assert c.post("/api/specs/auth/edited/lock", json={}).status_code == 201
    locked = sdd("edit", "auth/edited", cwd=tmp_path, env={**env, "EDITOR": str(editor)},
                 check=False)
    assert locked.returncode == 5 and "@rev" in locked.stderr
    status = sdd("lock", "status", "--format", "json", cwd=tmp_path, env=env)
    assert [(x["spec"], x["owner"]) for x in json.loads(status.stdout)] == [
        ("auth/edited", "@rev")]
    forbidden = sdd("edit", "auth/edited", "--force", cwd=tmp_path,
                    env={**env, "EDITOR": str(editor)}, check=False)
    assert forbidden.returncode == 4  # a contributor token may not force


def test_invite_creates_a_token_per_team_member(server: Server) -> None:
    res = sdd("server", "invite", "team:payments", "--role", "contributor", "--format", "json",
              "--database-url", server.database_url, cwd=server.root)
    rows = json.loads(res.stdout)
    assert sorted(r["user"] for r in rows) == ["@bea", "@bob"]
    bea = next(r for r in rows if r["user"] == "@bea")
    with server.client() as c:
        me = c.get("/api/me", headers={"Authorization": f"Bearer {bea['token']}"}).json()
    assert me["user"] == "@bea" and me["roles"] == ["contributor"]
    missing = sdd("server", "invite", "team:nobody", "--role", "viewer",
                  "--database-url", server.database_url, cwd=server.root, check=False)
    assert missing.returncode == 1 and "nobody" in missing.stderr


def test_migrate_registers_the_project(server: Server) -> None:
    res = sdd("server", "migrate", "--project", "shop", "--format", "json",
              "--database-url", server.database_url, cwd=server.root)
    data = json.loads(res.stdout)
    from sdd_server.db import Database

    db = Database(server.database_url)
    try:
        count = db.one("SELECT COUNT(*) AS n FROM specs WHERE project = ?", ("shop",))["n"]
        files = list((server.root / ".sdd/specs").rglob("spec.md"))
        assert data["specs"] == count == len(files)
        row = db.one("SELECT root, spec_count FROM projects WHERE name = ?", ("shop",))
        assert row["root"] == str(server.root) and row["spec_count"] == count
    finally:
        db.close()
