"""The whole review life cycle through the CLI: request, approvals, promotion, an edit that
makes the approvals stale, and the review again."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from review_helpers import front_matter, spec_file

GATE_2 = """\
    review:
      required_approvals: 2
"""


def _sdd(run_sdd: Callable[..., Any], root: Path, user: str, *args: str) -> Any:
    return run_sdd("-C", str(root), "--as", user, *args)


def test_full_life_cycle(make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice"}, config=GATE_2)

    # nothing requested yet: a draft cannot move
    r = _sdd(run_sdd, root, "alice", "review", "promote", "auth/login")
    assert r.exit_code == 1
    assert "no review has been requested" in r.stderr
    assert front_matter(root, "auth/login")["status"] == "draft"

    r = _sdd(run_sdd, root, "alice", "review", "request", "auth/login",
             "--reviewers", "@bob,@carol", "--message", "first look")
    assert r.exit_code == 0, r.output
    fm = front_matter(root, "auth/login")
    assert fm["status"] == "review"
    assert fm["reviewers"] == ["@bob", "@carol"]
    assert [(x["reviewer"], x["status"], x["requested_by"], x["comment"])
            for x in fm["reviews"]] == [("@bob", "requested", "@alice", "first look"),
                                        ("@carol", "requested", "@alice", "first look")]

    r = _sdd(run_sdd, root, "alice", "review", "promote", "auth/login")
    assert r.exit_code == 1
    assert "0 of 2 required approvals" in r.stderr

    assert _sdd(run_sdd, root, "bob", "review", "approve", "auth/login",
                "--comment", "fine").exit_code == 0
    r = _sdd(run_sdd, root, "alice", "review", "promote", "auth/login")
    assert r.exit_code == 1
    assert "1 of 2 required approvals (@bob)" in r.stderr
    assert "waiting for @carol" in r.stderr

    assert _sdd(run_sdd, root, "carol", "review", "approve", "auth/login").exit_code == 0
    # carol's write did not make bob's approval stale: both count
    r = _sdd(run_sdd, root, "alice", "review", "status", "auth/login", "--format", "json")
    assert r.json()["gate"]["approvals"] == ["@bob", "@carol"]
    r = _sdd(run_sdd, root, "alice", "review", "promote", "auth/login")
    assert r.exit_code == 0, r.output
    assert front_matter(root, "auth/login")["status"] == "approved"

    # an edit of the body makes both approvals stale
    path = spec_file(root, "auth/login")
    path.write_text(path.read_text(encoding="utf-8") + "\n## Notes\n\nLockout after 5 tries.\n",
                    encoding="utf-8")
    r = _sdd(run_sdd, root, "alice", "review", "status", "auth/login", "--format", "json")
    data = r.json()
    assert [(x["reviewer"], x["state"], x["counts"]) for x in data["reviews"]] == [
        ("@bob", "stale", False), ("@carol", "stale", False)]
    assert data["gate"]["approvals"] == []
    assert data["gate"]["stale"] == ["@bob", "@carol"]
    assert data["gate"]["allowed"] is False

    r = _sdd(run_sdd, root, "alice", "validate", "--format", "json")
    codes = [(f["code"], f["spec_id"]) for f in r.json()["findings"]]
    assert ("R001", "auth/login") in codes

    r = _sdd(run_sdd, root, "alice", "review", "promote", "auth/login")
    assert r.exit_code == 1
    assert "stale" in r.stderr and "needs review again" in r.stderr
    assert front_matter(root, "auth/login")["status"] == "approved"

    r = _sdd(run_sdd, root, "bob", "review", "pending", "--reviewer", "@me", "--format", "json")
    assert [(p["spec"], p["reviewer"], p["state"]) for p in r.json()] == [
        ("auth/login", "@bob", "stale")]

    # review again
    r = _sdd(run_sdd, root, "alice", "review", "request", "auth/login", "--reviewers", "bob",
             "--reviewers", "carol")
    assert r.exit_code == 0, r.output
    fm = front_matter(root, "auth/login")
    assert [x["status"] for x in fm["reviews"]] == ["requested", "requested"]
    assert fm["reviewers"] == ["@bob", "@carol"]  # not listed twice
    assert fm["status"] == "approved"  # a request moves only a draft
    for user in ("bob", "carol"):
        assert _sdd(run_sdd, root, user, "review", "approve", "auth/login").exit_code == 0
    r = _sdd(run_sdd, root, "alice", "validate", "--format", "json")
    assert "R001" not in [f["code"] for f in r.json()["findings"]]
    r = _sdd(run_sdd, root, "alice", "review", "promote", "auth/login", "--format", "json")
    assert r.exit_code == 0, r.output
    assert r.json()["promoted"] is True
    assert (r.json()["status"], r.json()["next"]) == ("approved", "implemented")
    assert front_matter(root, "auth/login")["status"] == "implemented"

    # the end of the life cycle
    r = _sdd(run_sdd, root, "alice", "review", "promote", "auth/login")
    assert r.exit_code == 1
    assert "last status" in r.stderr


def test_a_draft_with_recorded_reviews_is_promoted_to_review(make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice"})
    path = spec_file(root, "auth/login")
    text = path.read_text(encoding="utf-8").replace(
        "status: draft\n", "status: draft\nreviews:\n- reviewer: '@bob'\n  status: requested\n")
    path.write_text(text, encoding="utf-8")
    r = _sdd(run_sdd, root, "alice", "review", "promote", "auth/login")
    assert r.exit_code == 0, r.output
    assert front_matter(root, "auth/login")["status"] == "review"


def test_deprecated_specs_are_not_reviewed(make_project, run_sdd) -> None:
    root = make_project({"auth/old": "alice"}, status="deprecated")
    r = _sdd(run_sdd, root, "alice", "review", "request", "auth/old", "--reviewers", "@bob")
    assert r.exit_code == 1 and "deprecated" in r.stderr
    r = _sdd(run_sdd, root, "alice", "review", "promote", "auth/old")
    assert r.exit_code == 1 and "deprecated specs are not promoted" in r.stderr


def test_review_writes_keep_comments_and_unknown_keys(make_project, run_sdd) -> None:
    root = make_project({"pay/refund": "alice"})
    path = spec_file(root, "pay/refund")
    original = path.read_text(encoding="utf-8").replace(
        "status: draft\n",
        "status: draft  # moved by sdd review\n"
        "# owners decide the rollout\n"
        "owner_team: payments   # not a core key\n"
        "rollout:\n  stage: beta\n  regions: [eu, us]\n")
    path.write_text(original, encoding="utf-8")
    body_before = original.split("---\n", 2)[2]

    for user, args in (("alice", ("request", "pay/refund", "--reviewers", "@bob")),
                       ("bob", ("approve", "pay/refund", "--comment", "ok")),
                       ("alice", ("promote", "pay/refund"))):
        r = _sdd(run_sdd, root, user, "review", *args)
        assert r.exit_code == 0, r.output

    text = path.read_text(encoding="utf-8")
    assert "# owners decide the rollout\n" in text
    assert "owner_team: payments   # not a core key\n" in text
    assert "rollout:\n  stage: beta\n  regions: [eu, us]\n" in text
    assert re.search(r"^status: approved +# moved by sdd review$", text, re.M)
    assert text.split("---\n", 2)[2] == body_before
    # and none of that made the approval stale
    r = _sdd(run_sdd, root, "alice", "review", "status", "pay/refund", "--format", "json")
    assert r.json()["gate"]["approvals"] == ["@bob"]


def test_every_command_shows_an_example(review, run_sdd) -> None:
    for cmd in ("request", "approve", "reject", "status", "pending", "promote"):
        r = run_sdd("review", cmd, "--help")
        assert r.exit_code == 0
        assert "Example:  sdd review " + cmd in r.stdout
