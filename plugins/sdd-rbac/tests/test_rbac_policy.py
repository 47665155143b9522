"""Effective roles, teams, abstaining without access.yml, restricted domains hidden, and
errors in access.yml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

RANK = {"viewer": 1, "contributor": 2, "reviewer": 3, "domain_admin": 4}
KEY = {"viewer": "viewers", "contributor": "contributors", "reviewer": "reviewers",
       "domain_admin": "admins"}


def policy_of(text: str) -> Any:
    from sdd_rbac.policy import Policy

    return Policy.from_data(yaml.safe_load(text))


def test_effective_role_is_the_highest_grant_user_or_team() -> None:
    from sdd_rbac import decide

    policy = policy_of("""
teams:
  pay: ["@alice", "@bob"]
domains:
  billing:
    contributors: ["@alice", "team:pay"]
    reviewers: ["team:pay"]
    viewers: ["@bob"]
    admins: ["@carol"]
  hr:
    visibility: restricted
    viewers: ["team:pay"]
""")
    # alice: contributor herself, reviewer through her team -> reviewer
    d = decide(policy, "alice", "review.approve", "billing")
    assert d.allowed and d.role == "reviewer"
    assert d.via == "domains.billing.reviewers: team:pay (@alice is a member)"
    # bob: an explicit lower grant (viewer) does not lower the team's reviewer role
    assert decide(policy, "@bob", "review.approve", "billing").allowed
    # a viewer grant in a restricted domain is enough to see it, not to write
    assert decide(policy, "bob", "spec.view", "hr").allowed
    assert not decide(policy, "bob", "spec.update", "hr").allowed
    # carol admins billing only: in hr she is nobody
    assert decide(policy, "carol", "spec.delete", "billing").allowed
    hr = decide(policy, "carol", "spec.view", "hr")
    assert not hr.allowed and hr.role is None
    assert "restricted" in hr.rule and "@carol" in hr.rule


def test_denial_names_the_role_needed() -> None:
    from sdd_rbac import decide

    policy = policy_of('domains:\n  billing:\n    contributors: ["@dave"]\n')
    d = decide(policy, "dave", "spec.delete", "billing")
    assert not d.allowed
    assert d.rule == ("@dave is contributor in domain 'billing' (domains.billing.contributors:"
                      " @dave); contributor may not spec.delete (it needs domain_admin or"
                      " higher)")


def test_extra_permissions_are_inherited_upwards() -> None:
    from sdd_rbac import decide

    policy = policy_of("""
domains:
  d:
    contributors: ["@c"]
    viewers: ["@v"]
permissions:
  contributor: [sync.run]
org_admins: ["@o"]
""")
    assert decide(policy, "c", "sync.run", "d").allowed
    assert not decide(policy, "v", "sync.run", "d").allowed
    assert decide(policy, "o", "sync.run", "d").allowed


grants = st.lists(st.tuples(st.sampled_from(sorted(RANK)), st.booleans()), max_size=6)


@given(grants=grants, restricted=st.booleans())
def test_effective_role_is_max_over_grants(grants: list[tuple[str, bool]],
                                           restricted: bool) -> None:
    """Whatever mix of personal and team grants: the role is the highest one granted (and
    at least viewer where the domain is open)."""
    from sdd_rbac.policy import Policy

    lists: dict[str, list[str]] = {}
    for role, via_team in grants:
        lists.setdefault(KEY[role], []).append("team:t" if via_team else "@u")
    entry: dict[str, Any] = dict(lists)
    if restricted:
        entry["visibility"] = "restricted"
    policy = Policy.from_data({"teams": {"t": ["@u"]}, "domains": {"d": entry}})
    ranks = [RANK[r] for r, _ in grants] + ([] if restricted else [1])
    grant = policy.effective("u", "d")
    if not ranks:
        assert grant is None
    else:
        assert grant is not None and RANK[grant.role] == max(ranks)


@given(grants=grants, extra=st.sampled_from(sorted(RANK)))
def test_adding_a_grant_never_takes_a_permission_away(grants: list[tuple[str, bool]],
                                                      extra: str) -> None:
    from sdd_rbac import decide
    from sdd_rbac.policy import Policy
    from sdd_rbac.roles import KNOWN_ACTIONS

    def build(gs: list[tuple[str, bool]]) -> Any:
        lists: dict[str, list[str]] = {}
        for role, via_team in gs:
            lists.setdefault(KEY[role], []).append("team:t" if via_team else "@u")
        return Policy.from_data({"teams": {"t": ["@u"]}, "domains": {"d": lists}})

    before, after = build(grants), build([*grants, (extra, False)])
    for action in KNOWN_ACTIONS:
        if decide(before, "u", action, "d").allowed:
            assert decide(after, "u", action, "d").allowed


def test_without_access_yml_everyone_may_do_everything(rbac: None, sdd_project: Any,
                                                       spec_text: Any, run_sdd: Any) -> None:
    import sdd_rbac

    from sdd_core import Actor

    project = sdd_project({"hr/pay/spec.md": spec_text("hr/pay")})
    assert sdd_rbac.authorize(Actor(name="x"), "spec.delete", None, project) is None
    result = run_sdd("--as", "stranger", "new", "hr/other", cwd=project.root)
    assert result.exit_code == 0, result.output
    check = run_sdd("access", "check", "@stranger", "spec.delete", "hr/pay", cwd=project.root)
    assert check.exit_code == 0 and "access control is off" in check.stdout
    grant = run_sdd("access", "grant", "@a", "viewer", "--domain", "hr", cwd=project.root)
    assert grant.exit_code == 3 and "sdd access init" in grant.stderr


def ids(result: Any) -> list[str]:
    assert result.exit_code == 0, result.output
    return sorted(s["id"] for s in result.json())


def test_restricted_specs_disappear_for_outsiders(governed: Any, run_sdd: Any,
                                                  tmp_path: Path) -> None:
    root = governed.root
    for user, sees_secret in (("nobody", False), ("carl", False), ("olga", True)):
        listed = ids(run_sdd("--as", user, "list", "--format", "json", cwd=root))
        expected = ["other/b", "own/a"] + (["secret/c"] if sees_secret else [])
        assert listed == expected
        queried = ids(run_sdd("--as", user, "query", "status:draft", "--format", "json",
                              cwd=root))
        assert queried == expected
        out = tmp_path / f"{user}.json"
        exported = run_sdd("--as", user, "export", "--format", "json", "-o", out, cwd=root)
        assert exported.exit_code == 0, exported.output
        text = out.read_text()
        assert ("Secret C" in text) is sees_secret and "Own A" in text
        status = run_sdd("--as", user, "status", "--format", "json", cwd=root).json()
        assert status["total"] == len(expected)
        assert ("secret" in status["by_domain"]) is sees_secret
        validated = run_sdd("--as", user, "validate", "--format", "json", cwd=root).json()
        assert validated["specs"] == len(expected)


def test_a_spec_summary_gets_the_same_decision_as_the_spec(governed: Any) -> None:
    """The plugin declares ``accepts_summaries`` (listings are filtered on SpecSummary
    objects, without building specs): every decision must equal the whole spec's."""
    import sdd_rbac

    from sdd_core import Actor
    from sdd_core.index import SpecSummary
    from sdd_rbac.roles import KNOWN_ACTIONS

    assert sdd_rbac.authorize.accepts_summaries is True
    specs = governed.index().specs()
    assert specs
    for user in ("nobody", "carl", "olga"):
        actor = Actor(name=user)
        for spec in specs:
            for action in KNOWN_ACTIONS:
                assert sdd_rbac.authorize(actor, action, SpecSummary.of(spec), governed) == \
                    sdd_rbac.authorize(actor, action, spec, governed), (user, spec.id, action)


def test_a_restricted_grant_lets_the_user_in(governed: Any, run_sdd: Any) -> None:
    access = Path(governed.root) / ".sdd/access.yml"
    access.write_text(access.read_text() + '    viewers: ["team:ops"]\n')
    listed = ids(run_sdd("--as", "tina", "list", "--format", "json", cwd=governed.root))
    assert listed == ["other/b", "own/a", "secret/c"]
    assert run_sdd("--as", "tina", "new", "secret/more", cwd=governed.root).exit_code == 4


@pytest.mark.parametrize("text,message", [
    ("org_admins:\n  - @root\n", "must be quoted"),
    ("admins: []\n", "unknown key 'admins'"),
    ("domains:\n  d:\n    owners: ['@x']\n", "unknown key 'domains.d.owners'"),
    ("domains:\n  d:\n    visibility: secret\n", "'secret' is not public or restricted"),
    ("domains:\n  d:\n    admins: ['team:ghosts']\n", "team:ghosts is used but not defined"),
    ("permissions:\n  boss: [x]\n", "permissions.boss: unknown role"),
    ("org_admins: ['hello world']\n", "is not a user"),
])
def test_broken_access_yml_is_a_project_error(governed: Any, run_sdd: Any, text: str,
                                              message: str) -> None:
    (Path(governed.root) / ".sdd/access.yml").write_text(text)
    result = run_sdd("list", cwd=governed.root)
    assert result.exit_code == 3, result.output
    assert message in result.stderr and ".sdd/access.yml" in result.stderr
    assert "Traceback" not in result.output


def test_roles_command_lists_inheritance(rbac: None, run_sdd: Any) -> None:
    rows = json.loads(run_sdd("access", "roles", "--format", "json").stdout)
    by = {r["role"]: r for r in rows}
    assert [r["role"] for r in rows] == ["viewer", "contributor", "reviewer", "domain_admin",
                                         "org_admin"]
    assert by["reviewer"]["inherits"] == "contributor"
    assert set(by["viewer"]["permissions"]) <= set(by["contributor"]["permissions"])
    assert "review.approve" in by["domain_admin"]["permissions"]
    assert by["org_admin"]["scope"] == "org" and by["viewer"]["scope"] == "domain"
