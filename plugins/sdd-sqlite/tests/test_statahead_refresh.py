"""The refresh with stat-ahead (``sdd_core.statahead``): the cache records its walk as the
plan, the launcher's child stats it, and the refresh takes those figures. Every step runs in
a fresh process, as ``sdd`` does; files change between the steps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlite_helpers import touch_later

from sdd_core import statahead

PROBE = """
import json, sys
from sdd_core import statahead
root = sys.argv[1]
started = statahead.start(["-C", root, "query", "x"])
from sdd_core.project import Project
from sdd_sqlite.store import Cache
cache = Cache(Project.discover(root))
r = cache.refresh()
ids = sorted(row[0] for row in cache.conn.execute("SELECT id FROM specs"))
titles = dict(cache.conn.execute("SELECT id, title FROM specs"))
cache.close()
print(json.dumps({"started": started, "ahead": r.stats_ahead, "added": r.added,
                  "changed": r.changed, "deleted": r.deleted, "ids": ids,
                  "titles": titles}))
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDD_")}
    env.update({"SDD_LOAD_PLUGINS": "sqlite", "SDD_STATAHEAD": "1", **extra})
    return env


def _refresh(root: Path, **env: str) -> dict:  # type: ignore[type-arg]
    out = subprocess.run([sys.executable, "-c", PROBE, str(root)], env=_env(**env),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _sdd(root: Path, *args: str) -> str:
    sdd = str(Path(sys.executable).with_name("sdd"))
    out = subprocess.run([sdd, "-C", str(root), *args], env=_env(), capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _age(root: Path) -> None:
    """Move every file and folder two minutes into the past (out of the racy window)."""
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            p = os.path.join(folder, name)
            st = os.stat(p)
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns - 120_000_000_000))


@pytest.fixture
def project(tmp_path: Path, spec_text) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "p"
    for i in range(12):
        folder = root / ".sdd" / "specs" / "billing" / f"pay-{i}"
        folder.mkdir(parents=True)
        (folder / "spec.md").write_text(spec_text(f"billing/pay-{i}", title=f"Pay {i}"),
                                        encoding="utf-8")
    (root / ".sdd" / "config.yml").write_text("version: 1\n", encoding="utf-8")
    _age(root)
    return root


def test_refresh_takes_the_childs_figures_and_sees_every_change(project: Path,
                                                                spec_text) -> None:  # type: ignore[no-untyped-def]
    specs = project / ".sdd" / "specs" / "billing"
    first = _refresh(project)
    assert first["started"] is False and len(first["ids"]) == 12  # no plan yet: built
    assert statahead.plan_key(str(project)) is not None

    quiet = _refresh(project)
    assert quiet["started"] and quiet["ahead"]
    assert quiet["added"] == quiet["changed"] == quiet["deleted"] == []

    # an edit (same folders): only that file is read again
    touch_later(specs / "pay-3" / "spec.md", spec_text("billing/pay-3", title="Pay three"))
    r = _refresh(project)
    assert r["ahead"] and r["changed"] == [".sdd/specs/billing/pay-3/spec.md"]
    assert r["titles"]["billing/pay-3"] == "Pay three"
    time.sleep(2.1)  # out of the racy window: the next refresh settles it
    _refresh(project)
    assert _refresh(project)["changed"] == []

    # a file added to an existing folder, and a new folder
    (specs / "pay-3" / "extra.md").write_text(spec_text("billing/extra", title="Extra"),
                                              encoding="utf-8")
    (specs / "new").mkdir()
    (specs / "new" / "spec.md").write_text(spec_text("billing/new", title="New"),
                                           encoding="utf-8")
    r = _refresh(project)  # folders changed: listed again (the figures are not used)
    assert sorted(r["added"]) == [".sdd/specs/billing/new/spec.md",
                                  ".sdd/specs/billing/pay-3/extra.md"]
    assert "billing/extra" in r["ids"] and "billing/new" in r["ids"]

    # a deleted file and a removed folder
    (specs / "pay-5" / "spec.md").unlink()
    (specs / "pay-5").rmdir()
    r = _refresh(project)
    assert r["deleted"] == [".sdd/specs/billing/pay-5/spec.md"]
    assert "billing/pay-5" not in r["ids"]

    time.sleep(2.1)  # the changed folders leave the racy window (listed again until then)
    _refresh(project)
    assert _refresh(project)["ahead"]  # the new plan is in use

    # the console script: same answers as the files
    _age(project)
    touch_later(specs / "pay-7" / "spec.md", spec_text("billing/pay-7", title="Seven edited"))
    rows = json.loads(_sdd(project, "list", "--format", "json"))
    assert {r["id"]: r["title"] for r in rows}["billing/pay-7"] == "Seven edited"
    assert len(rows) == 13


def test_a_missing_or_foreign_plan_is_written_again(project: Path) -> None:
    _refresh(project)
    key = statahead.plan_key(str(project))
    statahead.drop_plan(str(project))
    r = _refresh(project)
    assert r["started"] is False and not r["ahead"]  # stats the files itself ...
    assert statahead.plan_key(str(project)) == key  # ... and records the plan again
    statahead.save_plan(str(project), bytes(16), ["elsewhere"])
    r = _refresh(project)
    assert r["started"] and not r["ahead"]  # another key: figures not taken
    assert statahead.plan_key(str(project)) == key
    assert _refresh(project)["ahead"]


def test_without_stat_ahead_the_refresh_is_the_same(project: Path, spec_text) -> None:  # type: ignore[no-untyped-def]
    _refresh(project, SDD_STATAHEAD="0")
    assert statahead.plan_key(str(project)) is None  # no plan written when switched off
    touch_later(project / ".sdd" / "specs" / "billing" / "pay-1" / "spec.md",
                spec_text("billing/pay-1", title="One"))
    r = _refresh(project, SDD_STATAHEAD="0")
    assert not r["ahead"] and r["changed"] == [".sdd/specs/billing/pay-1/spec.md"]
    assert r["titles"]["billing/pay-1"] == "One"
