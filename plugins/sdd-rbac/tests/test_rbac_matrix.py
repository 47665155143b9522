"""The permission matrix: every role x every action x own / other / restricted domain (and
the project level), against a default-deny table written out here: only the ALLOW cells are
listed, everything else must be denied."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from rbac_helpers import MATRIX_POLICY, USERS

ACTIONS = (
    "spec.view", "spec.export", "spec.create", "spec.update", "spec.delete",
    "review.request", "review.promote", "review.approve", "review.reject",
    "lock.acquire", "lock.release", "lock.force",
    "access.grant", "access.revoke", "audit.view", "audit.prune",
    "spec.frobnicate",  # an action no table knows: only org_admin may
)
SCOPES = ("own", "other", "secret", None)  # None: a project-level action

READ = {"spec.view", "spec.export"}
WRITE = READ | {"spec.create", "spec.update", "review.request", "review.promote",
                "lock.acquire", "lock.release"}
REVIEW = WRITE | {"review.approve", "review.reject"}
ADMIN = REVIEW | {"spec.delete", "access.grant", "access.revoke", "lock.force"}
EVERYTHING = set(ACTIONS)
NOTHING: set[str] = set()

# role -> scope -> the allowed actions (all others denied)
ALLOW: dict[str, dict[str | None, set[str]]] = {
    "viewer":       {"own": READ,   "other": READ, "secret": NOTHING, None: READ},
    "contributor":  {"own": WRITE,  "other": READ, "secret": NOTHING, None: READ},
    "reviewer":     {"own": REVIEW, "other": READ, "secret": NOTHING, None: READ},
    "domain_admin": {"own": ADMIN,  "other": READ, "secret": NOTHING, None: READ},
    "org_admin":    {"own": EVERYTHING, "other": EVERYTHING, "secret": EVERYTHING,
                     None: EVERYTHING},
    "unnamed":      {"own": READ,   "other": READ, "secret": NOTHING, None: READ},
}

CELLS = list(itertools.product(USERS, SCOPES, ACTIONS))


@pytest.fixture(scope="module")
def policy() -> Any:
    import yaml
    from sdd_rbac.policy import Policy

    return Policy.from_data(yaml.safe_load(MATRIX_POLICY))


class FakeSpec:
    def __init__(self, domain: str) -> None:
        self.id, self.domain = f"{domain}/x", domain


@pytest.mark.parametrize("role,scope,action", CELLS)
def test_decide_matrix(policy: Any, role: str, scope: str | None, action: str) -> None:
    from sdd_rbac import decide

    from sdd_core import Actor

    expected = action in ALLOW[role][scope]
    by_name = decide(policy, USERS[role], action, scope)
    assert by_name.allowed is expected, by_name.rule
    if scope is not None:  # a spec in the domain is judged like the domain
        by_spec = decide(policy, Actor(name=USERS[role]), action, FakeSpec(scope))
        assert by_spec.allowed is expected, by_spec.rule
    assert by_name.rule  # every decision says why


def test_matrix_covers_every_known_action() -> None:
    from sdd_rbac.roles import KNOWN_ACTIONS

    assert set(KNOWN_ACTIONS) <= set(ACTIONS)


CLI_ACTIONS = ("spec.view", "spec.update", "spec.delete", "access.grant")


@pytest.mark.parametrize("role", list(USERS))
def test_access_check_matches_the_matrix(governed: Any, run_sdd: Any, role: str) -> None:
    for scope, action in itertools.product(("own", "other", "secret"), CLI_ACTIONS):
        result = run_sdd("access", "check", f"@{USERS[role]}", action, scope,
                         cwd=governed.root)
        allowed = action in ALLOW[role][scope]
        assert result.exit_code == (0 if allowed else 4), (role, scope, action, result.output)
        assert ("ALLOWED" if allowed else "DENIED") in result.stdout
        assert "rule: " in result.stdout


CREATE_CASES = [(role, scope) for role in USERS for scope in ("own", "other", "secret")]


@pytest.mark.parametrize("role,scope", CREATE_CASES)
def test_creating_a_spec_through_the_cli(governed: Any, run_sdd: Any, role: str,
                                         scope: str) -> None:
    from pathlib import Path

    result = run_sdd("--as", USERS[role], "new", f"{scope}/fresh", cwd=governed.root)
    target = Path(governed.root) / ".sdd/specs" / scope / "fresh/spec.md"
    if "spec.create" in ALLOW[role][scope]:
        assert result.exit_code == 0, result.output
        assert target.exists()
    else:
        assert result.exit_code == 4, result.output
        assert f"@{USERS[role]} may not spec.create on {scope}/fresh" in result.stderr
        assert "sdd access check" in result.stderr
        assert not target.exists()


@pytest.mark.parametrize("role", list(USERS))
def test_show_restricted_spec_through_the_cli(governed: Any, run_sdd: Any, role: str) -> None:
    result = run_sdd("--as", USERS[role], "show", "secret/c", cwd=governed.root)
    if "spec.view" in ALLOW[role]["secret"]:
        assert result.exit_code == 0 and "Secret C" in result.stdout
    else:
        # hidden, not forbidden: the answer is the same as for a spec that does not exist
        assert result.exit_code == 1
        assert "no spec 'secret/c'" in result.stderr and "Secret C" not in result.output


@pytest.mark.parametrize("role", list(USERS))
def test_delete_through_the_api(governed: Any, role: str) -> None:
    from sdd_core import Actor
    from sdd_core.errors import PermissionDenied

    for scope, ref in (("own", "own/a"), ("other", "other/b")):
        if "spec.delete" in ALLOW[role][scope]:
            governed.delete_spec(ref, actor=Actor(name=USERS[role]))
            return  # one deletion per role is enough; the fixture is shared per test
        with pytest.raises(PermissionDenied):
            governed.delete_spec(ref, actor=Actor(name=USERS[role]))
