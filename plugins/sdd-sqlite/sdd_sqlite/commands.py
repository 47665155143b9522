"""``sdd cache init|rebuild|status|clear|verify`` and ``sdd history ID``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from sdd_core.cli import SddContext, pass_sdd
from sdd_core.cli.output import format_option

if TYPE_CHECKING:
    from sdd_core.project import Project

    from sdd_sqlite.store import Cache


def _cache(project: "Project") -> "Cache":
    from sdd_sqlite.store import Cache

    return Cache(project)


@click.command("init")
@pass_sdd
def init_cmd(sdd: SddContext) -> None:
    """Create the cache (if needed) and fill it from the spec files.

    \b
    Example:  sdd cache init
    """
    cache = _cache(sdd.project)
    report = cache.refresh()
    click.echo(f"Cache {cache.path}: {len(report.added)} added, {len(report.changed)} changed,"
               f" {len(report.deleted)} removed ({report.seconds:.2f} s)", err=True)


@click.command("rebuild")
@pass_sdd
def rebuild_cmd(sdd: SddContext) -> None:
    """Re-read every spec file into the cache, in one transaction (readers keep seeing the
    previous state until it commits).

    \b
    Example:  sdd cache rebuild
    """
    import sqlite3

    from sdd_sqlite.schema import is_corruption

    cache = _cache(sdd.project)
    try:
        report = cache.refresh(full=True)
    except sqlite3.DatabaseError as exc:
        if not is_corruption(exc):
            raise
        # a damaged file, or tables of another shape: built anew rather than in place
        cache.reset(f"the cache {cache.path} is damaged ({exc}); building it anew")
        report = cache.refresh(full=True)
    click.echo(f"Rebuilt {cache.path}: {len(report.added)} file(s) in {report.seconds:.2f} s",
               err=True)


def status_data(project: "Project") -> dict[str, Any]:
    """What ``sdd cache status`` reports (without refreshing the cache)."""
    import datetime as dt
    import os

    from sdd_sqlite.schema import SCHEMA_VERSION
    from sdd_sqlite.store import scan

    cache = _cache(project)
    data: dict[str, Any] = {"path": str(cache.path), "exists": cache.path.exists(),
                            "size": 0, "schema_version": None,
                            "current_schema_version": SCHEMA_VERSION, "specs": 0, "files": 0,
                            "last_refresh": None, "stale": []}
    if not data["exists"]:
        return data
    data["size"] = sum(os.path.getsize(f"{cache.path}{s}") for s in ("", "-wal")
                       if os.path.exists(f"{cache.path}{s}"))
    conn = cache.open()
    try:
        data["schema_version"] = conn.execute("PRAGMA user_version").fetchone()[0]
        data["specs"] = conn.execute("SELECT count(*) FROM specs WHERE id IS NOT NULL"
                                     ).fetchone()[0]
        known = {p: (m, s) for p, m, s in conn.execute("SELECT path, mtime_ns, size FROM specs")}
        data["files"] = len(known)
        row = conn.execute("SELECT value FROM state WHERE key='last_refresh'").fetchone()
        if row:
            data["last_refresh"] = dt.datetime.fromtimestamp(float(row[0]), dt.timezone.utc
                                                             ).isoformat(timespec="seconds")
    finally:
        cache.close()
    disk = scan(str(project.specs_dir), project.specs_rel + "/")
    stale = [{"path": p, "change": "added"} for p in disk if p not in known]
    stale += [{"path": p, "change": "modified"} for p in disk
              if p in known and known[p] != disk[p]]
    stale += [{"path": p, "change": "deleted"} for p in known if p not in disk]
    data["stale"] = sorted(stale, key=lambda r: r["path"])
    return data


@click.command("status")
@format_option("table", "json")
@pass_sdd
def status_cmd(sdd: SddContext, fmt: str) -> None:
    """Where the cache is, its size, schema version, spec count, last refresh, and the files
    changed since (the next read refreshes them).

    \b
    Example:  sdd cache status --format json
    """
    from sdd_core.cli.output import emit_json, emit_table

    data = status_data(sdd.project)
    if fmt == "json":
        emit_json(data)
        return
    if not data["exists"]:
        click.echo(f"No cache yet at {data['path']} (`sdd cache init` creates it; any read"
                   " command does too)")
        return
    rows = [
        {"key": "path", "value": data["path"]},
        {"key": "size", "value": f"{data['size'] / 1024:.0f} KiB"},
        {"key": "schema version", "value": data["schema_version"]},
        {"key": "specs", "value": data["specs"]},
        {"key": "last refresh", "value": data["last_refresh"] or "never"},
        {"key": "stale files", "value": len(data["stale"])},
    ]
    emit_table(rows, ("key", "value"), headers=("CACHE", ""))
    for r in data["stale"]:
        click.echo(f"  {r['change']}: {r['path']}")


@click.command("clear")
@pass_sdd
def clear_cmd(sdd: SddContext) -> None:
    """Delete the cache file (the next read command rebuilds it).

    \b
    Example:  sdd cache clear
    """
    from sdd_core import statahead

    from sdd_sqlite.schema import remove_cache_files

    cache = _cache(sdd.project)
    existed = cache.path.exists()
    remove_cache_files(cache.path)
    statahead.drop_plan(str(sdd.project.root))  # the stat-ahead plan is the cache's too
    click.echo(f"Removed {cache.path}" if existed else f"No cache at {cache.path}", err=True)


def differences(project: "Project", *, refresh: bool = True) -> list[dict[str, str]]:
    """Every difference between the spec files (parsed afresh) and the cache."""
    from sdd_core.index import FileIndex

    from sdd_sqlite.backend import SqliteIndex
    from sdd_sqlite.cached import CachedSpec

    index = SqliteIndex(project)
    if not refresh:
        index._fresh = True  # compare the cache exactly as stored
    cached = index.load()
    files = FileIndex(project).load()
    out: list[dict[str, str]] = []
    mine = {s.path: s for s in cached.specs}
    theirs = {s.path: s for s in files.specs}
    for path in sorted(set(mine) | set(theirs)):
        a, b = mine.get(path), theirs.get(path)
        if a is None:
            out.append({"path": path, "difference": "missing from the cache"})
            continue
        if b is None:
            out.append({"path": path, "difference": "in the cache but not in the files"})
            continue
        spec = a.plain() if isinstance(a, CachedSpec) else a
        for name in type(b).model_fields:
            if spec.__dict__.get(name) != b.__dict__.get(name):
                out.append({"path": path, "difference": f"{name} differs"})
    pa = sorted((f.path or "", f.line or 0, f.code, f.message) for f in cached.problems)
    pb = sorted((f.path or "", f.line or 0, f.code, f.message) for f in files.problems)
    if pa != pb:
        for item in sorted(set(pa) ^ set(pb)):
            where = "only in the cache" if item in pa else "only in the files"
            out.append({"path": item[0], "difference": f"load problem {item[2]} {where}"})
    index.close()
    return out


@click.command("verify")
@click.option("--no-refresh", is_flag=True,
              help="Compare the cache as stored (stale entries count as differences).")
@format_option("table", "json")
@pass_sdd
def verify_cmd(sdd: SddContext, no_refresh: bool, fmt: str) -> None:
    """Compare the cache with the spec files and list every difference; exit 1 if any.

    \b
    Example:  sdd cache verify --format json
    """
    from sdd_core.cli.output import emit_json, emit_table

    diffs = differences(sdd.project, refresh=not no_refresh)
    if fmt == "json":
        emit_json({"ok": not diffs, "differences": diffs})
    elif diffs:
        emit_table(diffs, ("path", "difference"))
    if not diffs:
        click.echo("The cache matches the spec files.", err=True)
    else:
        click.echo(f"{len(diffs)} difference(s) between the cache and the files"
                   " (`sdd cache rebuild` fixes them)", err=True)
        raise click.exceptions.Exit(1)


@click.command("history")
@click.argument("spec_id", metavar="ID")
@format_option("table", "json")
@pass_sdd
def history_cmd(sdd: SddContext, spec_id: str, fmt: str) -> None:
    """A spec's commits: version, author, date, action (added, modified, renamed, deleted)
    and diff stat, following renames (the project must be a Git repository).

    \b
    Example:  sdd history auth/login --format json
    """
    from sdd_core.cli.output import emit_json, emit_table
    from sdd_core.errors import ProjectError

    from sdd_sqlite.history import history_of, refresh_history

    project = sdd.project
    spec = project.get(spec_id)
    cache = _cache(project)
    conn = cache.open()
    try:
        if not refresh_history(conn, project.root, project.specs_rel):
            raise ProjectError(f"{project.root} is not a Git repository: there is no history",
                               hint="run `git init` and commit the specs")
        rows = history_of(conn, spec.path)
    finally:
        cache.close()
    if fmt == "json":
        emit_json({"id": spec.id, "path": spec.path, "history": rows})
        return
    table = [{**r, "sha": str(r["sha"])[:10], "date": str(r["date"])[:10],
              "stat": f"+{r['added'] if r['added'] is not None else '-'}"
                      f" -{r['deleted'] if r['deleted'] is not None else '-'}"} for r in rows]
    emit_table(table, ("version", "sha", "date", "author", "action", "stat", "subject"))
    click.echo(f"{len(rows)} version(s) of {spec.id}", err=True)


def register(cli: click.Group) -> None:
    """Add the ``cache`` group and ``history`` to the root group."""
    from sdd_core import ensure_group

    group = ensure_group(cli, "cache", help="The SQLite cache of the specs (.sdd/.cache/sdd.db).")
    for cmd in (init_cmd, rebuild_cmd, status_cmd, clear_cmd, verify_cmd):
        group.add_command(cmd)
    cli.add_command(history_cmd)
