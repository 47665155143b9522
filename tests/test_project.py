"""The one write path: authorize, before/after hooks, events, atomic writes, conflicts,
round-tripped front matter; and reading sdd-tool projects and bad input."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdd_core import hookimpl
from sdd_core.errors import Conflict, PermissionDenied, SddError

FIXTURE = Path(__file__).parent / "fixtures" / "sdd_tool_project"


class Recorder:
    def __init__(self) -> None:
        self.events: list = []
        self.calls: list[str] = []

    @hookimpl
    def on_event(self, project, event):  # type: ignore[no-untyped-def]
        self.events.append(event)

    @hookimpl
    def spec_before_save(self, project, old, new, text, actor):  # type: ignore[no-untyped-def]
        self.calls.append(f"before:{new.id}:{old.id if old else None}:{actor.name}")

    @hookimpl
    def spec_after_save(self, project, old, new, actor):  # type: ignore[no-untyped-def]
        self.calls.append(f"after:{new.id}")

    @hookimpl
    def spec_after_delete(self, project, spec, actor):  # type: ignore[no-untyped-def]
        self.calls.append(f"deleted:{spec.id}")


def test_write_path_runs_hooks_and_emits_events(sdd_project, spec_text, sdd_plugin) -> None:
    rec = sdd_plugin(Recorder(), "rec")
    p = sdd_project()
    p.write_spec(".sdd/specs/a/one/spec.md", spec_text("a/one"), create=True)
    p.update_spec("a/one", {"status": "review"})
    p.delete_spec("a/one")
    assert rec.calls == ["before:a/one:None:tester", "after:a/one",
                         "before:a/one:a/one:tester", "after:a/one", "deleted:a/one"]
    assert [(e.type, e.resource, e.actor.name) for e in rec.events] == [
        ("spec.created", "a/one", "tester"), ("spec.updated", "a/one", "tester"),
        ("spec.deleted", "a/one", "tester")]
    assert rec.events[1].details["before"] == rec.events[0].details["after"]
    assert not (p.root / ".sdd/specs/a/one/spec.md").exists()


def test_authorize_deny_wins_and_nothing_is_written(sdd_project, spec_text, sdd_plugin,
                                                   run_sdd) -> None:
    class DenyWrites:
        @hookimpl
        def authorize(self, actor, action, resource):  # type: ignore[no-untyped-def]
            if action in ("spec.create", "spec.update"):
                return False
            return None

    class AllowAll:
        @hookimpl
        def authorize(self, actor, action, resource):  # type: ignore[no-untyped-def]
            return True

    sdd_plugin(AllowAll(), "allow")
    sdd_plugin(DenyWrites(), "deny")
    p = sdd_project({"a/one/spec.md": spec_text("a/one")})
    before = (p.root / ".sdd/specs/a/one/spec.md").read_bytes()
    with pytest.raises(PermissionDenied):
        p.update_spec("a/one", {"status": "review"})
    assert (p.root / ".sdd/specs/a/one/spec.md").read_bytes() == before
    r = run_sdd("new", "b/two", cwd=p.root)
    assert r.exit_code == 4 and "may not spec.create" in r.stderr
    assert not (p.root / ".sdd/specs/b/two").exists()


def test_restricted_specs_disappear_from_reads(sdd_project, spec_text, sdd_plugin,
                                               run_sdd) -> None:
    class HideSecret:
        @hookimpl
        def authorize(self, actor, action, resource):  # type: ignore[no-untyped-def]
            if getattr(resource, "domain", None) == "secret" and actor.name != "boss":
                return False
            return None

    sdd_plugin(HideSecret(), "hide")
    p = sdd_project({"a/one/spec.md": spec_text("a/one"),
                     "secret/x/spec.md": spec_text("secret/x")})
    ids = [s["id"] for s in run_sdd("list", "--format", "json", cwd=p.root).json()]
    assert ids == ["a/one"]
    hidden = run_sdd("show", "secret/x", cwd=p.root)
    missing = run_sdd("show", "secret/none", cwd=p.root)
    assert hidden.exit_code == missing.exit_code == 1
    assert hidden.stderr.replace("secret/x", "?") == missing.stderr.replace("secret/none", "?")
    boss = [s["id"] for s in run_sdd("--as", "@boss", "list", "--format", "json", cwd=p.root).json()]
    assert boss == ["a/one", "secret/x"]
    exported = json.loads(run_sdd("export", "--format", "json", cwd=p.root).stdout)
    assert [s["id"] for s in exported["specs"]] == ["a/one"]


def test_before_save_can_amend_and_refuse(sdd_project, spec_text, sdd_plugin) -> None:
    class Stamp:
        @hookimpl
        def spec_before_save(self, project, old, new, text, actor):  # type: ignore[no-untyped-def]
            if "REFUSE" in text:
                raise SddError("refused by policy")
            return text.replace("status: draft", "status: review")

    sdd_plugin(Stamp(), "stamp")
    p = sdd_project()
    spec = p.write_spec(".sdd/specs/a/one/spec.md", spec_text("a/one"))
    assert spec.status == "review"
    assert "status: review" in (p.root / spec.path).read_text()
    with pytest.raises(SddError, match="refused"):
        p.write_spec(".sdd/specs/a/two/spec.md", spec_text("a/two", title="REFUSE"))
    assert not (p.root / ".sdd/specs/a/two/spec.md").exists()


def test_failing_event_listener_blocks_the_write(sdd_project, spec_text, sdd_plugin) -> None:
    class BrokenAudit:
        @hookimpl
        def on_event(self, project, event):  # type: ignore[no-untyped-def]
            raise OSError("audit disk full")

    p = sdd_project({"a/one/spec.md": spec_text("a/one")})
    path = p.root / ".sdd/specs/a/one/spec.md"
    before = path.read_bytes()
    sdd_plugin(BrokenAudit(), "audit")
    with pytest.raises(OSError):
        p.update_spec("a/one", {"status": "approved"})
    with pytest.raises(OSError):
        p.delete_spec("a/one")
    assert path.read_bytes() == before
    assert sorted(os.listdir(path.parent)) == ["spec.md"]  # no temporary file left behind
    with pytest.raises(OSError):
        p.write_spec(".sdd/specs/new/deep/spec.md", spec_text("new/deep"))
    assert not (p.root / ".sdd/specs/new").exists()  # no empty folders left behind either


def test_stale_write_is_a_conflict(sdd_project, spec_text) -> None:
    p = sdd_project({"a/one/spec.md": spec_text("a/one")})
    spec = p.get("a/one")
    (p.root / spec.path).write_text(spec_text("a/one", title="Changed elsewhere"))
    with pytest.raises(Conflict):
        p.update_spec("a/one", {"status": "review"}, expected_hash=spec.hash)
    assert "Changed elsewhere" in (p.root / spec.path).read_text()


def test_broken_front_matter_is_refused_on_write(sdd_project, spec_text) -> None:
    p = sdd_project({"a/one/spec.md": spec_text("a/one")})
    before = (p.root / ".sdd/specs/a/one/spec.md").read_text()
    with pytest.raises(SddError, match="E201"):
        p.write_spec(".sdd/specs/a/one/spec.md", "---\ntitle: [oops\n---\n# T\n")
    assert (p.root / ".sdd/specs/a/one/spec.md").read_text() == before


def test_update_keeps_comments_order_and_unknown_keys(sdd_project) -> None:
    text = ("---\n# owned by the payments team\nid: pay/x\nzeta: 1   # keep this comment\n"
            "status: draft\ncustom:\n  nested: [a, b]\ncreated: 2026-01-01\n---\n"
            "# X\n\n## Requirements\n- It MUST work.\n")
    p = sdd_project({"pay/x/spec.md": text})
    p.update_spec("pay/x", {"status": "review", "phase": 2})
    new = (p.root / ".sdd/specs/pay/x/spec.md").read_text()
    assert new == text.replace("status: draft", "status: review").replace(
        "created: 2026-01-01\n", "created: 2026-01-01\nphase: 2\n")


_keys = st.text("abcdefgh_", min_size=1, max_size=8).filter(lambda k: k[0] != "_")
_scalars = st.one_of(st.integers(-1000, 1000), st.text("abc xyz-./é", max_size=12), st.booleans(),
                     st.none())


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_keys, _scalars, min_size=1, max_size=6),
       st.dictionaries(_keys, _scalars, max_size=3))
def test_frontmatter_update_round_trips(original: dict, changes: dict) -> None:
    import yaml

    from sdd_core import frontmatter
    from sdd_core.parsing import load_front_matter, split_front_matter

    text = frontmatter.render(original, "# Body\n\ntext with --- inside\n")
    updated = frontmatter.update(text, changes)
    fm, body, _, _ = split_front_matter(updated)
    assert body == "# Body\n\ntext with --- inside\n"
    assert load_front_matter(fm) == {**original, **changes}
    assert list(yaml.safe_load(fm))[: len(original)] == list(original)


def test_atomic_write_failure_keeps_old_file(tmp_path: Path, monkeypatch) -> None:
    from sdd_core.storage import atomic_write

    target = tmp_path / "f.md"
    target.write_text("old")

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write(target, b"new")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["f.md"]


# --- reading sdd-tool projects unchanged ----------------------------------------------------

def test_sdd_tool_project_lists_and_validates_without_false_errors(tmp_path: Path,
                                                                   run_sdd) -> None:
    proj = tmp_path / "proj"
    shutil.copytree(FIXTURE, proj)
    expected = json.loads((FIXTURE / "EXPECTED.json").read_text())
    exp_specs = expected["specs"]
    listed = run_sdd("list", "--format", "json", cwd=proj).json()
    assert sorted(s["id"] for s in listed) == sorted(exp_specs)
    for s in listed:
        exp = exp_specs[s["id"]]
        assert (s["status"], s["domain"]) == (exp["status"], exp["domain"]), s["id"]
    for spec_id, exp in exp_specs.items():
        shown = run_sdd("show", spec_id, "--format", "json", cwd=proj).json()
        assert [r["id"] for r in shown["requirements"]] == exp["requirements"], spec_id
        assert len(shown["scenarios"]) == exp["scenarios"], spec_id
    v = run_sdd("validate", "--format", "json", cwd=proj)
    data = v.json()
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    assert v.exit_code == 0 and errors == []
    drift = sorted(f["spec_id"] for f in data["findings"] if f["code"] == "W005")
    assert drift == sorted(expected["constitution_minor_drift"])


# --- bad input: each file gets a finding, the others are still processed ----------------------

def test_bad_files_get_findings_and_others_still_work(sdd_project, spec_text, run_sdd) -> None:
    p = sdd_project({
        "ok/good/spec.md": spec_text("ok/good"),
        "bad/yaml/spec.md": "---\ntitle: x\nstatus: [draft\n---\n# T\n",
        "bad/binary/spec.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00",
        "bad/latin1/spec.md": "---\ntitle: café\n---\n# T\n".encode("latin-1"),
        "bad/empty/spec.md": "",
        "bad/depends/spec.md": spec_text("bad/depends", depends=42),  # type: ignore[arg-type]
        "bad/unreadable/spec.md": spec_text("bad/unreadable"),
    })
    unreadable = p.root / ".sdd/specs/bad/unreadable/spec.md"
    unreadable.chmod(0)
    try:
        if os.access(unreadable, os.R_OK):  # root can read anything: simulate with a folder
            unreadable.unlink()
            unreadable.mkdir()
            (unreadable.parent / "spec.md").rmdir()
            unreadable = p.root / ".sdd/specs/bad/unreadable/other.md"
            os.symlink("/nonexistent/target", unreadable)
        r = run_sdd("validate", "--format", "json", cwd=p.root)
    finally:
        if unreadable.exists():
            unreadable.chmod(0o644)
    assert r.exit_code == 1 and "Traceback" not in r.output
    by_path = {}
    for f in r.json()["findings"]:
        by_path.setdefault(f["path"], set()).add(f["code"])
    assert by_path[".sdd/specs/bad/yaml/spec.md"] == {"E201"}
    assert by_path[".sdd/specs/bad/binary/spec.md"] == {"E101"}
    assert by_path[".sdd/specs/bad/latin1/spec.md"] == {"E101"}
    assert by_path[".sdd/specs/bad/empty/spec.md"] == {"E102"}
    assert "E202" in by_path[".sdd/specs/bad/depends/spec.md"]
    assert by_path[str(unreadable.relative_to(p.root))] == {"E101"}
    assert ".sdd/specs/ok/good/spec.md" not in by_path
    listed = [s["id"] for s in run_sdd("list", "--format", "json", cwd=p.root).json()]
    assert "ok/good" in listed and "bad/depends" in listed


def test_write_output_is_atomic_and_names_the_file(tmp_path: Path, monkeypatch) -> None:
    from sdd_core import write_output

    target = tmp_path / "out.txt"
    write_output(target, "first")
    assert target.read_text() == "first"
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "No space")))
    with pytest.raises(SddError, match="cannot write .*out.txt: No space"):
        write_output(target, "second")
    assert target.read_text() == "first" and os.listdir(tmp_path) == ["out.txt"]
