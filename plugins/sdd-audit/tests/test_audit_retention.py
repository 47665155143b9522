"""Retention by domain classification, `sdd audit prune`, and concurrent writers."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from audit_helpers import audit_dir, emit, read_records
from hypothesis import given
from hypothesis import strategies as st

UTC = dt.UTC
NOW = dt.datetime.now(UTC)


def years_ago(n: float) -> dt.datetime:
    return NOW - dt.timedelta(days=365.25 * n)


def configure(project: Any, text: str) -> Any:
    from sdd_core.project import Project

    (Path(project.root) / ".sdd/config.yml").write_text(textwrap.dedent(text))
    return Project(project.root)


def prune(run_sdd: Any, project: Any, *args: str) -> dict[str, Any]:
    result = run_sdd("audit", "prune", "--format", "json", *args, cwd=project.root)
    assert result.exit_code == 0, result.output
    return result.json()


def verify_ok(run_sdd: Any, project: Any) -> dict[str, Any]:
    result = run_sdd("audit", "verify", "--format", "json", cwd=project.root)
    assert result.exit_code == 0, result.output
    return result.json()


def test_prune_removes_expired_prefix_and_chain_still_verifies(proj: Any, run_sdd: Any) -> None:
    emit(proj, "spec.updated", when=years_ago(5), resource="auth/login", domain="auth")
    emit(proj, "spec.updated", when=years_ago(3), resource="auth/login", domain="auth")
    emit(proj, "spec.updated", when=years_ago(1), resource="auth/login", domain="auth")
    emit(proj, "spec.updated", when=NOW, resource="auth/login", domain="auth")
    old = [r for _, _, r in read_records(proj)]
    files_before = sorted(p.name for p in audit_dir(proj).glob("*.jsonl"))

    dry = prune(run_sdd, proj, "--dry-run")
    assert dry["dry_run"] is True and dry["pruned"] == 2 and dry["through_seq"] == 2
    assert sorted(p.name for p in audit_dir(proj).glob("*.jsonl")) == files_before

    done = prune(run_sdd, proj)
    assert done["pruned"] == 2 and done["last_pruned_hash"] == old[1]["hash"]
    remaining = [r for _, _, r in read_records(proj)]
    assert [r["seq"] for r in remaining] == [3, 4, 5]
    checkpoint = remaining[-1]
    assert checkpoint["action"] == "audit.prune"
    assert checkpoint["details"]["last_pruned_hash"] == old[1]["hash"]
    assert checkpoint["details"]["pruned_through_seq"] == 2
    assert checkpoint["prev_hash"] == old[3]["hash"]
    data = verify_ok(run_sdd, proj)
    assert data["first_seq"] == 3 and data["records"] == 3
    # the 5- and 3-year-old records lived in files of their own months: gone
    assert len(done["files_removed"]) == 2


def test_removing_more_than_was_pruned_is_detected(proj: Any, run_sdd: Any) -> None:
    emit(proj, "a.one", when=years_ago(5))
    emit(proj, "a.two", when=years_ago(1))
    emit(proj, "a.three", when=years_ago(0.5))
    prune(run_sdd, proj)
    first = min(audit_dir(proj).glob("*.jsonl"))
    lines = first.read_text().splitlines(keepends=True)
    first.write_text("".join(lines[1:]))
    result = run_sdd("audit", "verify", "--format", "json", cwd=proj.root)
    assert result.exit_code == 1
    problem = result.json()["problem"]
    assert problem["kind"] == "removed" and problem["seq"] == 3
    assert "pruned through #1" in problem["message"]


def test_classification_keeps_compliance_records_and_holds_back_later_ones(
        proj: Any, run_sdd: Any) -> None:
    project = configure(proj, """\
        audit:
          classification:
            billing: compliance
            hr: sensitive
    """)
    emit(project, "spec.updated", when=years_ago(8), resource="hr/pay", domain="hr")
    emit(project, "spec.updated", when=years_ago(5), resource="auth/login", domain="auth")
    emit(project, "spec.updated", when=years_ago(4), resource="billing/x", domain="billing")
    emit(project, "spec.updated", when=years_ago(3), resource="auth/login", domain="auth")
    emit(project, "spec.updated", when=years_ago(0.1), resource="auth/login", domain="auth")
    done = prune(run_sdd, project)
    # hr (7y) at 8y and auth (2y) at 5y are expired; billing (10y) at 4y is not, and holds
    # back the expired auth record after it
    assert done["pruned"] == 2 and done["held_back"] == 1
    assert [r["seq"] for _, _, r in read_records(project)] == [3, 4, 5, 6]
    verify_ok(run_sdd, project)


def test_second_prune_and_custom_retention(proj: Any, run_sdd: Any) -> None:
    project = configure(proj, "audit:\n  retention:\n    default: 30d\n")
    emit(project, "a.one", when=NOW - dt.timedelta(days=90))
    emit(project, "a.two", when=NOW - dt.timedelta(days=10))
    assert prune(run_sdd, project)["pruned"] == 1
    project = configure(proj, "audit:\n  retention:\n    default: 5d\n")
    second = prune(run_sdd, project)
    assert second["pruned"] == 1  # a.two; the first checkpoint is recent
    assert [r["action"] for _, _, r in read_records(project)] == ["audit.prune", "audit.prune"]
    assert verify_ok(run_sdd, project)["first_seq"] == 3


def test_everything_expired_leaves_only_the_checkpoint(proj: Any, run_sdd: Any) -> None:
    emit(proj, "a.one", when=years_ago(9))
    emit(proj, "a.two", when=years_ago(8))
    assert prune(run_sdd, proj)["pruned"] == 2
    (_, _, only), = read_records(proj)
    assert only["seq"] == 3 and only["action"] == "audit.prune"
    verify_ok(run_sdd, proj)
    emit(proj, "a.three")
    verify_ok(run_sdd, proj)


def test_nothing_to_prune(proj: Any, run_sdd: Any) -> None:
    emit(proj, "a.one")
    result = run_sdd("audit", "prune", cwd=proj.root)
    assert result.exit_code == 0 and "nothing to prune" in result.stdout
    assert len(read_records(proj)) == 1


def test_prune_refuses_a_broken_chain(proj: Any, run_sdd: Any) -> None:
    emit(proj, "a.one", when=years_ago(5))
    emit(proj, "a.two", when=years_ago(4))
    path = max(audit_dir(proj).glob("*.jsonl"))
    path.write_text(path.read_text().replace("a.two", "a.TWO"))
    result = run_sdd("audit", "prune", cwd=proj.root)
    assert result.exit_code == 1 and "not intact, so nothing was pruned" in result.stderr


def test_invalid_retention_config_is_a_project_error(proj: Any, run_sdd: Any) -> None:
    configure(proj, "audit:\n  classification:\n    billing: secret\n")
    result = run_sdd("audit", "prune", cwd=proj.root)
    assert result.exit_code == 3 and "'secret'" in result.stderr
    configure(proj, "audit:\n  retention:\n    default: two years\n")
    result = run_sdd("audit", "prune", cwd=proj.root)
    assert result.exit_code == 3 and "is not a duration" in result.stderr


@given(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1)),
       st.integers(min_value=0, max_value=240))
def test_add_months_follows_the_calendar(when: dt.datetime, months: int) -> None:
    from sdd_audit.settings import add_duration

    later = add_duration(when, (months, "m"))
    assert (later.year - when.year) * 12 + later.month - when.month == months
    assert later.day == when.day or (later.day < when.day and (
        later + dt.timedelta(days=1)).month != later.month)
    assert later.time() == when.time()
    assert add_duration(when, (months, "y")) == add_duration(when, (12 * months, "m"))


WRITER = """
import datetime as dt, sys
from pathlib import Path
from sdd_audit.chain import AuditLog, format_timestamp
log = AuditLog(Path(sys.argv[1]))
for i in range(int(sys.argv[3])):
    log.append({"id": f"{sys.argv[2]}-{i}", "action": "test.write", "actor": "@" + sys.argv[2],
                "timestamp": format_timestamp(dt.datetime.now(dt.timezone.utc))})
"""


def test_two_processes_appending_keep_one_linear_chain(proj: Any, run_sdd: Any) -> None:
    n = 150
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(audit_dir(proj)), who,
                               str(n)]) for who in ("a", "b")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    records = [r for _, _, r in read_records(proj)]
    assert [r["seq"] for r in records] == list(range(1, 2 * n + 1))
    assert sorted(r["id"] for r in records) == sorted(
        [f"a-{i}" for i in range(n)] + [f"b-{i}" for i in range(n)])
    data = verify_ok(run_sdd, proj)
    assert data["records"] == 2 * n and data["head_seq"] == 2 * n
