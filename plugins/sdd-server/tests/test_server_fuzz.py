"""Schemathesis against the served OpenAPI schema: no request it generates may cause a server
error (5xx). Bounded: 20 examples per operation. Runs on its own server (the fuzzer creates,
changes and deletes specs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from serverkit import Server

ST = str(Path(sys.executable).parent / "st")


@pytest.mark.slow
def test_schemathesis_finds_no_server_errors(server: Server, tmp_path: Path) -> None:
    out = subprocess.run(
        [ST, "run", f"{server.url}/openapi.json", "--checks", "not_a_server_error",
         "--max-examples", "20", "--workers", "1", "--phases", "examples,coverage,fuzzing",
         "-H", f"Authorization: Bearer {server.tokens['root']}",
         "--suppress-health-check", "filter_too_much",
         "--report-dir", str(tmp_path), "--no-color", "--seed", "1"],
        capture_output=True, text=True, timeout=900)
    tail = (out.stdout + out.stderr)[-6000:]
    assert out.returncode == 0, tail
    assert "No issues found" in out.stdout or "passed" in out.stdout.lower(), tail
