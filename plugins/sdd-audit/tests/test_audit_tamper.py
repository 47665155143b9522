"""`sdd audit verify` names the first record edited, removed or reordered, in any file."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from audit_helpers import audit_dir, emit

UTC = dt.UTC


@pytest.fixture
def logged(proj: Any) -> Any:
    """Five records in January 2026 and four in February."""
    for i in range(5):
        emit(proj, "spec.updated", when=dt.datetime(2026, 1, 10 + i, tzinfo=UTC),
             resource="auth/login", reason=f"jan {i + 1}")
    for i in range(4):
        emit(proj, "spec.updated", when=dt.datetime(2026, 2, 10 + i, tzinfo=UTC),
             resource="billing/invoice", reason=f"feb {i + 1}")
    return proj


def lines(project: Any, month: str) -> list[str]:
    return (audit_dir(project) / f"{month}.jsonl").read_text().splitlines(keepends=True)


def write(project: Any, month: str, content: list[str]) -> None:
    (audit_dir(project) / f"{month}.jsonl").write_text("".join(content))


def verify(run_sdd: Any, project: Any) -> tuple[int, dict[str, Any]]:
    result = run_sdd("audit", "verify", "--format", "json", cwd=project.root)
    return result.exit_code, result.json()


def test_intact_log_verifies(logged: Any, run_sdd: Any) -> None:
    code, data = verify(run_sdd, logged)
    assert code == 0 and data["ok"] is True
    assert data["records"] == 9 and data["head_seq"] == 9
    table = run_sdd("audit", "verify", cwd=logged.root)
    assert table.exit_code == 0 and "intact: 9 record(s) in 2 file(s)" in table.stdout


def test_edited_field_is_named(logged: Any, run_sdd: Any) -> None:
    jan = lines(logged, "2026-01")
    rec = json.loads(jan[2])
    rec["actor"] = "@mallory"
    jan[2] = json.dumps(rec, sort_keys=True, separators=(",", ":")) + "\n"
    write(logged, "2026-01", jan)
    code, data = verify(run_sdd, logged)
    assert code == 1
    assert data["problem"]["kind"] == "edited"
    assert (data["problem"]["file"], data["problem"]["line"]) == (".sdd/audit/2026-01.jsonl", 3)
    assert data["problem"]["seq"] == 3
    table = run_sdd("audit", "verify", cwd=logged.root)
    assert table.exit_code == 1 and ".sdd/audit/2026-01.jsonl:3" in table.stdout


def test_edit_with_a_recomputed_hash_breaks_the_next_link(logged: Any, run_sdd: Any) -> None:
    from audit_helpers import expected_hash

    jan = lines(logged, "2026-01")
    rec = json.loads(jan[1])
    rec["details"]["reason"] = "nothing to see"
    rec["hash"] = expected_hash(rec)
    jan[1] = json.dumps(rec) + "\n"
    write(logged, "2026-01", jan)
    code, data = verify(run_sdd, logged)
    assert code == 1
    # record 2 now hashes correctly, but record 3 still points at the old hash
    assert (data["problem"]["line"], data["problem"]["seq"]) == (3, 3)
    assert data["problem"]["kind"] == "removed"


def test_deleted_line_is_named(logged: Any, run_sdd: Any) -> None:
    jan = lines(logged, "2026-01")
    del jan[1]
    write(logged, "2026-01", jan)
    code, data = verify(run_sdd, logged)
    assert code == 1
    assert data["problem"]["kind"] == "removed"
    assert (data["problem"]["file"], data["problem"]["line"]) == (".sdd/audit/2026-01.jsonl", 2)
    assert "#2 removed" in data["problem"]["message"]


def test_swapped_lines_are_named(logged: Any, run_sdd: Any) -> None:
    feb = lines(logged, "2026-02")
    feb[1], feb[2] = feb[2], feb[1]
    write(logged, "2026-02", feb)
    code, data = verify(run_sdd, logged)
    assert code == 1
    assert data["problem"]["kind"] == "reordered"
    assert (data["problem"]["file"], data["problem"]["line"]) == (".sdd/audit/2026-02.jsonl", 2)
    assert data["problem"]["seq"] == 8  # record 8 stands where record 7 belongs


def test_truncated_tail_is_named(logged: Any, run_sdd: Any) -> None:
    feb = lines(logged, "2026-02")
    write(logged, "2026-02", feb[:2])
    code, data = verify(run_sdd, logged)
    assert code == 1
    assert data["problem"]["kind"] == "truncated"
    assert (data["problem"]["file"], data["problem"]["line"]) == (".sdd/audit/2026-02.jsonl", 3)
    assert "newest 2 record(s) were removed" in data["problem"]["message"]


def test_line_cut_short_is_named(logged: Any, run_sdd: Any) -> None:
    path = audit_dir(logged) / "2026-02.jsonl"
    data_bytes = path.read_bytes()
    path.write_bytes(data_bytes[: len(data_bytes) - 40])
    code, data = verify(run_sdd, logged)
    assert code == 1
    assert data["problem"]["kind"] == "damaged"
    assert (data["problem"]["file"], data["problem"]["line"]) == (".sdd/audit/2026-02.jsonl", 4)


def test_a_torn_log_refuses_new_records(logged: Any) -> None:
    from sdd_core.errors import SddError

    path = audit_dir(logged) / "2026-02.jsonl"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(SddError, match="cut short"):
        emit(logged, "spec.updated", resource="auth/login")


def test_edit_in_an_earlier_month_file_is_named(logged: Any, run_sdd: Any) -> None:
    jan = lines(logged, "2026-01")
    jan[4] = jan[4].replace('"jan 5"', '"JAN 5"')
    write(logged, "2026-01", jan)
    code, data = verify(run_sdd, logged)
    assert code == 1
    assert data["problem"]["kind"] == "edited"
    assert (data["problem"]["file"], data["problem"]["line"]) == (".sdd/audit/2026-01.jsonl", 5)


def test_first_line_of_a_later_month_removed(logged: Any, run_sdd: Any) -> None:
    feb = lines(logged, "2026-02")
    write(logged, "2026-02", feb[1:])
    code, data = verify(run_sdd, logged)
    assert code == 1 and data["problem"]["kind"] == "removed"
    assert (data["problem"]["file"], data["problem"]["line"]) == (".sdd/audit/2026-02.jsonl", 1)


def test_records_moved_between_month_files(logged: Any, run_sdd: Any) -> None:
    jan, feb = lines(logged, "2026-01"), lines(logged, "2026-02")
    write(logged, "2026-01", jan[:4])
    write(logged, "2026-02", [feb[0], jan[4], *feb[1:]])
    code, data = verify(run_sdd, logged)
    assert code == 1 and data["problem"]["kind"] == "reordered"
    assert (data["problem"]["file"], data["problem"]["line"]) == (".sdd/audit/2026-02.jsonl", 1)


def test_whole_month_file_removed(logged: Any, run_sdd: Any) -> None:
    (audit_dir(logged) / "2026-01.jsonl").unlink()
    code, data = verify(run_sdd, logged)
    assert code == 1 and data["problem"]["kind"] == "removed"
    assert (data["problem"]["file"], data["problem"]["line"]) == (".sdd/audit/2026-02.jsonl", 1)
    assert "no prune checkpoint" in data["problem"]["message"]


def test_missing_head_is_a_warning_not_a_failure(logged: Any, run_sdd: Any) -> None:
    (audit_dir(logged) / "head.json").unlink()
    code, data = verify(run_sdd, logged)
    assert code == 0
    assert any("head.json is missing" in w for w in data["warnings"])


def test_empty_project_verifies(proj: Any, run_sdd: Any) -> None:
    code, data = verify(run_sdd, proj)
    assert code == 0 and data["records"] == 0
