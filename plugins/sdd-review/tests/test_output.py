"""``pending`` and the JSON shapes of every command."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from sdd_core import hookimpl

REVIEW_KEYS = {"reviewer", "status", "state", "stale", "counts", "self_review", "date",
               "comment", "reason", "content_hash", "requested_by"}
GATE_KEYS = {"spec", "status", "next", "allowed", "required_approvals", "approvals", "stale",
             "blocking", "requested", "ignored", "reasons"}
STATUS_KEYS = {"id", "title", "status", "domain", "author", "content_hash", "reviews", "gate",
               "problems"}
PENDING_KEYS = {"spec", "title", "status", "reviewer", "state", "requested_by", "date"}


def _sdd(run_sdd: Callable[..., Any], root: Path, user: str, *args: str) -> Any:
    return run_sdd("-C", str(root), "--as", user, *args)


def _setup(make_project: Callable[..., Path], run_sdd: Callable[..., Any]) -> Path:
    root = make_project({"auth/login": "alice", "auth/session": "alice",
                         "billing/invoice": "carol"})
    for spec, who in (("auth/login", "@bob,@carol"), ("auth/session", "@carol"),
                      ("billing/invoice", "@bob")):
        user = "carol" if spec.startswith("billing") else "alice"
        r = _sdd(run_sdd, root, user, "review", "request", spec, "--reviewers", who)
        assert r.exit_code == 0, r.output
    return root


def test_pending_for_me(make_project, run_sdd) -> None:
    root = _setup(make_project, run_sdd)
    r = _sdd(run_sdd, root, "bob", "review", "pending", "--reviewer", "@me", "--format", "json")
    assert r.exit_code == 0
    rows = r.json()
    assert [(p["spec"], p["reviewer"], p["state"], p["requested_by"]) for p in rows] == [
        ("auth/login", "@bob", "requested", "@alice"),
        ("billing/invoice", "@bob", "requested", "@carol")]
    assert all(set(p) == PENDING_KEYS for p in rows)

    # once bob decides, it is no longer pending for him
    assert _sdd(run_sdd, root, "bob", "review", "approve", "auth/login").exit_code == 0
    r = _sdd(run_sdd, root, "bob", "review", "pending", "--reviewer", "me", "--format", "json")
    assert [p["spec"] for p in r.json()] == ["billing/invoice"]

    r = _sdd(run_sdd, root, "bob", "review", "pending", "--reviewer", "carol", "--format", "json")
    assert [(p["spec"], p["reviewer"]) for p in r.json()] == [
        ("auth/login", "@carol"), ("auth/session", "@carol")]
    r = _sdd(run_sdd, root, "bob", "review", "pending", "--format", "json")
    assert len(r.json()) == 3


def test_pending_table_and_empty(make_project, run_sdd) -> None:
    root = _setup(make_project, run_sdd)
    r = _sdd(run_sdd, root, "carol", "review", "pending", "--reviewer", "@me")
    lines = r.stdout.splitlines()
    assert lines[0].split()[:3] == ["SPEC", "REVIEWER", "STATE"]
    assert [line.split()[0] for line in lines[2:]] == ["auth/login", "auth/session"]
    r = _sdd(run_sdd, root, "zoe", "review", "pending", "--reviewer", "@me")
    assert r.exit_code == 0 and r.stdout == ""
    assert "No pending reviews" in r.stderr
    r = _sdd(run_sdd, root, "zoe", "review", "pending", "--reviewer", "@me", "--format", "json")
    assert r.json() == []


class HideBilling:
    @hookimpl
    def authorize(self, actor, action, resource):  # type: ignore[no-untyped-def]
        if getattr(resource, "domain", None) == "billing" and actor.name != "carol":
            return False
        return None


def test_pending_hides_specs_the_user_may_not_view(make_project, run_sdd, sdd_plugin) -> None:
    root = _setup(make_project, run_sdd)
    sdd_plugin(HideBilling(), "access")
    r = _sdd(run_sdd, root, "bob", "review", "pending", "--reviewer", "@me", "--format", "json")
    assert [p["spec"] for p in r.json()] == ["auth/login"]
    # a spec bob may not view is refused (not found, or permission denied) and shows nothing
    r = _sdd(run_sdd, root, "bob", "review", "status", "billing/invoice", "--format", "json")
    assert r.exit_code in (1, 4) and r.stdout == ""
    assert "billing/invoice" in r.stderr


def test_status_json_shape(make_project, run_sdd) -> None:
    root = _setup(make_project, run_sdd)
    assert _sdd(run_sdd, root, "bob", "review", "approve", "auth/login", "-m", "ok").exit_code == 0
    r = _sdd(run_sdd, root, "alice", "review", "status", "auth/login", "--format", "json")
    data = r.json()
    assert set(data) == STATUS_KEYS
    assert set(data["gate"]) == GATE_KEYS
    assert all(set(x) == REVIEW_KEYS for x in data["reviews"])
    assert (data["id"], data["status"], data["domain"], data["author"]) == (
        "auth/login", "review", "auth", "@alice")
    bob, carol = data["reviews"]
    assert (bob["reviewer"], bob["state"], bob["counts"], bob["comment"]) == (
        "@bob", "approved", True, "ok")
    assert bob["content_hash"] == data["content_hash"]
    assert (carol["reviewer"], carol["state"], carol["content_hash"]) == (
        "@carol", "requested", None)
    assert data["gate"]["next"] == "approved" and data["gate"]["allowed"] is True


def test_action_json_outputs(make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice"})
    r = _sdd(run_sdd, root, "alice", "review", "request", "auth/login", "-r", "@bob",
             "--format", "json")
    assert r.exit_code == 0
    assert set(r.json()) == STATUS_KEYS and r.json()["status"] == "review"
    assert "Requested review of auth/login from @bob" in r.stderr
    r = _sdd(run_sdd, root, "alice", "review", "request", "auth/login", "-r", "carol")
    assert "Requested review of auth/login from @carol (status: review)" in r.stderr
    r = _sdd(run_sdd, root, "alice", "review", "status", "auth/login", "--format", "json")
    assert r.json()["gate"]["requested"] == ["@bob", "@carol"]
    r = _sdd(run_sdd, root, "alice", "review", "promote", "auth/login", "--format", "json")
    assert r.exit_code == 1
    assert r.json()["promoted"] is False
    assert r.json()["reasons"] == ["0 of 1 required approval", "waiting for @bob, @carol"]
    r = _sdd(run_sdd, root, "bob", "review", "approve", "auth/login", "--format", "json")
    assert r.json()["gate"]["approvals"] == ["@bob"]
    r = _sdd(run_sdd, root, "bob", "review", "promote", "auth/login", "--format", "json")
    assert r.exit_code == 0
    assert set(r.json()) == GATE_KEYS | {"promoted"}
    assert r.json()["promoted"] is True


def test_status_table(make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice"})
    r = _sdd(run_sdd, root, "alice", "review", "status", "auth/login")
    assert r.exit_code == 0
    assert "no reviews yet" in r.stdout
    assert "no review has been requested" in r.stdout
    _sdd(run_sdd, root, "alice", "review", "request", "auth/login", "-r", "@bob")
    _sdd(run_sdd, root, "bob", "review", "reject", "auth/login", "--reason", "too vague")
    r = _sdd(run_sdd, root, "alice", "review", "status", "auth/login")
    row = [line for line in r.stdout.splitlines() if line.startswith("@bob")]
    assert row and row[0].split()[1] == "rejected" and row[0].endswith("too vague")
    assert "rejected by @bob" in r.stdout
