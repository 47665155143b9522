"""Approval gates (global and per domain), who may decide, rejections, and the settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from sdd_core import hookimpl

from review_helpers import front_matter, spec_file


def _sdd(run_sdd: Callable[..., Any], root: Path, user: str, *args: str) -> Any:
    return run_sdd("-C", str(root), "--as", user, *args)


def _to_review(run_sdd: Callable[..., Any], root: Path, spec_id: str, *reviewers: str) -> None:
    r = _sdd(run_sdd, root, "alice", "review", "request", spec_id, "--reviewers",
             ",".join(reviewers))
    assert r.exit_code == 0, r.output


def test_default_gate_is_one_approval(make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice"})
    _to_review(run_sdd, root, "auth/login", "@bob")
    r = _sdd(run_sdd, root, "alice", "review", "status", "auth/login", "--format", "json")
    assert r.json()["gate"]["required_approvals"] == 1
    assert _sdd(run_sdd, root, "bob", "review", "approve", "auth/login").exit_code == 0
    assert _sdd(run_sdd, root, "alice", "review", "promote", "auth/login").exit_code == 0
    assert front_matter(root, "auth/login")["status"] == "approved"


def test_per_domain_counts_override_the_global_one(make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice", "billing/invoice": "alice",
                         "docs/intro": "alice"}, config="""\
        review:
          required_approvals: 1
          domains:
            auth: {required_approvals: 3}
            docs: {required_approvals: 0}
    """)
    for spec in ("auth/login", "billing/invoice", "docs/intro"):
        _to_review(run_sdd, root, spec, "@bob", "@carol", "@dave")

    # docs needs none
    assert _sdd(run_sdd, root, "alice", "review", "promote", "docs/intro").exit_code == 0
    # billing: the global 1
    assert _sdd(run_sdd, root, "bob", "review", "approve", "billing/invoice").exit_code == 0
    assert _sdd(run_sdd, root, "alice", "review", "promote", "billing/invoice").exit_code == 0
    # auth: 3
    for n, user in enumerate(("bob", "carol", "dave"), 1):
        r = _sdd(run_sdd, root, "alice", "review", "promote", "auth/login")
        assert r.exit_code == 1
        assert f"{n - 1} of 3 required approvals" in r.stderr
        assert _sdd(run_sdd, root, user, "review", "approve", "auth/login").exit_code == 0
    assert _sdd(run_sdd, root, "alice", "review", "promote", "auth/login").exit_code == 0
    assert {s: front_matter(root, s)["status"]
            for s in ("auth/login", "billing/invoice", "docs/intro")} == {
        "auth/login": "approved", "billing/invoice": "approved", "docs/intro": "approved"}


def test_self_approval_is_refused(make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice"})
    _to_review(run_sdd, root, "auth/login", "@bob")
    before = spec_file(root, "auth/login").read_bytes()
    r = _sdd(run_sdd, root, "@alice", "review", "approve", "auth/login")
    assert r.exit_code == 4
    assert "@alice is the author of auth/login and may not approve it" in r.stderr
    r = _sdd(run_sdd, root, "alice", "review", "reject", "auth/login", "--reason", "oops")
    assert r.exit_code == 4
    assert spec_file(root, "auth/login").read_bytes() == before
    # nor may the author be asked
    r = _sdd(run_sdd, root, "alice", "review", "request", "auth/login", "--reviewers", "@alice")
    assert r.exit_code == 1
    assert "author" in r.stderr


def test_a_self_approval_written_by_hand_does_not_count(make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice"}, config="review:\n  allow_self_approval: true\n")
    _to_review(run_sdd, root, "auth/login", "@bob")
    # allowed here: alice approves her own spec
    assert _sdd(run_sdd, root, "alice", "review", "approve", "auth/login").exit_code == 0
    r = _sdd(run_sdd, root, "alice", "review", "status", "auth/login", "--format", "json")
    assert r.json()["gate"]["approvals"] == ["@alice"]
    # once the setting is off again, the recorded self-approval is ignored
    (root / ".sdd/config.yml").write_text("review:\n  allow_self_approval: false\n")
    r = _sdd(run_sdd, root, "bob", "review", "status", "auth/login", "--format", "json")
    gate = r.json()["gate"]
    assert gate["approvals"] == [] and gate["ignored"] == ["@alice"]
    r = _sdd(run_sdd, root, "bob", "review", "promote", "auth/login")
    assert r.exit_code == 1
    assert "a self-review does not count" in r.stderr


def test_rejection_blocks_promotion_until_resolved(make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice"})
    _to_review(run_sdd, root, "auth/login", "@bob", "@carol")
    r = _sdd(run_sdd, root, "bob", "review", "reject", "auth/login",
             "--reason", "REQ-01 is vague")
    assert r.exit_code == 0, r.output
    assert _sdd(run_sdd, root, "carol", "review", "approve", "auth/login").exit_code == 0
    r = _sdd(run_sdd, root, "alice", "review", "promote", "auth/login")
    assert r.exit_code == 1
    assert "rejected by @bob" in r.stderr
    bob = [x for x in front_matter(root, "auth/login")["reviews"] if x["reviewer"] == "@bob"]
    assert len(bob) == 1
    assert (bob[0]["status"], bob[0]["reason"]) == ("rejected", "REQ-01 is vague")

    # asking bob again clears his rejection (he has not decided on the new request yet)
    _to_review(run_sdd, root, "auth/login", "@bob")
    assert _sdd(run_sdd, root, "alice", "review", "promote", "auth/login").exit_code == 0


def test_changes_requested_blocks_too_and_approval_lifts_it(make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice"})
    _to_review(run_sdd, root, "auth/login", "@bob")
    r = _sdd(run_sdd, root, "bob", "review", "reject", "auth/login", "--reason", "add a scenario",
             "--changes-requested")
    assert r.exit_code == 0
    r = _sdd(run_sdd, root, "alice", "review", "status", "auth/login", "--format", "json")
    assert r.json()["gate"]["blocking"] == ["@bob"]
    assert r.json()["reviews"][0]["state"] == "changes_requested"
    assert _sdd(run_sdd, root, "alice", "review", "promote", "auth/login").exit_code == 1
    assert _sdd(run_sdd, root, "bob", "review", "approve", "auth/login").exit_code == 0
    assert _sdd(run_sdd, root, "alice", "review", "promote", "auth/login").exit_code == 0


def test_reject_needs_a_reason(make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice"})
    assert _sdd(run_sdd, root, "bob", "review", "reject", "auth/login").exit_code == 2
    r = _sdd(run_sdd, root, "bob", "review", "reject", "auth/login", "--reason", "  ")
    assert r.exit_code == 1 and "needs a reason" in r.stderr


class DenyMallory:
    """An access plugin: mallory may not decide on reviews."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, Any]] = []

    @hookimpl
    def authorize(self, actor, action, resource):  # type: ignore[no-untyped-def]
        self.asked.append((actor.name, action, getattr(resource, "id", resource)))
        if actor.name == "mallory" and action in ("review.approve", "review.reject"):
            return False
        return None


def test_authorize_denying_review_approve_exits_4(make_project, run_sdd, sdd_plugin) -> None:
    root = make_project({"auth/login": "alice"})
    _to_review(run_sdd, root, "auth/login", "@bob", "@mallory")
    access = sdd_plugin(DenyMallory(), "access")
    before = spec_file(root, "auth/login").read_bytes()
    for args in (("approve", "auth/login"), ("reject", "auth/login", "--reason", "no")):
        r = _sdd(run_sdd, root, "mallory", "review", *args)
        assert r.exit_code == 4, r.output
        assert f"@mallory may not review.{args[0]} on auth/login" in r.stderr
    assert spec_file(root, "auth/login").read_bytes() == before
    assert ("mallory", "review.approve", "auth/login") in access.asked
    assert ("mallory", "review.reject", "auth/login") in access.asked

    assert _sdd(run_sdd, root, "bob", "review", "approve", "auth/login").exit_code == 0
    # the write itself was authorized too, as bob's spec.update
    assert ("bob", "spec.update", "auth/login") in access.asked
    assert _sdd(run_sdd, root, "alice", "review", "promote", "auth/login").exit_code == 0
    assert ("alice", "review.promote", "auth/login") in access.asked
    assert ("alice", "review.request", "auth/login") not in access.asked  # before registering


def test_require_request_limits_deciders_to_requested_reviewers(make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice"}, config="review:\n  require_request: true\n")
    _to_review(run_sdd, root, "auth/login", "@bob")
    r = _sdd(run_sdd, root, "dave", "review", "approve", "auth/login")
    assert r.exit_code == 4
    assert "was not asked" in r.stderr
    assert _sdd(run_sdd, root, "bob", "review", "approve", "auth/login").exit_code == 0


def test_without_require_request_anyone_allowed_may_approve(make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice"})
    _to_review(run_sdd, root, "auth/login", "@bob")
    assert _sdd(run_sdd, root, "dave", "review", "approve", "auth/login").exit_code == 0
    r = _sdd(run_sdd, root, "alice", "review", "status", "auth/login", "--format", "json")
    assert r.json()["gate"]["approvals"] == ["@dave"]
    assert r.json()["gate"]["requested"] == ["@bob"]


def test_stale_on_edit_off_keeps_approvals(make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice"}, config="review:\n  stale_on_edit: false\n")
    _to_review(run_sdd, root, "auth/login", "@bob")
    assert _sdd(run_sdd, root, "bob", "review", "approve", "auth/login").exit_code == 0
    path = spec_file(root, "auth/login")
    path.write_text(path.read_text(encoding="utf-8") + "\nMore text.\n", encoding="utf-8")
    r = _sdd(run_sdd, root, "alice", "review", "status", "auth/login", "--format", "json")
    assert r.json()["reviews"][0]["state"] == "approved"
    assert _sdd(run_sdd, root, "alice", "review", "promote", "auth/login").exit_code == 0


def test_front_matter_edit_makes_approval_stale_but_review_fields_do_not(
        make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice"})
    _to_review(run_sdd, root, "auth/login", "@bob")
    assert _sdd(run_sdd, root, "bob", "review", "approve", "auth/login").exit_code == 0
    path = spec_file(root, "auth/login")
    text = path.read_text(encoding="utf-8")
    # touching only review-owned fields by hand keeps the approval current
    path.write_text(text.replace("status: review", "status: review\nupdated: 2026-02-01"),
                    encoding="utf-8")
    r = _sdd(run_sdd, root, "alice", "review", "status", "auth/login", "--format", "json")
    assert r.json()["reviews"][0]["state"] == "approved"
    # a new tag is a content change
    path.write_text(path.read_text(encoding="utf-8").replace(
        "status: review", "status: review\ntags: [security]"), encoding="utf-8")
    r = _sdd(run_sdd, root, "alice", "review", "status", "auth/login", "--format", "json")
    assert r.json()["reviews"][0]["state"] == "stale"


def test_unknown_review_setting_is_a_config_error(make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice"}, config="review:\n  required_aprovals: 2\n")
    r = _sdd(run_sdd, root, "alice", "review", "status", "auth/login")
    assert r.exit_code == 3
    assert "unknown key 'review.required_aprovals'" in r.stderr
    (root / ".sdd/config.yml").write_text("review:\n  domains:\n    auth: {approvals: 2}\n")
    r = _sdd(run_sdd, root, "alice", "review", "status", "auth/login")
    assert r.exit_code == 3
    assert "unknown key 'review.domains.auth.approvals'" in r.stderr
    (root / ".sdd/config.yml").write_text("review:\n  required_approvals: -1\n")
    assert _sdd(run_sdd, root, "alice", "review", "status", "auth/login").exit_code == 3
