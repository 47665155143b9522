"""The validation rules, and the API used without the CLI (as the server will)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from sdd_core import Actor, PermissionDenied
from sdd_core.errors import CheckFailed
from sdd_core.project import Project

from sdd_review import api
from review_helpers import spec_file


def _findings(run_sdd: Callable[..., Any], root: Path) -> list[tuple[str, str, str]]:
    r = run_sdd("-C", str(root), "validate", "--format", "json")
    return [(f["code"], f["severity"], f["spec_id"]) for f in r.json()["findings"]
            if f["code"].startswith("R")]


def _add_reviews(root: Path, spec_id: str, yaml_text: str) -> None:
    path = spec_file(root, spec_id)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("---\n\n#", yaml_text + "---\n\n#", 1), encoding="utf-8")


def test_rules(make_project, run_sdd) -> None:
    root = make_project({"a/fine": "alice", "a/handmade": "alice", "a/bad": "alice",
                         "a/draft": "alice"}, status="approved")
    project = Project(root)
    fine = project.get("a/fine")
    from sdd_review.records import spec_hash

    _add_reviews(root, "a/fine", "reviews:\n- reviewer: '@bob'\n  status: approved\n"
                 f"  content_hash: {spec_hash(fine)}\n")
    _add_reviews(root, "a/bad", "reviews:\n- reviewer: '@bob'\n  status: lgtm\n"
                 "- reviewer: '@carol'\n  status: approved\n  content_hash: 0ld\n")
    path = spec_file(root, "a/draft")
    path.write_text(path.read_text(encoding="utf-8").replace("status: approved", "status: draft"),
                    encoding="utf-8")
    assert sorted(_findings(run_sdd, root)) == [
        ("R001", "warning", "a/bad"),   # carol's approval is stale
        ("R002", "warning", "a/bad"),   # 'lgtm' is no review status
        ("R003", "info", "a/handmade"),  # approved by hand, no approvals
    ]


def test_rules_need_the_plugin(sdd_project, spec_text, run_sdd) -> None:
    root = sdd_project({"a/x/spec.md": spec_text("a/x", status="approved")}).root
    r = run_sdd("-C", str(root), "validate", "--format", "json")
    assert not [f for f in r.json()["findings"] if f["code"].startswith("R")]


def test_api_without_the_cli(make_project) -> None:
    root = make_project({"auth/login": "alice"},
                        config="review:\n  domains:\n    auth: {required_approvals: 2}\n")
    project = Project(root)
    alice, bob, carol = (Actor(name=n, source="api") for n in ("alice", "bob", "carol"))

    st = api.request(project, "auth/login", ["@bob", "carol"], "please", alice)
    assert st.spec.status == "review"
    assert [r.state for r in st.reviews] == ["requested", "requested"]

    g = api.gate(project, project.get("auth/login"))
    assert (g.status, g.target, g.allowed, g.required) == ("review", "approved", False, 2)
    with pytest.raises(CheckFailed, match="0 of 2 required approvals"):
        api.promote(project, "auth/login", alice)
    with pytest.raises(PermissionDenied):
        api.approve(project, "auth/login", None, alice)

    api.approve(project, "auth/login", "ok", bob)
    st = api.approve(project, "auth/login", None, carol)
    assert st.gate.approvals == ["@bob", "@carol"] and st.gate.allowed
    g = api.promote(project, "auth/login", alice)
    assert (g.status, g.target) == ("review", "approved")
    assert project.get("auth/login").status == "approved"
    assert [p.reviewer for p in api.pending(project)] == []


def test_api_works_without_the_plugin_registered(sdd_project, spec_text) -> None:
    project = sdd_project({"a/x/spec.md": spec_text("a/x", extra={"author": "alice"})})
    st = api.request(project, "a/x", ["@bob"], None, Actor(name="alice"))
    assert st.gate.required == 1 and st.gate.requested == ["@bob"]
