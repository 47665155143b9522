"""``sdd access``: check, grant, revoke, init, list, roles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from sdd_core.cli import SddContext, pass_sdd
from sdd_core.cli.output import format_option

if TYPE_CHECKING:
    from sdd_core.project import Project

ROLE_CHOICES = ("viewer", "contributor", "reviewer", "domain_admin", "admin", "org_admin")


def _resource(project: Project, ref: str | None) -> tuple[Any, str]:
    """A spec when ``ref`` names one, else the domain name ``ref``."""
    if not ref:
        return None, "the project"
    spec = project.index().get(ref)
    if spec is not None:
        return spec, f"spec {spec.id} (domain {spec.domain!r})"
    return ref, f"domain {ref!r}"


@click.command("check")
@click.argument("user", metavar="@USER")
@click.argument("action")
@click.argument("resource", required=False, metavar="[SPEC-ID|DOMAIN]")
@format_option("table", "json")
@pass_sdd
def check_cmd(sdd: SddContext, user: str, action: str, resource: str | None, fmt: str) -> None:
    """Explain whether USER may do ACTION (on a spec, a domain, or the project).

    Exit 0 when allowed, 4 when denied.

    \b
    Example:  sdd access check @alice spec.update billing/invoice
    """
    from sdd_core.cli.output import emit_json
    from sdd_rbac.policy import decide, load_policy, normalize_user

    project = sdd.project
    policy = load_policy(project)
    target, shown = _resource(project, resource)
    name = normalize_user(user)
    if policy is None:
        data = {"user": f"@{name}", "action": action, "resource": resource, "allowed": True,
                "role": None, "domain": None, "via": None,
                "rule": "no .sdd/access.yml: access control is off, everyone may do everything"}
    else:
        data = {"user": f"@{name}", "action": action, "resource": resource,
                **decide(policy, name, action, target).to_json()}
    if fmt == "json":
        emit_json(data)
    else:
        verdict = "ALLOWED" if data["allowed"] else "DENIED"
        click.echo(f"{verdict}: @{name} {action} on {shown}")
        click.echo(f"  rule: {data['rule']}")
    if not data["allowed"]:
        raise click.exceptions.Exit(4)


def _grant_options(fn: Any) -> Any:
    fn = click.option("--reason", help="Why (kept in the audit log).")(fn)
    fn = click.option("--domain", metavar="DOMAIN", help="The domain (all roles but"
                                                         " org_admin).")(fn)
    fn = click.argument("role", type=click.Choice(ROLE_CHOICES))(fn)
    fn = click.argument("principal", metavar="@USER|team:NAME")(fn)
    return fn


@click.command("grant")
@_grant_options
@pass_sdd
def grant_cmd(sdd: SddContext, principal: str, role: str, domain: str | None,
              reason: str | None) -> None:
    """Grant a role to a user or team (needs access.grant where it applies).

    \b
    Example:  sdd access grant @dave contributor --domain billing
              sdd access grant team:payments reviewer --domain billing
    """
    _change(sdd, "grant", principal, role, domain, reason)


@click.command("revoke")
@_grant_options
@pass_sdd
def revoke_cmd(sdd: SddContext, principal: str, role: str, domain: str | None,
               reason: str | None) -> None:
    """Take back a role granted in .sdd/access.yml (needs access.revoke where it applies).

    \b
    Example:  sdd access revoke @dave contributor --domain billing --reason "left the team"
    """
    _change(sdd, "revoke", principal, role, domain, reason)


def _change(sdd: SddContext, op: str, principal: str, role: str, domain: str | None,
            reason: str | None) -> None:
    from sdd_core.cli.output import info
    from sdd_core.errors import SddError
    from sdd_rbac.edit import change
    from sdd_rbac.roles import role_name

    try:
        details = change(sdd.project, op, principal, role_name(role), domain, reason)
    except ValueError as exc:
        raise SddError(str(exc)) from None
    where = f" in domain {domain!r}" if details["domain"] else " for the project"
    verb = "Granted" if op == "grant" else "Revoked"
    info(f"{verb} {details['role']}{where} {'to' if op == 'grant' else 'from'}"
         f" {details['principal']} (.sdd/access.yml)")


@click.command("init")
@click.option("--admin", metavar="@USER", help="The first org_admin (default: you).")
@pass_sdd
def init_cmd(sdd: SddContext, admin: str | None) -> None:
    """Turn access control on: create .sdd/access.yml with one org_admin.

    \b
    Example:  sdd access init --admin @alice
    """
    from sdd_core.cli.output import info
    from sdd_core.errors import SddError
    from sdd_rbac.edit import init

    project = sdd.project
    try:
        init(project, admin or project.actor.handle)
    except ValueError as exc:
        raise SddError(str(exc)) from None
    info(f"Created .sdd/access.yml: {admin or project.actor.handle} is org_admin; everyone"
         " else views unrestricted domains")


@click.command("list")
@format_option("table", "json")
@pass_sdd
def list_cmd(sdd: SddContext, fmt: str) -> None:
    """List the grants of .sdd/access.yml (one row per principal, role and domain).

    \b
    Example:  sdd access list --format json
    """
    from sdd_core.cli.output import emit_json, emit_table, info
    from sdd_rbac.policy import load_policy, principal_text

    policy = load_policy(sdd.project)
    if policy is None:
        info("no .sdd/access.yml: access control is off (everyone may do everything)")
        if fmt == "json":
            emit_json({"enabled": False, "grants": [], "restricted": [], "teams": {}})
        return
    rows: list[dict[str, Any]] = [
        {"principal": principal_text(*p), "role": "org_admin", "domain": None}
        for p in policy.org_admins]
    for dom in sorted(policy.domains):
        for role, plist in policy.domains[dom].grants.items():
            rows += [{"principal": principal_text(*p), "role": role, "domain": dom}
                     for p in plist]
    restricted = sorted(d for d, dp in policy.domains.items() if dp.restricted)
    if fmt == "json":
        emit_json({"enabled": True, "grants": rows, "restricted": restricted,
                   "teams": {t: sorted(f"@{m}" for m in ms) for t, ms in policy.teams.items()}})
        return
    emit_table(rows, ("principal", "role", "domain"))
    if restricted:
        info(f"restricted domains: {', '.join(restricted)}")


@click.command("roles")
@format_option("table", "json")
def roles_cmd(fmt: str) -> None:
    """List the roles, what each may do, and what each inherits.

    \b
    Example:  sdd access roles
    """
    from sdd_core.cli.output import emit_json, emit_table
    from sdd_rbac.roles import ORDER, ROLES, permissions

    rows = [{"role": n, "scope": ROLES[n].scope, "inherits": ROLES[n].inherits,
             "permissions": sorted(permissions(n)), "description": ROLES[n].description}
            for n in ORDER]
    if fmt == "json":
        emit_json(rows)
    else:
        emit_table(rows, ("role", "scope", "inherits", "permissions"), max_width=110)


def add_commands(cli: click.Group) -> None:
    """Add the ``sdd access`` group."""
    from sdd_core import ensure_group

    group = ensure_group(cli, "access", help="Role-based access: check, grant, revoke.")
    for cmd in (check_cmd, grant_cmd, revoke_cmd, init_cmd, list_cmd, roles_cmd):
        group.add_command(cmd)
