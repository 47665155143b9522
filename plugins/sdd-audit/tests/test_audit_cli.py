"""`sdd audit logs` filters and `sdd audit export` (CSV formula safety)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import emit

UTC = dt.UTC


@pytest.fixture
def history(proj: Any) -> Any:
    emit(proj, "spec.created", when=dt.datetime(2026, 1, 5, 9, tzinfo=UTC), user="alice",
         resource="auth/login")
    emit(proj, "spec.updated", when=dt.datetime(2026, 1, 20, 9, tzinfo=UTC), user="bob",
         resource="auth/login")
    emit(proj, "spec.deleted", when=dt.datetime(2026, 2, 1, 0, 0, tzinfo=UTC), user="alice",
         resource="billing/invoice")
    emit(proj, "access.grant", when=dt.datetime(2026, 2, 3, 12, tzinfo=UTC), user="root",
         resource="billing", domain="billing")
    return proj


def seqs(run_sdd: Any, project: Any, *args: str) -> list[int]:
    result = run_sdd("audit", "logs", "--format", "json", *args, cwd=project.root)
    assert result.exit_code == 0, result.output
    return [r["seq"] for r in result.json()]


def test_filters(history: Any, run_sdd: Any) -> None:
    assert seqs(run_sdd, history) == [1, 2, 3, 4]
    assert seqs(run_sdd, history, "--actor", "@alice") == [1, 3]
    assert seqs(run_sdd, history, "--actor", "alice") == [1, 3]
    assert seqs(run_sdd, history, "--action", "spec.delete") == [3]
    assert seqs(run_sdd, history, "--action", "spec.deleted") == [3]
    assert seqs(run_sdd, history, "--action", "spec.*") == [1, 2, 3]
    assert seqs(run_sdd, history, "--resource", "auth/login") == [1, 2]
    assert seqs(run_sdd, history, "--resource", "billing*") == [3, 4]
    assert seqs(run_sdd, history, "--since", "2026-01-20") == [2, 3, 4]
    assert seqs(run_sdd, history, "--until", "2026-01-31") == [1, 2]  # whole day included
    assert seqs(run_sdd, history, "--since", "2026-01-06", "--until", "2026-02-01",
                "--actor", "@alice") == [3]
    assert seqs(run_sdd, history, "--limit", "2") == [3, 4]


def test_table_output_and_bad_date(history: Any, run_sdd: Any) -> None:
    result = run_sdd("audit", "logs", "--actor", "@bob", cwd=history.root)
    assert result.exit_code == 0
    body = result.stdout.splitlines()
    assert body[0].split() == ["SEQ", "TIMESTAMP", "ACTOR", "ACTION", "RESOURCE", "SOURCE"]
    assert len(body) == 3 and "spec.updated" in body[2] and "@bob" in body[2]
    assert "1 record(s)" in result.stderr
    bad = run_sdd("audit", "logs", "--since", "last tuesday", cwd=history.root)
    assert bad.exit_code == 1 and "'last tuesday' is not a date" in bad.stderr


DANGEROUS = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "\r\n=2"]


def test_csv_export_neutralises_formula_cells(proj: Any, run_sdd: Any, tmp_path: Path) -> None:
    for i, reason in enumerate(DANGEROUS):
        emit(proj, "spec.updated", resource="auth/login", reason=reason)
    emit(proj, "spec.updated", resource="auth/login", reason="plain words")
    emit(proj, "spec.updated", user="=cmd", resource="auth/login", reason="odd user")
    out = tmp_path / "audit.csv"
    result = run_sdd("audit", "export", "--format", "csv", "-o", out, cwd=proj.root)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8"), newline="")))
    assert len(rows) == len(DANGEROUS) + 2
    for row, reason in zip(rows, DANGEROUS):
        assert row["reason"] == "'" + reason
    assert rows[len(DANGEROUS)]["reason"] == "plain words"
    # every actor starts with @: always neutralised, and never dropped
    assert rows[0]["actor"] == "'@tester"
    assert rows[-1]["actor"] == "'@=cmd"
    for row in rows:
        for value in row.values():
            assert value[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_json_export_matches_logs_and_is_itself_audited(history: Any, run_sdd: Any,
                                                        tmp_path: Path) -> None:
    before = run_sdd("audit", "logs", "--format", "json", cwd=history.root).json()
    out = tmp_path / "audit.json"
    result = run_sdd("audit", "export", "--format", "json", "-o", out, "--actor", "@alice",
                     cwd=history.root)
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text())
    assert exported == [r for r in before if r["actor"] == "@alice"]
    after = run_sdd("audit", "logs", "--format", "json", cwd=history.root).json()
    assert len(after) == len(before) + 1
    assert after[-1]["action"] == "audit.export"
    assert after[-1]["details"]["count"] == 2
    assert after[-1]["details"]["filters"] == {"actor": "@alice"}


def test_export_to_stdout(history: Any, run_sdd: Any) -> None:
    result = run_sdd("audit", "export", "--format", "csv", cwd=history.root)
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["action"] for r in rows] == ["spec.created", "spec.updated", "spec.deleted",
                                           "access.grant"]


def test_head_prints_the_newest_hash(history: Any, run_sdd: Any) -> None:
    last = run_sdd("audit", "logs", "--format", "json", cwd=history.root).json()[-1]
    result = run_sdd("audit", "head", "--format", "json", cwd=history.root)
    assert result.json()["hash"] == last["hash"] and result.json()["seq"] == 4


def test_reading_the_log_asks_authorize(history: Any, run_sdd: Any, sdd_plugin: Any) -> None:
    from sdd_core import hookimpl

    class NoAudit:
        @hookimpl
        def authorize(self, actor, action, resource):  # type: ignore[no-untyped-def]
            return False if action.startswith("audit.") else None

    sdd_plugin(NoAudit(), "no-audit")
    assert run_sdd("audit", "logs", cwd=history.root).exit_code == 4
    assert run_sdd("audit", "export", "--format", "csv", cwd=history.root).exit_code == 4
    assert run_sdd("audit", "prune", cwd=history.root).exit_code == 4
    assert run_sdd("audit", "verify", cwd=history.root).exit_code == 0


def test_help_shows_examples(audit: None, run_sdd: Any) -> None:
    for cmd in ("logs", "export", "verify", "prune", "head"):
        result = run_sdd("audit", cmd, "--help")
        assert result.exit_code == 0 and "Example:" in result.stdout
