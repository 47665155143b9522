"""Every review action flows through the core's event stream (and fails with it)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, Callable

from sdd_core import SddError, hookimpl

from review_helpers import spec_file


class Recorder:
    def __init__(self) -> None:
        self.events: list[Any] = []

    @hookimpl
    def on_event(self, project, event):  # type: ignore[no-untyped-def]
        self.events.append(event)


def _sdd(run_sdd: Callable[..., Any], root: Path, user: str, *args: str) -> Any:
    return run_sdd("-C", str(root), "--as", user, *args)


def test_each_action_emits_its_event(make_project, run_sdd, sdd_plugin) -> None:
    root = make_project({"auth/login": "alice"})
    rec = sdd_plugin(Recorder(), "recorder")
    steps = [
        ("alice", ("request", "auth/login", "--reviewers", "@bob,@carol", "-m", "please")),
        ("bob", ("reject", "auth/login", "--reason", "missing lockout")),
        ("bob", ("approve", "auth/login", "--comment", "fixed in chat")),
        ("carol", ("approve", "auth/login")),
        ("alice", ("promote", "auth/login")),
    ]
    for user, args in steps:
        assert _sdd(run_sdd, root, user, "review", *args).exit_code == 0

    ev = rec.events
    assert [(e.type, e.actor.name, e.resource) for e in ev] == [
        ("review.request", "alice", "auth/login"),
        ("review.reject", "bob", "auth/login"),
        ("review.approve", "bob", "auth/login"),
        ("review.approve", "carol", "auth/login"),
        ("review.promote", "alice", "auth/login"),
    ]
    assert ev[0].details["reviewers"] == ["@bob", "@carol"]
    assert ev[0].details["message"] == "please"
    assert (ev[0].details["from"], ev[0].details["to"]) == ("draft", "review")
    assert ev[1].details["reason"] == "missing lockout"
    assert ev[1].details["status"] == "rejected"
    assert ev[2].details["previous"] == "rejected"
    assert ev[2].details["comment"] == "fixed in chat"
    # the approval is bound to the hash the status command reports
    r = _sdd(run_sdd, root, "alice", "review", "status", "auth/login", "--format", "json")
    assert ev[3].details["content_hash"] == r.json()["content_hash"]
    assert (ev[4].details["from"], ev[4].details["to"]) == ("review", "approved")
    assert ev[4].details["approvals"] == ["@bob", "@carol"]
    # the core's write path adds the file hashes before and after
    for a, b in itertools.pairwise(ev):
        assert b.details["before"] == a.details["after"]
    assert "path" in ev[0].details


def test_refusals_emit_nothing(make_project, run_sdd, sdd_plugin) -> None:
    root = make_project({"auth/login": "alice"})
    rec = sdd_plugin(Recorder(), "recorder")
    assert _sdd(run_sdd, root, "alice", "review", "promote", "auth/login").exit_code == 1
    assert _sdd(run_sdd, root, "alice", "review", "approve", "auth/login").exit_code == 4
    assert rec.events == []


class BrokenAudit:
    @hookimpl
    def on_event(self, project, event):  # type: ignore[no-untyped-def]
        if event.type.startswith("review."):
            raise SddError("audit log is not writable")


def test_a_failing_listener_stops_the_review_write(make_project, run_sdd, sdd_plugin) -> None:
    root = make_project({"auth/login": "alice"})
    before = spec_file(root, "auth/login").read_bytes()
    sdd_plugin(BrokenAudit(), "audit")
    r = _sdd(run_sdd, root, "alice", "review", "request", "auth/login", "--reviewers", "@bob")
    assert r.exit_code == 1
    assert "audit log is not writable" in r.stderr
    assert spec_file(root, "auth/login").read_bytes() == before
