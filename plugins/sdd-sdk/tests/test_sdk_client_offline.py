"""The SDK without a server: requests it builds and errors it raises (httpx.MockTransport).
End-to-end tests against a real server are in plugins/sdd-server/tests/test_server_sdk.py."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from sdd_sdk import (
    AsyncSddClient, AuthError, ConflictError, Forbidden, NotFound, PreconditionRequired,
    SddClient, ValidationError,
)

SPEC = {"id": "auth/login", "title": "Login", "status": "draft", "domain": "auth",
        "path": ".sdd/specs/auth/login/spec.md", "version": "abc", "depends": [], "tags": []}


def _recorder(responses: dict[tuple[str, str], httpx.Response]) -> tuple[list, httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses.get((request.method, request.url.path), httpx.Response(
            404, json={"error": "no route", "status": 404}))

    return seen, httpx.MockTransport(handler)


def test_update_sends_if_match_and_fields() -> None:
    seen, transport = _recorder({("PUT", "/api/specs/auth/login"): httpx.Response(
        200, json={**SPEC, "status": "review", "version": "def"})})
    client = SddClient(server_url="http://x", api_key="tok", transport=transport)
    spec = client.specs.update("auth/login", version="abc", status="review")
    assert spec.status == "review" and spec.version == "def"
    req = seen[0]
    assert req.headers["if-match"] == '"abc"'
    assert req.headers["authorization"] == "Bearer tok"
    assert json.loads(req.content) == {"status": "review"}


@pytest.mark.parametrize("status,exc", [(401, AuthError), (403, Forbidden), (404, NotFound),
                                        (409, ConflictError), (412, ConflictError),
                                        (423, ConflictError), (428, PreconditionRequired),
                                        (422, ValidationError)])
def test_status_codes_map_to_exceptions(status: int, exc: type) -> None:
    _, transport = _recorder({("GET", "/api/specs/auth/login"): httpx.Response(
        status, json={"error": "nope", "hint": "do this", "status": status})})
    client = SddClient(server_url="http://x", api_key="tok", transport=transport)
    with pytest.raises(exc) as info:
        client.specs.get("auth/login")
    assert info.value.status == status and info.value.hint == "do this"


def test_list_passes_filters_and_parses_the_page() -> None:
    seen, transport = _recorder({("GET", "/api/specs"): httpx.Response(200, json={
        "items": [SPEC], "total": 1, "page": 1, "per_page": 50, "pages": 1})})
    client = SddClient(server_url="http://x", api_key="tok", transport=transport)
    page = client.specs.list(domain=["auth", "billing"], status="draft")
    assert [s.id for s in page.items] == ["auth/login"]
    params = seen[0].url.params
    assert params.get_list("domain") == ["auth", "billing"] and params["status"] == "draft"


def test_async_client_shares_the_requests() -> None:
    seen, _ = _recorder({})

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"spec": "auth/login", "affected_count": 2,
                                         "direct_count": 1, "affected": [
            {"id": "a/b", "distance": 1}, {"id": "c/d", "distance": 2}]})

    async def main() -> None:
        async with AsyncSddClient(server_url="http://x", api_key="tok",
                                  transport=httpx.MockTransport(handler)) as client:
            impact = await client.analysis.impact("auth/login")
            assert impact.affected_count == 2
            assert [a.distance for a in impact.affected] == [1, 2]

    asyncio.run(main())
    assert seen[0].url.path == "/api/specs/auth/login/impact"
