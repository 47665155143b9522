"""Each spec's Git history, read from ``git log`` and kept in the cache's ``history`` table.

One ``git log --raw --numstat -M`` over ``.sdd/specs`` gives every commit touching a spec
with its action (added, modified, renamed, deleted) and diff stat. Renames are followed: the
versions of a file moved from ``a.md`` to ``b.md`` stay one lineage, stored under the current
path. The last ``HEAD`` seen is remembered; the next refresh reads only ``last..HEAD`` when
``last`` is still an ancestor, and everything again when history was rewritten.
"""

from __future__ import annotations

import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sdd_core.errors import SddError

_ACTIONS = {"A": "added", "M": "modified", "D": "deleted", "R": "renamed", "C": "added",
            "T": "modified"}


@dataclass
class Entry:
    """One commit of one spec file."""

    sha: str
    author: str
    email: str
    date: str
    subject: str
    action: str
    path: str
    old_path: str | None
    added: int | None
    deleted: int | None


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=root,
                          capture_output=True, text=True, encoding="utf-8", errors="replace")


def git_head(root: Path) -> str | None:
    """The commit ``HEAD`` names, or ``None`` when ``root`` is not in a Git work tree (or
    has no commit yet)."""
    try:
        out = _git(root, "rev-parse", "--verify", "-q", "HEAD")
    except OSError:
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def is_repo(root: Path) -> bool:
    """Whether ``root`` is inside a Git work tree."""
    try:
        out = _git(root, "rev-parse", "--is-inside-work-tree")
    except OSError:
        return False
    return out.returncode == 0 and out.stdout.strip() == "true"


def read_log(root: Path, specs_rel: str, since: str | None) -> list[Entry]:
    """Entries of every commit (oldest first) touching ``specs_rel`` after ``since``."""
    prefix_out = _git(root, "rev-parse", "--show-prefix")
    prefix = prefix_out.stdout.strip() if prefix_out.returncode == 0 else ""
    rng = [f"{since}..HEAD"] if since else ["HEAD"]
    out = _git(root, "log", "--reverse", "-M", "--raw", "--numstat", "--no-color",
               "--format=%x1e%H%x1f%an%x1f%ae%x1f%aI%x1f%s", *rng, "--", specs_rel)
    if out.returncode != 0:
        raise SddError(f"git log failed: {out.stderr.strip()}")
    entries: list[Entry] = []
    for block in out.stdout.split("\x1e")[1:]:
        head, _, rest = block.partition("\n")
        sha, author, email, date, subject = (head.split("\x1f") + [""] * 5)[:5]
        raws: list[tuple[str, str, str | None]] = []
        stats: list[tuple[int | None, int | None]] = []
        for line in rest.splitlines():
            if not line:
                continue
            if line.startswith(":"):
                meta, *paths = line.split("\t")
                status = meta.split()[-1][:1]
                if status in ("R", "C") and len(paths) == 2:
                    raws.append((status, paths[1], paths[0]))
                elif paths:
                    raws.append((status, paths[0], None))
            else:
                parts = line.split("\t")
                if len(parts) >= 3:
                    a, d = parts[0], parts[1]
                    stats.append((int(a) if a.isdigit() else None,
                                  int(d) if d.isdigit() else None))
        for i, (status, path, old) in enumerate(raws):
            added, deleted = stats[i] if i < len(stats) else (None, None)
            path = _strip(path, prefix)
            old = _strip(old, prefix) if old else None
            if not path.endswith(".md"):
                continue
            entries.append(Entry(sha, author, email, date, subject,
                                 _ACTIONS.get(status, "modified"), path, old, added, deleted))
    return entries


def _strip(path: str, prefix: str) -> str:
    """A repository path relative to the project root (which may be a subfolder)."""
    return path[len(prefix):] if prefix and path.startswith(prefix) else path


def refresh_history(conn: sqlite3.Connection, root: Path, specs_rel: str) -> bool:
    """Bring the ``history`` table up to date with ``HEAD``; ``False`` when the project is
    not a Git repository."""
    head = git_head(root)
    if head is None:
        return is_repo(root)
    row = conn.execute("SELECT value FROM state WHERE key='git_head'").fetchone()
    last = row[0] if row else None
    if last == head:
        return True
    since = last if last and _is_ancestor(root, last, head) else None
    entries = read_log(root, specs_rel, since)
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT value FROM state WHERE key='git_head'").fetchone()
        if (row[0] if row else None) != last:  # another process refreshed meanwhile
            conn.execute("ROLLBACK")
            return True
        if since is None:
            conn.execute("DELETE FROM history")
        versions = dict(conn.execute("SELECT path, max(version) FROM history GROUP BY path"))
        rows: list[list[object]] = []  # lists: a rename updates the path of queued rows
        for e in entries:
            if e.action == "renamed" and e.old_path:
                conn.execute("UPDATE history SET path=? WHERE path=?", (e.path, e.old_path))
                for r in rows:
                    if r[0] == e.old_path:
                        r[0] = e.path
                versions[e.path] = versions.pop(e.old_path, 0)
            version = versions.get(e.path, 0) + 1
            versions[e.path] = version
            rows.append([e.path, None, version, e.sha, e.author, e.email, e.date, e.action,
                         e.old_path, e.added, e.deleted, e.subject])
        conn.executemany("INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         rows)
        conn.execute("INSERT OR REPLACE INTO state VALUES ('git_head', ?)", (head,))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return True


def _is_ancestor(root: Path, old: str, new: str) -> bool:
    out = _git(root, "merge-base", "--is-ancestor", old, new)
    return out.returncode == 0


def history_of(conn: sqlite3.Connection, path: str) -> list[dict[str, object]]:
    """Every version of the spec at ``path``, oldest first."""
    cols = ("version", "sha", "author", "email", "date", "action", "path", "old_path",
            "added", "deleted", "subject")
    rows = conn.execute(f"SELECT {', '.join(cols)} FROM history WHERE path=? ORDER BY version",
                        (path,)).fetchall()
    return [dict(zip(cols, r)) for r in rows]
