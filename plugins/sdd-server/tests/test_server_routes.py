"""The route inventory: every route asks for authorization (except an explicit allow-list),
built in-process from the real app factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from serverkit import PLUGINS, project_files
from sdd_core.testing import write_project

ALLOWED_PUBLIC = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/api/health"}


def _has_authorization(dependant: Any) -> bool:
    for dep in dependant.dependencies:
        if getattr(dep.call, "sdd_authorization", False) or _has_authorization(dep):
            return True
    return False


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sdd_entrypoints: Any) -> Any:
    sdd_entrypoints(*PLUGINS.split(","))
    root = write_project(tmp_path / "p", project_files())
    from sdd_server.app import build_state, create_app

    state = build_state(root, f"sqlite:///{tmp_path / 'server.db'}")
    yield create_app(state)
    state.db.close()


def test_every_route_has_an_authorization_dependency(app: Any) -> None:
    from fastapi.routing import APIRoute, APIWebSocketRoute

    missing = []
    checked = 0
    for route in app.routes:
        path = getattr(route, "path", "")
        if path in ALLOWED_PUBLIC and not isinstance(route, APIRoute):
            continue  # FastAPI's own schema and docs pages
        if not isinstance(route, (APIRoute, APIWebSocketRoute)):
            # a mount or an included router would hide routes from this walk
            missing.append(f"{path or route!r} (not a plain FastAPI route)")
            continue
        if path in ALLOWED_PUBLIC:
            continue
        dependant = route.dependant
        checked += 1
        if not _has_authorization(dependant):
            missing.append(path)
    assert not missing, f"routes without an authorization dependency: {missing}"
    assert checked >= 30  # specs, graph, locks, reviews, search, analytics, audit, ws, graphql


def test_inventory_catches_an_unprotected_route(app: Any) -> None:
    @app.get("/api/leak")
    async def leak() -> dict[str, str]:
        return {"secret": "x"}

    route = next(r for r in app.routes if getattr(r, "path", "") == "/api/leak")
    assert not _has_authorization(route.dependant)


def test_subresources_route_before_the_spec_path(app: Any) -> None:
    from starlette.routing import Match

    def endpoint_for(path: str, method: str) -> str:
        scope = {"type": "http", "path": path, "method": method, "root_path": ""}
        for route in app.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return route.endpoint.__name__
        return "-"

    assert endpoint_for("/api/specs/a/b/c/lock", "POST") == "lock_take"
    assert endpoint_for("/api/specs/a/b/c/lock", "GET") == "lock_status"
    assert endpoint_for("/api/specs/a/b/dependencies", "GET") == "dependencies"
    assert endpoint_for("/api/specs/a/b/c", "GET") == "get_spec"
    assert endpoint_for("/api/specs/a/b/c", "PUT") == "put_spec"
