"""The command: threshold exit codes, output formats, the shared ``sync`` group."""

from __future__ import annotations

import gc
import json
import types

import click
import pytest

from sdd_core import hookimpl

# 4 requirements; 3 referenced (75%); 1 with code and tests (25%)
SPECS = {"auth/login/spec.md": 4}
FILES = {
    "src/login.py": "# @spec auth/login#REQ-01\n# @spec auth/login#REQ-02\n",
    "tests/test_login.py": "# @spec auth/login\ndef test_req_02_x(): pass\n"
                           "def test_req_03_y(): pass\n",
}


@pytest.mark.parametrize("args, code", [
    ((), 0),                                   # no --ci: a report, never a failure
    (("--threshold", "80"), 0),
    (("--ci",), 1),                            # default threshold 100
    (("--ci", "--threshold", "80"), 1),
    (("--ci", "--threshold", "75"), 0),        # equal passes
    (("--ci", "--threshold", "74.5"), 0),
    (("--ci", "--threshold", "0"), 0),
])
def test_threshold_exit_codes(project, run_sdd, args, code):
    root = project(SPECS, FILES)
    result = run_sdd("-C", str(root), "sync", *args)
    assert result.exit_code == code, result.output
    if code:
        assert "coverage 75% is under the threshold" in result.stderr
        assert "Traceback" not in result.output


def test_bad_threshold_is_a_usage_error(project, run_sdd):
    root = project(SPECS, FILES)
    result = run_sdd("-C", str(root), "sync", "--ci", "--threshold", "101")
    assert result.exit_code == 2


def test_no_requirements_is_full_coverage(project, run_sdd):
    root = project({}, {"src/a.py": "x = 1\n"})
    result = run_sdd("-C", str(root), "sync", "--ci", "--format", "json")
    assert result.exit_code == 0
    assert result.json()["summary"]["coverage"] == 100.0


def test_strict_fails_on_unknown_references(project, run_sdd):
    root = project({"a/one/spec.md": 1}, {"src/a.py": "# @spec a/one#REQ-01\n# @spec zz#REQ-1\n"})
    assert run_sdd("-C", str(root), "sync", "--ci").exit_code == 0
    strict = run_sdd("-C", str(root), "sync", "--ci", "--strict")
    assert strict.exit_code == 1
    assert "1 reference(s) to unknown specs" in strict.stderr


def test_json_summary_and_stdout_only_json(project, run_sdd):
    root = project(SPECS, FILES)
    result = run_sdd("-C", str(root), "sync", "--format", "json", "--threshold", "70")
    data = json.loads(result.stdout)
    assert data["summary"] == {
        "requirements": 4, "covered": 3, "both": 1, "implemented": 1, "tested": 1,
        "missing": 1, "coverage": 75.0, "full_coverage": 25.0, "threshold": 70.0,
        "passed": True,
    }
    assert data["files"]["scanned"] == 2
    assert "Scanned 2 file(s)" in result.stderr
    assert gc.isenabled()  # paused during the run only


def test_markdown_for_pull_requests(project, run_sdd):
    root = project(SPECS, {**FILES, "src/x.py": "# @spec auth/nope#REQ-01\n"})
    md = run_sdd("-C", str(root), "sync", "--format", "markdown", "--threshold", "80").stdout
    assert md.startswith("## ❌ Spec traceability")
    assert "**Coverage 75%** (threshold 80%)" in md
    assert "| missing | 1 |" in md
    assert "| `auth/login` | REQ-04 Requirement 4 |" in md
    assert "`src/x.py:1` **TR001**" in md
    assert "| `auth/login#REQ-02` | both | src/login.py:2 | tests/test_login.py:2 |" in md
    passed = run_sdd("-C", str(root), "sync", "--format", "markdown", "--threshold", "75")
    assert passed.stdout.startswith("## ✅ Spec traceability")


def test_table_output(project, run_sdd):
    root = project(SPECS, FILES)
    out = run_sdd("-C", str(root), "sync").stdout
    lines = out.splitlines()
    assert lines[0].split() == ["REQUIREMENT", "STATUS", "CODE", "TESTS"]
    row = next(line for line in lines if line.startswith("auth/login#REQ-03"))
    assert row.split() == ["auth/login#REQ-03", "tested", "tests/test_login.py:3"]
    assert "Coverage 75% (3/4 requirements referenced" in out


def test_default_command_routing(project, run_sdd):
    root = project({"auth/login/spec.md": 1, "billing/x/spec.md": 1})
    for args in ((), ("auth/login",), ("coverage", "auth/login"),
                 ("--format", "json", "auth/login")):
        result = run_sdd("-C", str(root), "sync", *args, "--format", "json")
        assert result.exit_code == 0, (args, result.output)
    scoped = run_sdd("-C", str(root), "sync", "auth/login", "--format", "json").json()
    assert [r["id"] for r in scoped["requirements"]] == ["auth/login#REQ-01"]


def test_help_shows_an_example(run_sdd):
    result = run_sdd("sync", "coverage", "--help")
    assert "Example:  sdd sync --ci --threshold 80" in result.stdout


def _status_plugin() -> types.SimpleNamespace:
    @click.command("status")
    def status() -> None:
        """Offline-sync status."""
        click.echo("sync status: up to date")

    def register_commands(cli: click.Group) -> None:
        from sdd_core import ensure_group

        ensure_group(cli, "sync", help="Offline sync.").add_command(status)

    return types.SimpleNamespace(register_commands=hookimpl(register_commands))


@pytest.mark.parametrize("trace_first", [True, False])
def test_sync_group_shared_with_another_plugin(project, run_sdd, sdd_plugin, trace_first):
    """`sdd sync status` from another plugin and `sdd sync` from this one both work,
    whichever registers first."""
    import sdd_trace

    from sdd_core import get_plugin_manager

    get_plugin_manager().unregister_plugin("trace")  # registered by the autouse fixture
    order = [(sdd_trace, "trace"), (_status_plugin(), "offline-sync")]
    for plugin, name in (order if trace_first else order[::-1]):
        sdd_plugin(plugin, name)
    root = project({"auth/login/spec.md": 1}, {"src/a.py": "# @spec auth/login#REQ-01\n"})
    status = run_sdd("-C", str(root), "sync", "status")
    assert status.exit_code == 0 and status.stdout == "sync status: up to date\n"
    for args in (("sync",), ("sync", "auth/login"), ("sync", "--ci", "--threshold", "80")):
        result = run_sdd("-C", str(root), *args)
        assert result.exit_code == 0, (args, result.output)
        assert "auth/login#REQ-01  implemented  src/a.py:1" in result.stdout
    helptext = run_sdd("sync", "--help").stdout
    assert "status" in helptext and "coverage" in helptext
    assert "warning" not in status.stderr


def test_loaded_from_its_entry_point(sdd_entrypoints, project, run_sdd):
    from sdd_core import get_plugin_manager

    get_plugin_manager().unregister_plugin("trace")
    sdd_entrypoints("trace")
    root = project({"auth/login/spec.md": 1}, {"src/a.py": "# @spec auth/login#REQ-01\n"})
    result = run_sdd("-C", str(root), "sync", "--ci")
    assert result.exit_code == 0, result.output
