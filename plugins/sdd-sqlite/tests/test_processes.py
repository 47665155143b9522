"""Real processes: readers during a rebuild, and Git history."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sdd_core.testing import make_spec_text, write_project

SDD = str(Path(sys.executable).with_name("sdd"))


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDD_")}
    env.update({"SDD_LOAD_PLUGINS": "sqlite", "SDD_USER": "tester", **extra})
    return env


def _sdd(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SDD, "-C", str(root), *args], capture_output=True, text=True,
                          env=_env(), timeout=120)


@pytest.mark.slow
def test_readers_during_rebuild_never_fail_nor_see_a_partial_cache(tmp_path: Path) -> None:
    from sdd_sqlite.store import PARALLEL_MIN

    n = PARALLEL_MIN + 100  # rebuilt by worker processes
    files = {f"d{i % 7}/s{i:04d}.md": make_spec_text(f"d{i % 7}/s{i:04d}",
                                                    status="review" if i % 4 == 0 else "draft",
                                                    depends=[f"d{(i - 1) % 7}/s{i - 1:04d}"]
                                                    if i else None)
             for i in range(n)}
    root = write_project(tmp_path / "proj", dict(files))
    assert _sdd(root, "cache", "init").returncode == 0
    expected_review = sorted(k[:-3] for k, t in files.items() if "status: review" in t)

    rebuilds = [subprocess.Popen([SDD, "-C", str(root), "cache", "rebuild"], env=_env(),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
    readers = []
    deadline = time.time() + 60
    while any(p.poll() is None for p in rebuilds) and time.time() < deadline:
        readers.append(subprocess.Popen(
            [SDD, "-C", str(root), "query", "status:review", "--format", "json"], env=_env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        readers.append(subprocess.Popen(
            [SDD, "-C", str(root), "list", "--format", "json"], env=_env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        time.sleep(0.05)
        if len(readers) >= 16:
            break
    for p in rebuilds:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert readers
    for p in readers:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert "warning" not in err, err
        rows = json.loads(out)
        if "query" in p.args:
            assert [r["id"] for r in rows] == expected_review
        else:
            assert len(rows) == n
    assert _sdd(root, "cache", "verify").returncode == 0


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "Ann", "GIT_AUTHOR_EMAIL": "ann@x",
                        "GIT_COMMITTER_NAME": "Ann", "GIT_COMMITTER_EMAIL": "ann@x"})


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_history_in_a_git_repository(tmp_path: Path, sdd_entrypoints, run_sdd) -> None:  # type: ignore[no-untyped-def]
    sdd_entrypoints("sqlite")
    root = write_project(tmp_path / "proj", {"auth/login.md": make_spec_text(title="Login")})
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "add login")
    spec = root / ".sdd" / "specs" / "auth" / "login.md"
    spec.write_text(make_spec_text(title="Login", status="review") + "\nMore.\n",
                    encoding="utf-8")
    _git(root, "commit", "-qam", "review login")
    r = run_sdd("history", "auth/login", "--format", "json", cwd=root)
    assert r.exit_code == 0, r.output
    hist = r.json()["history"]
    assert [(h["version"], h["action"], h["subject"]) for h in hist] == [
        (1, "added", "add login"), (2, "modified", "review login")]
    assert hist[1]["added"] == 3 and hist[1]["deleted"] == 1  # status line + 2 new lines
    assert hist[0]["author"] == "Ann"

    # a rename is followed, and only new commits are read (incremental)
    _git(root, "mv", ".sdd/specs/auth/login.md", ".sdd/specs/auth/sign-in.md")
    _git(root, "commit", "-qm", "rename")
    r = run_sdd("history", "auth/sign-in", "--format", "json", cwd=root)
    hist = r.json()["history"]
    assert [(h["version"], h["action"]) for h in hist] == [
        (1, "added"), (2, "modified"), (3, "renamed")]
    assert hist[2]["old_path"] == ".sdd/specs/auth/login.md"
    r = run_sdd("history", "auth/sign-in", cwd=root)
    assert "renamed" in r.stdout


def test_history_outside_git_is_a_clear_error(sdd_entrypoints, sdd_project, spec_text,
                                              run_sdd) -> None:  # type: ignore[no-untyped-def]
    sdd_entrypoints("sqlite")
    proj = sdd_project({"a.md": spec_text("a")})
    r = run_sdd("history", "a", cwd=proj.root)
    assert r.exit_code == 3
    assert "not a Git repository" in r.stderr
