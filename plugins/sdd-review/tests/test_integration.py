"""The review plugin with the rest of SDD: concurrent edits, queries, the plugin list, and a
property test of the gate against a hand-written oracle."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdd_core import hookimpl
from sdd_core.parsing import parse_spec
from sdd_review import api
from sdd_review.records import spec_hash

from review_helpers import front_matter, spec_file


def _sdd(run_sdd: Callable[..., Any], root: Path, user: str, *args: str) -> Any:
    return run_sdd("-C", str(root), "--as", user, *args)


class EditWhileApproving:
    """Simulates someone saving the spec between the approval's read and its write."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @hookimpl
    def authorize(self, actor, action, resource):  # type: ignore[no-untyped-def]
        if action == "review.approve":
            self.path.write_text(self.path.read_text(encoding="utf-8") + "\nLate edit.\n",
                                 encoding="utf-8")
        return None


def test_an_edit_during_an_approval_is_a_conflict(make_project, run_sdd, sdd_plugin) -> None:
    root = make_project({"auth/login": "alice"})
    assert _sdd(run_sdd, root, "alice", "review", "request", "auth/login", "-r",
                "@bob").exit_code == 0
    sdd_plugin(EditWhileApproving(spec_file(root, "auth/login")), "editor")
    r = _sdd(run_sdd, root, "bob", "review", "approve", "auth/login")
    assert r.exit_code == 5, r.output
    assert "changed since it was read" in r.stderr
    assert [x["status"] for x in front_matter(root, "auth/login")["reviews"]] == ["requested"]


def test_queries_see_reviewers_and_review_states(make_project, run_sdd) -> None:
    root = make_project({"auth/login": "alice", "auth/session": "alice"})
    _sdd(run_sdd, root, "alice", "review", "request", "auth/login", "-r", "@bob")
    _sdd(run_sdd, root, "alice", "review", "request", "auth/session", "-r", "@bob,@carol")
    _sdd(run_sdd, root, "bob", "review", "approve", "auth/session")
    r = _sdd(run_sdd, root, "x", "query", "reviewer:@bob AND review:requested",
             "--format", "json")
    assert [s["id"] for s in r.json()] == ["auth/login", "auth/session"]  # carol's is open
    r = _sdd(run_sdd, root, "x", "query", "review:approved", "--format", "json")
    assert [s["id"] for s in r.json()] == ["auth/session"]


def test_the_plugin_lists_itself(review, run_sdd) -> None:
    r = run_sdd("plugins", "--format", "json")
    assert r.exit_code == 0
    assert "review" in r.stdout


# ---------------------------------------------------------------- gate property

USERS = ["alice", "bob", "carol", "dave"]
record = st.fixed_dictionaries({
    "reviewer": st.sampled_from(USERS + ["@" + u for u in USERS]),
    "status": st.sampled_from(["requested", "approved", "rejected", "changes_requested"]),
    "current": st.booleans(),
})


def _spec(records: list[dict[str, Any]], status: str, domain: str) -> Any:
    meta: dict[str, Any] = {"id": f"{domain}/x", "title": "X", "status": status,
                            "author": "alice"}
    body = "\n# X\n\nThe system SHALL work.\n"
    text = "---\n" + yaml.safe_dump(meta) + "---\n" + body
    spec = parse_spec(text, f".sdd/specs/{domain}/x/spec.md", f"{domain}/x/spec.md").spec
    current = spec_hash(spec)
    reviews = [{"reviewer": r["reviewer"], "status": r["status"],
                "content_hash": current if r["current"] else "old"} for r in records]
    text = "---\n" + yaml.safe_dump({**meta, "reviews": reviews}) + "---\n" + body
    return parse_spec(text, f".sdd/specs/{domain}/x/spec.md", f"{domain}/x/spec.md").spec


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(record, max_size=8),
       status=st.sampled_from(["review", "approved"]),
       domain=st.sampled_from(["auth", "web"]))
def test_gate_matches_the_rules_as_written(make_project, records, status, domain) -> None:
    from sdd_core.project import Project

    root = Path(make_project({}, config="review:\n  required_approvals: 2\n  domains:\n"
                                        "    web: {required_approvals: 1}\n"))
    project = Project(root)
    spec = _spec(records, status, domain)

    last: dict[str, dict[str, Any]] = {}
    for r in records:  # the last record of each reviewer is their decision
        last.pop(r["reviewer"].lstrip("@"), None)
        last[r["reviewer"].lstrip("@")] = r
    counted = [u for u, r in last.items() if u != "alice" and r["status"] == "approved"
               and r["current"]]
    blocked = any(u != "alice" and r["status"] in ("rejected", "changes_requested")
                  for u, r in last.items())
    required = 1 if domain == "web" else 2

    g = api.gate(project, spec)
    assert g.required == required
    assert g.approvals == ["@" + u for u in counted]
    assert g.allowed == (len(counted) >= required and not blocked)
    assert g.target == ("approved" if status == "review" else "implemented")
    if not g.allowed:
        assert g.reasons
