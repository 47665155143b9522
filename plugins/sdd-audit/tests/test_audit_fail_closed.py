"""When the record cannot be written, the action does not happen."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import audit_dir


def spec_file(project: Any, spec_id: str) -> Path:
    return Path(project.root) / ".sdd/specs" / spec_id / "spec.md"


def block_audit_dir(project: Any) -> None:
    """Make `.sdd/audit` a plain file, so no record can be written under it (works as root,
    where permissions would not stop a write)."""
    d = audit_dir(project)
    if d.exists():
        shutil.rmtree(d)
    d.write_text("not a folder\n")


def test_create_is_refused_when_the_audit_folder_is_unusable(proj: Any, run_sdd: Any) -> None:
    block_audit_dir(proj)
    result = run_sdd("new", "auth/logout", cwd=proj.root)
    assert result.exit_code == 1
    assert "cannot write the audit record for spec.created on auth/logout" in result.stderr
    assert "the action was not carried out" in result.stderr
    assert "Traceback" not in result.output
    assert not spec_file(proj, "auth/logout").exists()
    assert not list(spec_file(proj, "auth/logout").parent.glob(".*tmp")) if spec_file(
        proj, "auth/logout").parent.exists() else True


def test_update_is_refused_when_fsync_fails(proj: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from sdd_audit import chain

    from sdd_core.errors import SddError

    before = spec_file(proj, "auth/login").read_bytes()

    real_fsync = os.fsync

    def broken_fsync(fd: int) -> None:  # fails for the audit log's month files only
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".jsonl"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(chain.os, "fsync", broken_fsync)
    with pytest.raises(SddError, match="No space left on device"):
        proj.update_spec("auth/login", {"title": "Changed"})
    assert spec_file(proj, "auth/login").read_bytes() == before
    leftovers = [p.name for p in spec_file(proj, "auth/login").parent.iterdir()]
    assert leftovers == ["spec.md"]


def test_delete_is_refused_when_the_month_file_cannot_be_opened(
        proj: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from sdd_audit import chain

    from sdd_core.errors import SddError

    real_open = os.open

    def deny_jsonl(path: Any, flags: int, *args: Any) -> int:
        if str(path).endswith(".jsonl"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, flags, *args)

    monkeypatch.setattr(chain.os, "open", deny_jsonl)
    with pytest.raises(SddError, match="cannot write the audit record for spec.deleted"):
        proj.delete_spec("billing/invoice")
    assert spec_file(proj, "billing/invoice").exists()


def test_month_file_that_is_a_folder_stops_the_write(proj: Any, run_sdd: Any) -> None:
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    (audit_dir(proj) / f"{now.year:04d}-{now.month:02d}.jsonl").mkdir(parents=True)
    before = spec_file(proj, "auth/login").read_bytes()
    with pytest.raises(Exception, match="cannot write the audit record"):
        proj.update_spec("auth/login", {"title": "Changed"})
    assert spec_file(proj, "auth/login").read_bytes() == before


def test_export_writes_nothing_when_it_cannot_be_audited(proj: Any, run_sdd: Any,
                                                         tmp_path: Path) -> None:
    block_audit_dir(proj)
    out = tmp_path / "out.json"
    result = run_sdd("export", "--format", "json", "-o", out, cwd=proj.root)
    assert result.exit_code == 1
    assert "cannot write the audit record for spec.export" in result.stderr
    assert not out.exists()


def test_nothing_is_recorded_when_the_action_is_refused_earlier(proj: Any, run_sdd: Any) -> None:
    result = run_sdd("new", "auth/login", cwd=proj.root)  # exists: a conflict
    assert result.exit_code == 5
    assert not audit_dir(proj).exists() or not list(audit_dir(proj).glob("*.jsonl"))
