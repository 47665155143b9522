"""What a record holds, and how records chain."""

from __future__ import annotations

import datetime as dt
import re
import socket
import uuid
from pathlib import Path
from typing import Any

from audit_helpers import audit_dir, emit, expected_hash, read_records


def hunk_lines(diff: str) -> list[str]:
    """The lines of a unified diff after its two header lines, hunk headers left out."""
    return [ln for ln in diff.splitlines()[2:] if not ln.startswith("@@")]


def test_new_spec_through_cli_writes_one_complete_record(proj: Any, run_sdd: Any) -> None:
    result = run_sdd("new", "auth/logout", "--title", "Logout", cwd=proj.root)
    assert result.exit_code == 0, result.output
    records = read_records(proj)
    assert len(records) == 1
    name, line, rec = records[0]
    assert line == 1
    uuid.UUID(rec["id"])  # a real uuid
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", rec["timestamp"])
    when = dt.datetime.fromisoformat(rec["timestamp"])
    assert name == f"{when.year:04d}-{when.month:02d}.jsonl"
    assert abs((dt.datetime.now(dt.UTC) - when).total_seconds()) < 120
    assert rec["actor"] == "@tester"
    assert rec["action"] == "spec.created"
    assert rec["resource"] == "auth/logout"
    assert rec["domain"] == "auth"
    assert rec["metadata"]["source"] == "cli"
    assert rec["metadata"]["hostname"] == socket.gethostname()
    assert "sdd-core" in rec["metadata"]["tool_version"]
    details = rec["details"]
    assert details["before"] is None
    written = (Path(proj.root) / ".sdd/specs/auth/logout/spec.md").read_text()
    assert details["diff"].startswith("--- /dev/null\n+++ b/.sdd/specs/auth/logout/spec.md")
    added = [ln[1:] for ln in hunk_lines(details["diff"]) if ln.startswith("+")]
    assert added == written.splitlines()
    assert details["reason"] is None
    assert rec["seq"] == 1 and rec["prev_hash"] == "0" * 64
    assert rec["hash"] == expected_hash(rec)


def test_update_records_before_after_and_a_unified_diff(proj: Any) -> None:
    before = proj.get("auth/login")
    after = proj.update_spec("auth/login", {"title": "Sign in"},
                             details={"reason": "wording"})
    (_, _, rec), = read_records(proj)
    assert rec["action"] == "spec.updated"
    assert rec["details"]["before"] == before.hash
    assert rec["details"]["after"] == after.hash != before.hash
    assert rec["details"]["reason"] == "wording"
    diff = rec["details"]["diff"].splitlines()
    assert "-title: A spec" not in diff  # the fixture's title was Login
    assert "-title: Login" in diff and "+title: Sign in" in diff
    changed = [ln for ln in hunk_lines(rec["details"]["diff"]) if ln[:1] in "+-"]
    assert len(changed) == 2


def test_delete_records_the_removed_text(proj: Any) -> None:
    text = (Path(proj.root) / ".sdd/specs/billing/invoice/spec.md").read_text()
    proj.delete_spec("billing/invoice")
    (_, _, rec), = read_records(proj)
    assert rec["action"] == "spec.deleted" and rec["domain"] == "billing"
    removed = [ln[1:] for ln in hunk_lines(rec["details"]["diff"]) if ln.startswith("-")]
    assert removed == text.splitlines()
    assert "+++ /dev/null" in rec["details"]["diff"]


def test_large_diff_is_replaced_by_a_summary(proj: Any) -> None:
    cfg = Path(proj.root) / ".sdd/config.yml"
    cfg.write_text("audit:\n  max_diff_bytes: 100\n")
    from sdd_core.project import Project

    project = Project(proj.root)
    project.update_spec("auth/login", {"title": "x" * 300})
    (_, _, rec), = read_records(project)
    assert "diff omitted (over 100 bytes)" in rec["details"]["diff"]
    assert "+1 -1 lines" in rec["details"]["diff"]


def test_export_is_recorded(proj: Any, run_sdd: Any, tmp_path: Path) -> None:
    out = tmp_path / "specs.json"
    result = run_sdd("export", "--format", "json", "-o", out, cwd=proj.root)
    assert result.exit_code == 0, result.output
    (_, _, rec), = read_records(proj)
    assert rec["action"] == "spec.export"
    assert rec["details"]["count"] == 2 and rec["details"]["format"] == "json"
    assert rec["resource"] is None and rec["domain"] is None


def test_records_chain_and_continue_across_month_files(proj: Any) -> None:
    jan = dt.datetime(2026, 1, 31, 23, 59, tzinfo=dt.UTC)
    feb = dt.datetime(2026, 2, 1, 0, 1, tzinfo=dt.UTC)
    emit(proj, "spec.updated", when=jan, resource="auth/login", reason="a")
    emit(proj, "spec.updated", when=jan, resource="auth/login", reason="b")
    emit(proj, "spec.updated", when=feb, resource="auth/login", reason="c")
    records = read_records(proj)
    assert [(n, ln) for n, ln, _ in records] == [
        ("2026-01.jsonl", 1), ("2026-01.jsonl", 2), ("2026-02.jsonl", 1)]
    recs = [r for _, _, r in records]
    assert [r["seq"] for r in recs] == [1, 2, 3]
    assert recs[0]["prev_hash"] == "0" * 64
    assert recs[1]["prev_hash"] == recs[0]["hash"]
    assert recs[2]["prev_hash"] == recs[1]["hash"]  # across the month boundary
    assert all(r["hash"] == expected_hash(r) for r in recs)
    head = (audit_dir(proj) / "head.json").read_text()
    assert recs[2]["hash"] in head


def test_a_clock_behind_the_log_keeps_file_order(proj: Any) -> None:
    emit(proj, "x.one", when=dt.datetime(2026, 3, 5, tzinfo=dt.UTC))
    emit(proj, "x.two", when=dt.datetime(2026, 2, 5, tzinfo=dt.UTC))
    records = read_records(proj)
    assert [(n, r["action"]) for n, _, r in records] == [
        ("2026-03.jsonl", "x.one"), ("2026-03.jsonl", "x.two")]


def test_actor_source_is_kept(proj: Any) -> None:
    from sdd_core import Actor, Event

    proj.emit(Event(type="spec.view", actor=Actor(name="bot", source="automation"),
                    resource="auth/login"))
    (_, _, rec), = read_records(proj)
    assert rec["metadata"]["source"] == "automation"
    assert rec["actor"] == "@bot" and rec["domain"] == "auth"
