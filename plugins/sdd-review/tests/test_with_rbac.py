"""With sdd-rbac installed: access.yml decides who may request, decide and promote.

Skipped when sdd-rbac is not installed (this plugin does not depend on it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from review_helpers import front_matter

pytest.importorskip("sdd_rbac")

ACCESS = """\
domains:
  auth:
    reviewers: ["@bob", "@carol"]
    contributors: ["@alice", "@dave"]
"""


def _sdd(run_sdd: Callable[..., Any], root: Path, user: str, *args: str) -> Any:
    return run_sdd("-C", str(root), "--as", user, *args)


def test_domain_reviewers_decide_and_others_are_refused(make_project, run_sdd,
                                                        sdd_entrypoints) -> None:
    root = make_project({"auth/login": "alice"})
    (root / ".sdd/access.yml").write_text(ACCESS, encoding="utf-8")
    sdd_entrypoints("review", "rbac")

    # a viewer may not ask for a review
    r = _sdd(run_sdd, root, "eve", "review", "request", "auth/login", "-r", "@bob")
    assert r.exit_code == 4, r.output
    assert _sdd(run_sdd, root, "alice", "review", "request", "auth/login", "-r",
                "@bob,@carol").exit_code == 0

    # contributors may not decide, even when not the author
    for args in (("approve", "auth/login"), ("reject", "auth/login", "--reason", "no")):
        r = _sdd(run_sdd, root, "dave", "review", *args)
        assert r.exit_code == 4, r.output
        assert "@dave may not review." in r.stderr

    # a reviewer's decision is written (their role includes spec.update)
    r = _sdd(run_sdd, root, "bob", "review", "approve", "auth/login")
    assert r.exit_code == 0, r.output
    r = _sdd(run_sdd, root, "carol", "review", "reject", "auth/login", "--reason", "REQ-01?")
    assert r.exit_code == 0, r.output
    assert [(x["reviewer"], x["status"]) for x in front_matter(root, "auth/login")["reviews"]] \
        == [("@bob", "approved"), ("@carol", "rejected")]

    # promotion: a viewer is refused before the gate is even looked at
    r = _sdd(run_sdd, root, "eve", "review", "promote", "auth/login")
    assert r.exit_code == 4
    r = _sdd(run_sdd, root, "alice", "review", "promote", "auth/login")
    assert r.exit_code == 1 and "rejected by @carol" in r.stderr
