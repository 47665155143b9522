"""Changing ``access.yml``: grant, revoke, init. Round-trip YAML, so comments, key order and
quoting survive; written atomically, and announced (``access.grant`` / ``access.revoke``)
before the new file replaces the old one, so a listener that fails (the audit log) stops the
change."""

from __future__ import annotations

import difflib
import io
from typing import TYPE_CHECKING, Any

from sdd_core.errors import Conflict, NotFound, ProjectError, SddError
from sdd_rbac.policy import (
    ACCESS_FILE,
    ROLE_KEYS,
    Policy,
    parse_principal,
    policy_path,
    principal_text,
)

if TYPE_CHECKING:
    from sdd_core.project import Project

TEMPLATE = """\
# Who may do what in this project (read by the sdd-rbac plugin).
# Roles: viewer < contributor < reviewer < domain_admin < org_admin; a user's role in a
# domain is the highest one granted to them or their teams. Users not named here are
# viewers of every domain that is not restricted. `sdd access roles` lists permissions.
# Users are written "@name" (quoted: @ cannot start a plain YAML value) or team:name.

teams: {{}}

org_admins:
  - "@{admin}"

# One entry per domain, for example:
#   billing:
#     visibility: restricted     # only users granted a role here see it
#     admins: ["@carol"]
#     reviewers: ["team:payments"]
#     contributors: ["@dave"]
#     viewers: []
domains: {{}}
"""


def _yaml() -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _same(item: Any, principal: tuple[str, str]) -> bool:
    try:
        return parse_principal(str(item)) == principal
    except ValueError:
        return False


def _target_list(data: Any, role: str, domain: str | None, create: bool) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if role == "org_admin":
        parent, key = data, "org_admins"
    else:
        domains = data.get("domains")
        if domains is None or not isinstance(domains, dict):
            if not create:
                return None
            domains = data["domains"] = CommentedMap()
        entry = domains.get(domain)
        if entry is None or not isinstance(entry, dict):
            if not create:
                return None
            entry = domains[domain] = CommentedMap()
        parent, key = entry, ROLE_KEYS[role]
    seq = parent.get(key)
    if seq is None or isinstance(seq, str):
        if not create and seq is None:
            return None
        new = CommentedSeq()
        if isinstance(seq, str):
            new.append(seq)
        parent[key] = seq = new
    return seq


def change(project: Project, op: str, principal_text_in: str, role: str,
           domain: str | None, reason: str | None = None) -> dict[str, Any]:
    """Grant (``op="grant"``) or revoke a role; returns what changed. The acting user needs
    ``access.grant``/``access.revoke`` on the domain (on the project for ``org_admin``)."""
    from sdd_core.model import Event
    from sdd_core.storage import atomic_write

    principal = parse_principal(principal_text_in)
    if role == "org_admin" and domain:
        raise SddError("org_admin holds for the whole project: leave out --domain")
    if role != "org_admin" and not domain:
        raise SddError(f"{role} is granted per domain: add --domain DOMAIN",
                       hint=f"sdd access {op} {principal_text(*principal)} {role} --domain billing")
    path = policy_path(project)
    if not path.exists():
        raise ProjectError(f"no .sdd/{ACCESS_FILE}: access control is off (everyone may do"
                           " everything)", hint="`sdd access init` creates it with you as"
                                                " org_admin")
    action = f"access.{op}"
    project.authorize(project.actor, action, domain)
    old_text = path.read_text(encoding="utf-8")
    y = _yaml()
    data = y.load(old_text)
    if data is None:
        from ruamel.yaml.comments import CommentedMap

        data = CommentedMap()
    if not isinstance(data, dict):
        raise ProjectError(f".sdd/{ACCESS_FILE} must be a mapping")
    shown = principal_text(*principal)
    where = f"in domain {domain!r}" if domain else "for the project"
    seq = _target_list(data, role, domain, create=(op == "grant"))
    if op == "grant":
        if any(_same(item, principal) for item in seq):
            raise Conflict(f"{shown} already is {role} {where}")
        seq.append(shown)
    else:
        hits = [i for i, item in enumerate(seq or []) if _same(item, principal)]
        if not hits:
            raise NotFound(f"{shown} is not granted {role} {where} in .sdd/{ACCESS_FILE}",
                           hint="`sdd access list` shows the grants")
        for i in reversed(hits):
            del seq[i]
    buf = io.StringIO()
    y.dump(data, buf)
    new_text = buf.getvalue()
    new_policy = Policy.from_data(_plain(new_text))  # refuse to write a policy we cannot read
    if op == "revoke" and role == "org_admin" and not new_policy.org_admins:
        raise Conflict("refusing to revoke the last org_admin (nobody could change access"
                       " any more)", hint="grant org_admin to someone else first")
    rel = f".sdd/{ACCESS_FILE}"
    diff = "".join(difflib.unified_diff(old_text.splitlines(keepends=True),
                                        new_text.splitlines(keepends=True),
                                        fromfile=f"a/{rel}", tofile=f"b/{rel}"))
    details = {"principal": shown, "role": role, "domain": domain, "reason": reason,
               "file": rel, "diff": diff}
    event = Event(type=action, actor=project.actor, resource=domain, details=details)
    atomic_write(path, new_text.encode("utf-8"), before_commit=lambda: project.emit(event))
    return details


def init(project: Project, admin: str) -> str:
    """Create ``access.yml`` with ``admin`` as the only org_admin (announced as an
    ``access.grant``). Refuses when the file exists."""
    from sdd_core.model import Event
    from sdd_core.storage import atomic_write

    path = policy_path(project)
    if path.exists():
        raise Conflict(f".sdd/{ACCESS_FILE} already exists",
                       hint="use `sdd access grant` to change it")
    kind, name = parse_principal(admin)
    if kind != "user":
        raise SddError("the first org_admin must be a user (@name)")
    text = TEMPLATE.format(admin=name)
    Policy.from_data(_plain(text))
    event = Event(type="access.grant", actor=project.actor, resource=None, details={
        "principal": f"@{name}", "role": "org_admin", "domain": None,
        "reason": "access control turned on", "file": f".sdd/{ACCESS_FILE}"})
    atomic_write(path, text.encode("utf-8"), before_commit=lambda: project.emit(event))
    return text


def _plain(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)
