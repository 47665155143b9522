"""The SDK end to end against the real server (sync and async)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from sdd_sdk import (
    AsyncSddClient, AuthError, ConflictError, Forbidden, NotFound, PreconditionRequired,
    SddClient,
)
from serverkit import Server


def test_sync_client_end_to_end(server: Server) -> None:
    with SddClient(server_url=server.url, api_key=server.tokens["alice"]) as client:
        page = client.specs.list(domain="auth")
        assert {"auth/login", "auth/session"} <= {s.id for s in page.items}
        spec = client.specs.create("auth/sdk-sync", title="SDK sync", depends=["auth/login"])
        assert spec.version and spec.depends == ["auth/login"]
        got = client.specs.get("auth/sdk-sync")
        assert got.version == spec.version and got.title == "SDK sync"
        updated = client.specs.update(spec.id, version=spec.version, status="review")
        assert updated.status == "review"
        with pytest.raises(ConflictError) as stale:
            client.specs.update(spec.id, version=spec.version, title="lost")
        assert stale.value.status == 412
        with pytest.raises(PreconditionRequired):
            client.specs.update(spec.id, version=None, title="blind")
        hits = client.specs.search("rate limit", domain="auth")
        assert hits[0].spec_id == "auth/login"
        assert [s.id for s in client.specs.query("depends_on:auth/login").items] == [
            "auth/sdk-sync", "auth/session"]
        impact = client.analysis.impact("auth/login")
        # session, sdk-sync (direct), invoice, refund; hr/payroll is hidden from alice
        assert impact.affected_count == len(impact.affected) == 4
        assert impact.direct_count == 2
        assert "auth/sdk-sync" in {a.id for a in impact.affected}
        review = client.reviews.request(spec.id, reviewers=["@rev"])
        assert [r["reviewer"] for r in review.reviews] == ["@rev"]
        text, version = client.specs.raw(spec.id)
        assert text.startswith("---") and version
        lock = client.locks.acquire(spec.id, ttl=30)
        assert lock.owner == "@alice" and client.locks.status(spec.id) is not None
        client.locks.release(spec.id)
        assert client.locks.status(spec.id) is None
        with pytest.raises(NotFound):
            client.specs.get("hr/payroll")  # restricted: hidden
        with pytest.raises(Forbidden):
            client.specs.delete(spec.id)  # contributors do not delete
    with SddClient(server_url=server.url, api_key="sdd_000000000000_" + "z" * 40) as bad:
        with pytest.raises(AuthError):
            bad.specs.list()
    with SddClient(server_url=server.url, api_key=server.tokens["root"]) as root:
        root.specs.delete("auth/sdk-sync")
        with pytest.raises(NotFound):
            root.specs.get("auth/sdk-sync")


def test_sync_subscribe_receives_events(server: Server) -> None:
    received: list = []
    arrived = threading.Event()

    def on_event(event) -> None:
        received.append(event)
        arrived.set()

    with SddClient(server_url=server.url, api_key=server.tokens["bob"]) as bob, \
            SddClient(server_url=server.url, api_key=server.tokens["alice"]) as alice:
        sub = bob.subscribe("spec:created", on_event)
        assert sub.wait_ready(10) and sub.error is None
        alice.specs.create("auth/sdk-event")
        assert arrived.wait(10)
        sub.close()
    assert received[0].type == "spec:created" and received[0].spec == "auth/sdk-event"
    assert received[0].actor == "@alice"


def test_async_client_end_to_end(server: Server) -> None:
    async def main() -> None:
        async with AsyncSddClient(server_url=server.url, api_key=server.tokens["bob"]) as bob, \
                AsyncSddClient(server_url=server.url, api_key=server.tokens["alice"]) as alice:
            events: list = []
            got = asyncio.Event()

            async def on_event(event) -> None:
                events.append(event)
                got.set()

            task = bob.subscribe("*", on_event)
            await asyncio.wait_for(task.ready.wait(), 10)
            spec = await alice.specs.create("auth/sdk-async", title="Async")
            assert (await alice.specs.get(spec.id)).title == "Async"
            new = await alice.specs.update(spec.id, version=spec.version, title="Async 2")
            assert new.title == "Async 2"
            with pytest.raises(ConflictError):
                await alice.specs.update(spec.id, version=spec.version, title="stale")
            page = await bob.specs.list(domain="billing")
            assert {s.id for s in page.items} == {"billing/invoice", "billing/refund"}
            impact = await bob.analysis.impact("billing/invoice")
            assert impact.affected_count == 1  # refund; payroll is in restricted hr
            with pytest.raises(Forbidden):
                await bob.specs.update(spec.id, version=new.version, title="not mine")
            assert len(await alice.specs.all(domain="auth")) >= 3
            await asyncio.wait_for(got.wait(), 10)
            task.cancel()
            assert events[0].type == "spec:created" and events[0].spec == "auth/sdk-async"

    asyncio.run(main())
