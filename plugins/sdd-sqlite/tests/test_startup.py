"""What a cached read command imports: ``sdd query``, ``sdd list`` and ``sdd search``
answered from the cache's columns must not load the spec model (pydantic costs ~100 ms of
start-up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import sys
from sdd_core.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print("\\nMODULES " + ",".join(sorted(m for m in sys.modules
                                     if m.split(".")[0] in ("pydantic", "yaml"))),
      file=sys.stderr)
"""


def _run(root: Path, *args: str) -> tuple[str, set[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDD_")}
    env["SDD_LOAD_PLUGINS"] = "sqlite"
    out = subprocess.run([sys.executable, "-c", PROBE, "-C", str(root), *args], env=env,
                         capture_output=True, text=True, timeout=120)
    line = [x for x in out.stderr.splitlines() if x.startswith("MODULES ")][-1]
    return out.stdout, {m for m in line[len("MODULES "):].split(",") if m}


@pytest.fixture
def project(tmp_path: Path, spec_text) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "p"
    specs = root / ".sdd" / "specs"
    for i, status in enumerate(("review", "draft", "review")):
        folder = specs / "billing" / f"pay-{i}"
        folder.mkdir(parents=True)
        (folder / "spec.md").write_text(spec_text(
            f"billing/pay-{i}", title=f"Payment failure {i}", status=status,
            extra={"phase": 2}, body_extra=f"Payment failure handling number {i}."),
            encoding="utf-8")
    (root / ".sdd" / "config.yml").write_text("version: 1\n", encoding="utf-8")
    return root


def test_cached_query_list_and_search_do_not_load_the_spec_model(project: Path) -> None:
    _run(project, "query", "status:review")  # validates the config and records it
    _run(project, "search", "payment")  # the first reads build the cache
    out, modules = _run(project, "query", "status:review AND phase:2", "--format", "json")
    assert [r["id"] for r in json.loads(out)] == ["billing/pay-0", "billing/pay-2"]
    assert not {m for m in modules if m.startswith("pydantic")}, modules

    out, modules = _run(project, "list", "--status", "review", "--format", "json")
    assert [r["id"] for r in json.loads(out)] == ["billing/pay-0", "billing/pay-2"]
    assert not {m for m in modules if m.startswith("pydantic")}, modules

    out, modules = _run(project, "search", "payment failure", "--format", "json")
    assert sorted(h["id"] for h in json.loads(out)) == [
        "billing/pay-0", "billing/pay-1", "billing/pay-2"]
    assert not {m for m in modules if m.startswith("pydantic")}, modules


def test_an_edited_config_is_validated_with_the_model_again(project: Path) -> None:
    _run(project, "query", "status:review")
    (project / ".sdd" / "config.yml").write_text("version: 1\nsearch:\n  backend: fts5\n",
                                                 encoding="utf-8")
    _, modules = _run(project, "query", "status:review")
    assert "pydantic" in modules  # validated afresh
    _, modules = _run(project, "query", "status:review")
    assert "pydantic" not in modules  # and recorded


def test_a_refresh_of_edited_specs_does_not_load_the_spec_model(project: Path) -> None:
    _run(project, "query", "status:review")
    spec = project / ".sdd" / "specs" / "billing" / "pay-1" / "spec.md"
    spec.write_text(spec.read_text(encoding="utf-8").replace("status: draft", "status: review"),
                    encoding="utf-8")
    out, modules = _run(project, "query", "status:review", "--format", "json")
    assert [r["id"] for r in json.loads(out)] == ["billing/pay-0", "billing/pay-1",
                                                  "billing/pay-2"]
    assert not {m for m in modules if m.startswith("pydantic")}, modules
