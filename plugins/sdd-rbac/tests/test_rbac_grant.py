"""`sdd access grant|revoke|init`: round-trip editing, permission to change access, and the
events the audit log records."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

COMMENTED = """\
# Access policy of the shop (reviewed by security every quarter)
teams:
  payments: ["@alice", "@bob"]   # the payments squad

org_admins:
  - "@root"   # ops lead

domains:
  billing:
    # billing is sensitive
    visibility: restricted
    admins:
      - "@carol"
    contributors:
      - "@dave"   # contractor until June
  auth: {}
"""


@pytest.fixture
def shop(rbac: None, sdd_project: Callable[..., Any], spec_text: Callable[..., str]) -> Any:
    return sdd_project({
        "billing/invoice/spec.md": spec_text("billing/invoice", title="Invoice"),
        "auth/login/spec.md": spec_text("auth/login", title="Login"),
        ".sdd/access.yml": COMMENTED,
    })


def access_text(project: Any) -> str:
    return (Path(project.root) / ".sdd/access.yml").read_text()


def test_grant_then_revoke_round_trips_with_comments(shop: Any, run_sdd: Any) -> None:
    g = run_sdd("--as", "carol", "access", "grant", "@erin", "contributor", "--domain",
                "billing", cwd=shop.root)
    assert g.exit_code == 0, g.output
    assert "Granted contributor in domain 'billing' to @erin" in g.stderr
    text = access_text(shop)
    for line in COMMENTED.splitlines():
        assert line in text  # every original line, comments included, is still there
    assert text.count("@erin") == 1
    check = run_sdd("access", "check", "@erin", "spec.update", "billing/invoice",
                    cwd=shop.root)
    assert check.exit_code == 0 and "contributor" in check.stdout
    r = run_sdd("--as", "carol", "access", "revoke", "@erin", "contributor", "--domain",
                "billing", cwd=shop.root)
    assert r.exit_code == 0, r.output
    assert access_text(shop) == COMMENTED


def test_grant_in_a_new_domain_and_org_admin(shop: Any, run_sdd: Any) -> None:
    assert run_sdd("--as", "root", "access", "grant", "team:payments", "reviewer",
                   "--domain", "orders", cwd=shop.root).exit_code == 0
    assert run_sdd("--as", "root", "access", "grant", "@zoe", "org_admin",
                   cwd=shop.root).exit_code == 0
    listed = run_sdd("access", "list", "--format", "json", cwd=shop.root).json()
    rows = {(g["principal"], g["role"], g["domain"]) for g in listed["grants"]}
    assert ("team:payments", "reviewer", "orders") in rows
    assert ("@zoe", "org_admin", None) in rows
    assert listed["restricted"] == ["billing"]
    assert "# ops lead" in access_text(shop)


def test_who_may_change_access(shop: Any, run_sdd: Any) -> None:
    before = access_text(shop)
    cases = [
        ("dave", ("@x", "viewer", "--domain", "billing"), 4),     # contributor
        ("carol", ("@x", "viewer", "--domain", "auth"), 4),       # admin of billing only
        ("carol", ("@x", "org_admin"), 4),                        # org level needs org_admin
        ("nobody", ("@x", "viewer", "--domain", "auth"), 4),
    ]
    for user, args, code in cases:
        result = run_sdd("--as", user, "access", "grant", *args, cwd=shop.root)
        assert result.exit_code == code, (user, args, result.output)
        assert f"@{user} may not access.grant" in result.stderr
    assert access_text(shop) == before


def test_usage_errors_and_conflicts(shop: Any, run_sdd: Any) -> None:
    root = shop.root
    dup = run_sdd("--as", "root", "access", "grant", "@dave", "contributor", "--domain",
                  "billing", cwd=root)
    assert dup.exit_code == 5 and "already is contributor" in dup.stderr
    missing = run_sdd("--as", "root", "access", "revoke", "@dave", "reviewer", "--domain",
                      "billing", cwd=root)
    assert missing.exit_code == 1 and "is not granted reviewer" in missing.stderr
    no_domain = run_sdd("--as", "root", "access", "grant", "@x", "reviewer", cwd=root)
    assert no_domain.exit_code == 1 and "add --domain" in no_domain.stderr
    last = run_sdd("--as", "root", "access", "revoke", "@root", "org_admin", cwd=root)
    assert last.exit_code == 5 and "last org_admin" in last.stderr
    bad = run_sdd("--as", "root", "access", "grant", "bad name", "viewer", "--domain", "a",
                  cwd=root)
    assert bad.exit_code == 1 and "is not a user" in bad.stderr
    role = run_sdd("--as", "root", "access", "grant", "@x", "emperor", cwd=root)
    assert role.exit_code == 2
    assert access_text(shop) == COMMENTED


def test_init_turns_access_control_on(rbac: None, sdd_project: Any, spec_text: Any,
                                      run_sdd: Any) -> None:
    project = sdd_project({"auth/login/spec.md": spec_text("auth/login")})
    result = run_sdd("--as", "alice", "access", "init", cwd=project.root)
    assert result.exit_code == 0, result.output
    assert run_sdd("--as", "bob", "new", "auth/x", cwd=project.root).exit_code == 4
    assert run_sdd("--as", "alice", "new", "auth/x", cwd=project.root).exit_code == 0
    assert run_sdd("--as", "alice", "access", "grant", "@bob", "contributor", "--domain",
                   "auth", cwd=project.root).exit_code == 0
    assert run_sdd("--as", "bob", "new", "auth/y", cwd=project.root).exit_code == 0
    again = run_sdd("access", "init", cwd=project.root)
    assert again.exit_code == 5 and "already exists" in again.stderr


def test_grant_and_revoke_are_audited(sdd_entrypoints: Any, sdd_project: Any, spec_text: Any,
                                      run_sdd: Any) -> None:
    sdd_entrypoints("audit", "rbac")
    project = sdd_project({"billing/invoice/spec.md": spec_text("billing/invoice"),
                           ".sdd/access.yml": COMMENTED})
    root = project.root
    assert run_sdd("--as", "carol", "access", "grant", "@erin", "reviewer", "--domain",
                   "billing", "--reason", "covers for dave", cwd=root).exit_code == 0
    assert run_sdd("--as", "carol", "access", "revoke", "@erin", "reviewer", "--domain",
                   "billing", cwd=root).exit_code == 0
    logs = run_sdd("--as", "root", "audit", "logs", "--format", "json", "--action",
                   "access.*", cwd=root).json()
    assert [r["action"] for r in logs] == ["access.grant", "access.revoke"]
    grant = logs[0]
    assert grant["actor"] == "@carol" and grant["resource"] == "billing"
    assert grant["domain"] == "billing"
    assert grant["details"]["principal"] == "@erin" and grant["details"]["role"] == "reviewer"
    assert grant["details"]["reason"] == "covers for dave"
    assert "+      - '@erin'" in grant["details"]["diff"] or \
        '+      - "@erin"' in grant["details"]["diff"]
    # reading the audit log is an org_admin's business
    assert run_sdd("--as", "carol", "audit", "logs", cwd=root).exit_code == 4
    assert run_sdd("--as", "root", "audit", "verify", cwd=root).exit_code == 0


def test_grant_is_refused_when_it_cannot_be_audited(sdd_entrypoints: Any, sdd_project: Any,
                                                    spec_text: Any, run_sdd: Any) -> None:
    sdd_entrypoints("audit", "rbac")
    project = sdd_project({".sdd/access.yml": COMMENTED})
    audit = Path(project.root) / ".sdd/audit"
    shutil.rmtree(audit, ignore_errors=True)
    audit.write_text("blocked")
    result = run_sdd("--as", "root", "access", "grant", "@erin", "viewer", "--domain",
                     "billing", cwd=project.root)
    assert result.exit_code == 1
    assert "cannot write the audit record for access.grant" in result.stderr
    assert access_text(project) == COMMENTED
    leftovers = sorted(p.name for p in (Path(project.root) / ".sdd").iterdir()
                       if p.name.startswith(".access"))
    assert leftovers == []


def test_check_json(shop: Any, run_sdd: Any) -> None:
    result = run_sdd("access", "check", "@bob", "spec.view", "billing", "--format", "json",
                     cwd=shop.root)
    assert result.exit_code == 4
    data = json.loads(result.stdout)
    assert data["allowed"] is False and data["domain"] == "billing" and data["role"] is None
    assert "restricted" in data["rule"]
