"""``.sdd/access.yml`` read into a :class:`Policy`, and the pure :func:`decide` function.

.. code-block:: yaml

    teams:
      payments: ["@alice", "@bob"]
    org_admins: ["@root"]
    domains:
      billing:
        admins: ["@carol"]
        reviewers: ["team:payments"]
        contributors: ["@dave"]
        viewers: []
      hr:
        visibility: restricted
        contributors: ["@erin"]
    permissions:            # optional: more actions for a role (inherited upwards)
      contributor: [sync.run]

The effective role of a user in a domain is the highest of: ``org_admin`` when the user or
one of their teams is in ``org_admins``; every role granted to the user or their teams in
that domain; and ``viewer`` when the domain is not restricted. A lower grant never lowers a
higher one. For project-level actions (no domain) only ``org_admin`` and the ``viewer``
baseline count.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sdd_core.errors import ProjectError
from sdd_rbac.roles import ALL, ORDER, ROLES, lowest_role_with, permissions

ACCESS_FILE = "access.yml"
DOMAIN_KEYS: dict[str, str] = {"admins": "domain_admin", "reviewers": "reviewer",
                               "contributors": "contributor", "viewers": "viewer"}
ROLE_KEYS: dict[str, str] = {v: k for k, v in DOMAIN_KEYS.items()}
NAME = re.compile(r"^[\w.@+-]+$")


def normalize_user(name: str) -> str:
    """``@alice`` and ``alice`` name the same user."""
    return name.strip().lstrip("@")


def parse_principal(text: str) -> tuple[str, str]:
    """``"@alice"`` -> ``("user", "alice")``; ``"team:payments"`` -> ``("team", "payments")``.
    Raises ``ValueError`` for anything else."""
    text = str(text).strip()
    if text.startswith("team:"):
        name = text[5:].strip()
        kind = "team"
    else:
        name, kind = normalize_user(text), "user"
    if not name or not NAME.match(name):
        raise ValueError(f"{text!r} is not a user (@name) or a team (team:name)")
    return kind, name


def principal_text(kind: str, name: str) -> str:
    """The form written to ``access.yml``: ``@alice`` or ``team:payments``."""
    return f"team:{name}" if kind == "team" else f"@{name}"


@dataclass(frozen=True)
class Grant:
    """One role held by a user, where, and which line of ``access.yml`` gives it."""

    role: str
    domain: str | None  # None: the whole project
    via: str  # "org_admins: @root", "domains.billing.reviewers: team:payments (@alice)"

    @property
    def rank(self) -> int:
        """The role's rank (higher is more)."""
        return ROLES[self.role].rank


@dataclass(frozen=True)
class Decision:
    """The answer of :func:`decide`: allowed or not, the rule that decided, and the
    effective role it was judged on."""

    allowed: bool
    rule: str
    role: str | None = None
    domain: str | None = None
    via: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"allowed": self.allowed, "rule": self.rule, "role": self.role,
                "domain": self.domain, "via": self.via}


@dataclass
class DomainPolicy:
    """One domain's entry: visibility and the principals of each role."""

    visibility: str = "public"
    grants: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def restricted(self) -> bool:
        """Whether only users with a grant see the domain."""
        return self.visibility == "restricted"


@dataclass
class Policy:
    """The parsed ``access.yml``."""

    teams: dict[str, set[str]] = field(default_factory=dict)
    org_admins: list[tuple[str, str]] = field(default_factory=list)
    domains: dict[str, DomainPolicy] = field(default_factory=dict)
    extra: dict[str, set[str]] = field(default_factory=dict)
    source: str = f".sdd/{ACCESS_FILE}"
    _grants: dict[str, tuple[Grant | None, dict[str, Grant]]] = field(default_factory=dict,
                                                                      repr=False)
    _perms: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _decisions: dict[tuple[str, str | None, str], Decision] = field(default_factory=dict,
                                                                     repr=False)

    # ------------------------------------------------------------------ building

    @classmethod
    def from_data(cls, data: Any, source: str = f".sdd/{ACCESS_FILE}") -> Policy:
        """Build from the loaded YAML; raises ``ProjectError`` naming the bad key."""
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ProjectError(f"{source}: must be a mapping (teams, org_admins, domains,"
                               " permissions)")
        known = {"teams", "org_admins", "domains", "permissions", "version"}
        for key in data:
            if key not in known:
                raise ProjectError(f"{source}: unknown key {key!r} (known: "
                                   f"{', '.join(sorted(known))})")
        policy = cls(source=source)
        for team, members in _mapping(data.get("teams"), source, "teams").items():
            names: set[str] = set()
            for m in _list(members, source, f"teams.{team}"):
                kind, name = _principal(m, source, f"teams.{team}")
                if kind != "user":
                    raise ProjectError(f"{source}: teams.{team}: {m!r}: a team lists users,"
                                       " not other teams")
                names.add(name)
            policy.teams[str(team)] = names
        policy.org_admins = [_principal(p, source, "org_admins")
                             for p in _list(data.get("org_admins"), source, "org_admins")]
        for dom, entry in _mapping(data.get("domains"), source, "domains").items():
            entry = _mapping(entry, source, f"domains.{dom}")
            dp = DomainPolicy()
            for key, value in entry.items():
                where = f"domains.{dom}.{key}"
                if key == "visibility":
                    if value not in ("public", "restricted"):
                        raise ProjectError(f"{source}: {where}: {value!r} is not public or"
                                           " restricted")
                    dp.visibility = value
                elif key in DOMAIN_KEYS:
                    dp.grants[DOMAIN_KEYS[key]] = [_principal(p, source, where)
                                                   for p in _list(value, source, where)]
                else:
                    raise ProjectError(f"{source}: unknown key {where!r} (known: visibility,"
                                       f" {', '.join(DOMAIN_KEYS)})")
            policy.domains[str(dom)] = dp
        for role, actions in _mapping(data.get("permissions"), source, "permissions").items():
            if role not in ROLES:
                raise ProjectError(f"{source}: permissions.{role}: unknown role (roles:"
                                   f" {', '.join(ORDER)})")
            policy.extra[str(role)] = {str(a) for a in _list(actions, source,
                                                             f"permissions.{role}")}
        for kind, name in policy._all_principals():
            if kind == "team" and name not in policy.teams:
                raise ProjectError(f"{source}: team:{name} is used but not defined under"
                                   " teams", hint=f"add `teams: {{{name}: [...]}}`")
        return policy

    def _all_principals(self) -> list[tuple[str, str]]:
        out = list(self.org_admins)
        for dp in self.domains.values():
            for plist in dp.grants.values():
                out.extend(plist)
        return out

    # ------------------------------------------------------------------ questions

    def teams_of(self, user: str) -> list[str]:
        """The teams ``user`` is a member of, by name."""
        return sorted(t for t, members in self.teams.items() if user in members)

    def grants_of(self, user: str) -> tuple[Grant | None, dict[str, Grant]]:
        """The user's project-wide grant (``org_admin`` or ``None``) and, per domain, the
        highest grant they hold there (memoised: the policy does not change)."""
        cached = self._grants.get(user)
        if cached is not None:
            return cached
        teams = set(self.teams_of(user))

        def via(kind: str, name: str, where: str) -> str | None:
            if kind == "user" and name == user:
                return f"{where}: @{name}"
            if kind == "team" and name in teams:
                return f"{where}: team:{name} (@{user} is a member)"
            return None

        org: Grant | None = None
        for kind, name in self.org_admins:
            v = via(kind, name, "org_admins")
            if v:
                org = Grant("org_admin", None, v)
                break
        per_domain: dict[str, Grant] = {}
        for dom, dp in self.domains.items():
            for role, plist in dp.grants.items():
                for kind, name in plist:
                    v = via(kind, name, f"domains.{dom}.{ROLE_KEYS[role]}")
                    if v is None:
                        continue
                    best = per_domain.get(dom)
                    if best is None or ROLES[role].rank > best.rank:
                        per_domain[dom] = Grant(role, dom, v)
        self._grants[user] = (org, per_domain)
        return org, per_domain

    def effective(self, user: str, domain: str | None) -> Grant | None:
        """The user's effective role in ``domain`` (``None``: project level): the highest
        grant, or the ``viewer`` baseline when the domain is not restricted; ``None`` when
        they have no role there at all."""
        org, per_domain = self.grants_of(user)
        candidates: list[Grant] = []
        if org is not None:
            candidates.append(org)
        if domain is None:
            candidates.append(Grant("viewer", None, "everyone views the project"))
        else:
            if domain in per_domain:
                candidates.append(per_domain[domain])
            dp = self.domains.get(domain)
            if dp is None or not dp.restricted:
                candidates.append(Grant("viewer", domain,
                                        f"everyone views the unrestricted domain {domain!r}"))
        if not candidates:
            return None
        return max(candidates, key=lambda g: g.rank)

    def permissions(self, role: str) -> frozenset[str]:
        """What ``role`` may do under this policy (the role table plus ``permissions:``)."""
        perms = self._perms.get(role)
        if perms is None:
            perms = self._perms[role] = permissions(role, self.extra)
        return perms

    def restricted(self, domain: str | None) -> bool:
        """Whether ``domain`` is restricted."""
        dp = self.domains.get(domain or "")
        return dp is not None and dp.restricted


def _mapping(value: Any, source: str, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProjectError(f"{source}: {where} must be a mapping")
    return value


def _list(value: Any, source: str, where: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise ProjectError(f"{source}: {where} must be a list of @users or team:names")
    return value


def _principal(value: Any, source: str, where: str) -> tuple[str, str]:
    try:
        return parse_principal(str(value))
    except ValueError as exc:
        raise ProjectError(f"{source}: {where}: {exc}") from None


def _domain_of(resource: Any) -> str | None:
    if resource is None:
        return None
    if isinstance(resource, str):
        return resource or None
    domain = getattr(resource, "domain", None)
    return str(domain) if domain else None


def decide(policy: Policy, actor: Any, action: str, resource: Any = None) -> Decision:
    """May ``actor`` (an :class:`sdd_core.Actor` or a user name) do ``action`` on
    ``resource`` (a spec, a domain name, or ``None`` for the project)? Default deny: an
    action no role of the user includes is refused. Pure: reads nothing but its arguments."""
    user = normalize_user(getattr(actor, "name", None) or str(actor))
    domain = _domain_of(resource)
    key = (user, domain, action)
    hit = policy._decisions.get(key)
    if hit is None:
        hit = policy._decisions[key] = _decide(policy, user, action, domain)
    return hit


def _decide(policy: Policy, user: str, action: str, domain: str | None) -> Decision:
    where = f"domain {domain!r}" if domain else "the project"
    grant = policy.effective(user, domain)
    if grant is None:
        return Decision(False, f"@{user} has no role in {where}: it is restricted and"
                               f" {policy.source} grants @{user} nothing there", None, domain)
    perms = policy.permissions(grant.role)
    scope = f"in {where}" if grant.domain or domain else "in the project"
    if action in perms or ALL in perms:
        return Decision(True, f"@{user} is {grant.role} {scope} ({grant.via}); {grant.role}"
                              f" may {action}", grant.role, domain, grant.via)
    needed = lowest_role_with(action, policy.extra)
    return Decision(False, f"@{user} is {grant.role} {scope} ({grant.via}); {grant.role} may"
                           f" not {action} (it needs {needed}"
                           f"{'' if needed == 'org_admin' else ' or higher'})",
                    grant.role, domain, grant.via)


# ---------------------------------------------------------------------- loading

_CACHE: dict[str, tuple[tuple[int, int], Policy]] = {}


def policy_path(project: Any) -> Path:
    """Where the project's policy is: ``.sdd/access.yml``."""
    return Path(project.sdd_dir) / ACCESS_FILE


def load_policy(project: Any) -> Policy | None:
    """The project's policy, or ``None`` when it has no ``access.yml`` (everyone may do
    everything). Re-read when the file changes."""
    key = os.path.join(os.fspath(project.sdd_dir), ACCESS_FILE)
    try:
        st = os.stat(key)
    except FileNotFoundError:
        return None
    path = Path(key)
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f".sdd/{ACCESS_FILE}:{mark.line + 1}" if mark is not None else f".sdd/{ACCESS_FILE}"
        raise ProjectError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}",
                           hint="a user name starting with @ must be quoted: \"@alice\"") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f".sdd/{ACCESS_FILE}: cannot read: {exc}") from exc
    policy = Policy.from_data(data)
    _CACHE[key] = (stamp, policy)
    return policy
