"""``sdd server ...``, ``sdd edit``, ``sdd lock status`` and ``sdd config set|get``."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import click
from sdd_core.cli import SddContext, pass_sdd
from sdd_core.cli.groups import ensure_group
from sdd_core.cli.output import emit, emit_json, format_option, info

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core.project import Project

    from sdd_server.db import Database

_db_option = click.option("--database-url", metavar="URL", envvar="SDD_SERVER_DATABASE_URL",
                          help="postgresql://... or sqlite:///PATH (default: server.database_url"
                               " in .sdd/config.yml, else .sdd/.cache/server.db).")


def open_db(project: "Project", url: str | None) -> "Database":
    """The project's server database, migrated."""
    from sdd_server.db import Database, default_url

    db = Database(url or project.settings("server").database_url or default_url(project.root))
    db.migrate()
    return db


def _sdk_error(exc: Exception) -> Exception:
    """An SDK error as the CLI's error (exit codes 3/4/5)."""
    from sdd_core.errors import Conflict, NotFound, PermissionDenied, ProjectError, SddError
    from sdd_sdk import AuthError, ConflictError, Forbidden, NotFound as ApiNotFound

    if isinstance(exc, AuthError):
        return PermissionDenied(f"the server refused the token: {exc.message}",
                                hint="`sdd server connect URL --token TOKEN`")
    if isinstance(exc, Forbidden):
        return PermissionDenied(exc.message, hint=exc.hint)
    if isinstance(exc, ApiNotFound):
        return NotFound(exc.message, hint=exc.hint)
    if isinstance(exc, ConflictError):
        return Conflict(exc.message, hint=exc.hint)
    import httpx

    if isinstance(exc, httpx.HTTPError):
        return ProjectError(f"cannot reach the server: {exc}",
                            hint="is it running? `sdd server connect URL` sets where it is")
    return SddError(str(exc))


def _client() -> Any:
    from sdd_sdk import SddClient

    from sdd_server import userconfig

    url, token = userconfig.server()
    return SddClient(server_url=url, api_key=token)


# ---------------------------------------------------------------- sdd server

@click.command("start")
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 3000).")
@_db_option
@click.option("--project", "project_path", metavar="PATH", default=None,
              help="The project to serve (default: -C, or the current one).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes (use PostgreSQL so they share events).")
@click.option("--log-level", default="warning", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@pass_sdd
def start_cmd(sdd: SddContext, host: str | None, port: int | None, database_url: str | None,
              project_path: str | None, workers: int, log_level: str) -> None:
    """Serve the project: REST under /api, GraphQL at /graphql, events at /ws.

    \b
    Example:  sdd server start --port 3000 --database-url postgresql://sdd@localhost/sdd
    """
    from sdd_core.project import Project

    import uvicorn

    project = Project.discover(project_path) if project_path else sdd.project
    conf = project.settings("server")
    db = open_db(project, database_url)
    db.close()
    env_url = database_url or conf.database_url or ""
    os.environ["SDD_SERVER_PROJECT"] = str(project.root)
    os.environ["SDD_SERVER_DATABASE_URL"] = env_url
    host = host or conf.host
    port = port or conf.port
    info(f"SDD server for {project.root} on http://{host}:{port} ({db.kind}); "
         "API docs at /docs")
    uvicorn.run("sdd_server.app:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level=log_level, ws_max_size=1024 * 1024,
                timeout_graceful_shutdown=5)


@click.command("migrate")
@click.option("--project", "name", metavar="NAME", default=None,
              help="The name to register the project under (default: project.name in the"
                   " config, else the folder name).")
@_db_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_sdd
def migrate_cmd(sdd: SddContext, name: str | None, database_url: str | None, fmt: str) -> None:
    """Bring the server database up to date and load this project's specs into it.

    \b
    Example:  sdd -C ~/work/shop server migrate --project shop --database-url postgresql://...
    """
    import json

    from sdd_server.db import iso, utcnow

    project = sdd.project
    db = open_db(project, database_url)
    name = name or project.settings("project").name or project.root.name
    specs = project.load().specs
    with db.transaction():
        db.execute("DELETE FROM specs WHERE project = ?", (name,))
        for s in specs:
            db.execute(
                "INSERT INTO specs (project, id, path, title, status, domain, phase, hash,"
                " created, updated, depends, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, s.id, s.path, s.title, s.status, s.domain, s.phase, s.hash,
                 s.created.isoformat() if s.created else None,
                 s.updated.isoformat() if s.updated else None, json.dumps(s.depends),
                 json.dumps(s.tags)))
        db.execute("DELETE FROM projects WHERE name = ?", (name,))
        db.execute("INSERT INTO projects (name, root, registered_at, spec_count)"
                   " VALUES (?, ?, ?, ?)", (name, str(project.root), iso(utcnow()), len(specs)))
    result = {"project": name, "root": str(project.root), "specs": len(specs),
              "database": db.kind, "schema_version": db.schema_version()}
    db.close()
    if fmt == "json":
        emit_json(result)
    else:
        info(f"Registered {name} ({len(specs)} specs) in the {result['database']} database"
             f" (schema version {result['schema_version']})")


@click.command("connect")
@click.argument("url")
@click.option("--token", default=None, help="An API token (`sdd server token create`).")
@click.option("--no-check", is_flag=True, help="Store without asking the server.")
def connect_cmd(url: str, token: str | None, no_check: bool) -> None:
    """Remember the server (and token) this user's `sdd edit` and `sdd lock` talk to.

    \b
    Example:  sdd server connect http://sdd.internal:3000 --token sdd_...
    """
    from sdd_sdk import SddClient

    from sdd_server import userconfig

    url = url.rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise click.UsageError("URL must start with http:// or https://")
    who = None
    if not no_check:
        client = SddClient(server_url=url, api_key=token)
        try:
            client.health()
            if token:
                who = client.me()["user"]
        except Exception as exc:  # noqa: BLE001 - turned into the CLI's errors
            raise _sdk_error(exc) from None
        finally:
            client.close()
    data = userconfig.load()
    data["server"] = {"url": url, **({"token": token} if token else {})}
    path = userconfig.save(data)
    info(f"Connected to {url}" + (f" as {who}" if who else "") + f" (saved in {path})")


@click.command("invite")
@click.argument("who")
@click.option("--role", required=True,
              type=click.Choice(["viewer", "contributor", "reviewer", "domain_admin",
                                 "org_admin"]))
@click.option("--expires", default="30d", show_default=True, help="Token lifetime.")
@_db_option
@format_option("table", "json")
@pass_sdd
def invite_cmd(sdd: SddContext, who: str, role: str, expires: str, database_url: str | None,
               fmt: str) -> None:
    """Create a token for each member of a team (from access.yml) or for one user.

    \b
    Example:  sdd server invite team:payments --role contributor
    """
    from sdd_core.errors import NotFound

    from sdd_server.db import iso, utcnow
    from sdd_server.tokens import TokenStore

    project = sdd.project
    members: list[str]
    team = None
    name = who.split(":", 1)[1] if who.startswith("team:") else who.lstrip("@")
    teams: dict[str, Any] = {}
    if project.pm.has_plugin("rbac"):
        import sdd_rbac

        policy = sdd_rbac.load_policy(project)
        teams = dict(getattr(policy, "teams", {}) or {}) if policy is not None else {}
    if who.startswith("team:") or name in teams:
        if name not in teams:
            raise NotFound(f"no team {name!r} in .sdd/access.yml",
                           hint="teams are listed under `teams:` in access.yml")
        team = name
        members = sorted(m.lstrip("@") for m in teams[name])
    else:
        members = [name]
    project.authorize(sdd.actor, "access.grant", None)
    db = open_db(project, database_url)
    store = TokenStore(db)
    rows = []
    for member in members:
        token, tinfo = store.create(member, role, expires=expires,
                                    label=f"invite {team or member}")
        db.execute("INSERT INTO invites (team, role, user_name, token_id, created_by,"
                   " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                   (team or "", role, member, tinfo.id, sdd.actor.name, iso(utcnow())))
        rows.append({"user": "@" + member, "role": role, "id": tinfo.id,
                     "expires_at": tinfo.expires_at, "token": token})
    db.close()
    emit(fmt, rows, ["user", "role", "id", "expires_at", "token"], data=rows)
    info("Tokens are shown once: hand each to its user.")


# ---------------------------------------------------------------- sdd server token

@click.command("create")
@click.option("--user", required=True, help="The user (@alice).")
@click.option("--role", required=True,
              type=click.Choice(["viewer", "contributor", "reviewer", "domain_admin",
                                 "org_admin"]),
              help="The most this token may do (access.yml still decides below it).")
@click.option("--expires", default=None, help="Lifetime: 30d, 12h, 2w (default: never).")
@click.option("--label", default=None, help="A note to recognise the token by.")
@_db_option
@format_option("table", "json")
@pass_sdd
def token_create(sdd: SddContext, user: str, role: str, expires: str | None,
                 label: str | None, database_url: str | None, fmt: str) -> None:
    """Create an API token; it is printed once and stored only hashed.

    \b
    Example:  sdd server token create --user @alice --role reviewer --expires 30d
    """
    from sdd_server.tokens import TokenStore

    project = sdd.project
    project.authorize(sdd.actor, "access.grant", None)
    db = open_db(project, database_url)
    token, tinfo = TokenStore(db).create(user, role, expires=expires, label=label)
    db.close()
    if fmt == "json":
        emit_json({**tinfo.to_json(), "token": token})
    else:
        click.echo(token)
        info(f"Token {tinfo.id} for @{tinfo.user} ({tinfo.role}"
             + (f", expires {tinfo.expires_at}" if tinfo.expires_at else "")
             + "). It is shown only now.")


@click.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include revoked tokens.")
@_db_option
@format_option("table", "json")
@pass_sdd
def token_list(sdd: SddContext, show_all: bool, database_url: str | None, fmt: str) -> None:
    """List API tokens (never their secrets).

    \b
    Example:  sdd server token list --format json
    """
    from sdd_server.tokens import TokenStore

    db = open_db(sdd.project, database_url)
    rows = [t.to_json() for t in TokenStore(db).list(include_revoked=show_all)]
    db.close()
    emit(fmt, rows, ["id", "user", "role", "label", "created_at", "expires_at", "active"])


@click.command("revoke")
@click.argument("token_id")
@_db_option
@pass_sdd
def token_revoke(sdd: SddContext, token_id: str, database_url: str | None) -> None:
    """Revoke an API token by id.

    \b
    Example:  sdd server token revoke 3f9a1c0b2d4e
    """
    from sdd_core.model import Event

    from sdd_server.tokens import TokenStore

    project = sdd.project
    project.authorize(sdd.actor, "access.revoke", None)
    db = open_db(project, database_url)
    tinfo = TokenStore(db).revoke(token_id)
    db.close()
    project.emit(Event(type="access.token_revoked", actor=sdd.actor, resource=None,
                       details={"token": tinfo.id, "user": "@" + tinfo.user}))
    info(f"Revoked token {tinfo.id} of @{tinfo.user}")


# ---------------------------------------------------------------- sdd edit / sdd lock

@click.command("edit")
@click.argument("spec_id")
@click.option("--force", is_flag=True, help="Take the lock from another user (admins).")
def edit_cmd(spec_id: str, force: bool) -> None:
    """Edit a spec on the connected server: lock it, open $EDITOR, save, unlock.

    \b
    Example:  EDITOR=vim sdd edit auth/login
    """
    from sdd_core.errors import SddError

    client = _client()
    try:
        try:
            client.locks.acquire(spec_id, force=force)
        except Exception as exc:  # noqa: BLE001
            raise _sdk_error(exc) from None
        try:
            text, version = client.specs.raw(spec_id)
            edited = click.edit(text, extension=".md", require_save=True)
            if edited is None or edited == text:
                info(f"{spec_id}: no change")
                return
            spec = client.specs.update(spec_id, version=version, content=edited)
            info(f"Saved {spec.id} (version {spec.version})")
        except click.ClickException:
            raise
        except SddError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise _sdk_error(exc) from None
        finally:
            try:
                client.locks.release(spec_id)
            except Exception:  # noqa: BLE001 - expired or forced away meanwhile
                pass
    finally:
        client.close()


@click.command("status")
@click.argument("spec_id", required=False)
@format_option("table", "json")
def lock_status_cmd(spec_id: str | None, fmt: str) -> None:
    """Show the edit locks on the connected server (one spec's, or all).

    \b
    Example:  sdd lock status auth/login
    """
    client = _client()
    try:
        locks = [client.locks.status(spec_id)] if spec_id else client.locks.all()
    except Exception as exc:  # noqa: BLE001
        raise _sdk_error(exc) from None
    finally:
        client.close()
    rows = [{"spec": lk.spec, "owner": lk.owner, "acquired_at": lk.acquired_at,
             "expires_at": lk.expires_at} for lk in locks if lk is not None]
    if fmt != "json" and not rows:
        info("No locks." if not spec_id else f"{spec_id} is not locked.")
        return
    emit(fmt, rows, ["spec", "owner", "acquired_at", "expires_at"])


# ---------------------------------------------------------------- sdd config

@click.command("set")
@click.argument("key")
@click.argument("value")
@pass_sdd
def config_set(sdd: SddContext, key: str, value: str) -> None:
    """Set a key of .sdd/config.yml (validated; comments and order are kept).

    \b
    Example:  sdd config set server.port 4000
    """
    from sdd_server.projectconfig import set_value

    old, new = set_value(sdd.project, key, value, sdd.actor)
    info(f"{key}: {old!r} -> {new!r}")


@click.command("get")
@click.argument("key")
@pass_sdd
def config_get(sdd: SddContext, key: str) -> None:
    """Print a key of the effective configuration (defaults included) as JSON.

    \b
    Example:  sdd config get server.port
    """
    from sdd_server.projectconfig import get_value

    emit_json(get_value(sdd.project, key))


def add_commands(cli: click.Group) -> None:
    """Add every command of this plugin."""
    server = ensure_group(cli, "server", help="Run and administer the SDD team server.")
    for cmd in (start_cmd, migrate_cmd, connect_cmd, invite_cmd):
        server.add_command(cmd)
    token = ensure_group(server, "token", help="API tokens: create, list, revoke.")
    for cmd in (token_create, token_list, token_revoke):
        token.add_command(cmd)
    cli.add_command(edit_cmd)
    lock = ensure_group(cli, "lock", help="Edit locks on the connected server.")
    lock.add_command(lock_status_cmd)
    config = ensure_group(cli, "config", help="Read and change .sdd/config.yml.")
    config.add_command(config_set)
    config.add_command(config_get)
