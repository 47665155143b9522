"""The plugin template: generate a plugin, install it, and check that ``sdd`` uses it.

The generated plugin is installed into the running interpreter's environment (like a user's
``pip install``) and uninstalled afterwards, whatever happens.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sdd_core.testing import make_spec_text, write_project

TEMPLATE = Path(__file__).resolve().parents[1]


def _generate(out: Path, **context: str) -> Path:
    from cookiecutter.main import cookiecutter

    return Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(out),
                             extra_context=context))


def _env() -> dict[str, str]:
    """The environment of a real user: installed plugins load."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("SDD_LOAD_PLUGINS", "SDD_DISABLE_PLUGINS", "SDD_TRACE_PLUGINS",
                        "SDD_PROJECT", "PYTEST_ADDOPTS")}
    env["NO_COLOR"] = "1"
    return env


def _sdd_cmd() -> list[str]:
    script = Path(sys.executable).with_name("sdd")
    return [str(script)] if script.exists() else [
        sys.executable, "-c", "from sdd_core.cli import main; main()"]


def _sdd(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_sdd_cmd(), *args], cwd=cwd, env=_env(), capture_output=True,
                          text=True, timeout=120)


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          env=_env(), capture_output=True, text=True, timeout=300)


def test_defaults_render_a_complete_plugin(tmp_path: Path) -> None:
    plugin = _generate(tmp_path)
    assert plugin.name == "sdd-overview-check"
    files = sorted(p.relative_to(plugin).as_posix() for p in plugin.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "pyproject.toml",
        "sdd_overview_check/__init__.py",
        "sdd_overview_check/py.typed",
        "tests/test_overview_check.py",
    ]
    for rel in files:
        text = (plugin / rel).read_text(encoding="utf-8")
        assert "{{" not in text and "{%" not in text, f"unrendered Jinja in {rel}"
        if rel.endswith(".py"):
            compile(text, rel, "exec")
    import tomllib

    meta = tomllib.loads((plugin / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["build-system"]["build-backend"] == "hatchling.build"
    assert meta["project"]["name"] == "sdd-overview-check"
    assert meta["project"]["entry-points"]["sdd"] == {"overview-check": "sdd_overview_check"}
    assert any(d.startswith("sdd-core") for d in meta["project"]["dependencies"])


def test_names_are_derived_from_the_plugin_name(tmp_path: Path) -> None:
    plugin = _generate(tmp_path, plugin_name="Release Notes", rule_code="RN01")
    assert plugin.name == "sdd-release-notes"
    assert (plugin / "sdd_release_notes" / "__init__.py").is_file()
    assert (plugin / "tests" / "test_release_notes.py").is_file()
    source = (plugin / "sdd_release_notes" / "__init__.py").read_text(encoding="utf-8")
    assert 'RULE_CODE = "RN01"' in source
    assert 'COMMAND = "release-notes"' in source


def test_generated_plugin_installs_and_runs(tmp_path: Path) -> None:
    try:
        import hatchling  # noqa: F401
    except ImportError:
        pytest.fail("hatchling is needed to build the generated plugin: "
                    "pip install -e '.[test]'")
    suffix = str(os.getpid())
    name, module, code = f"tplprobe-{suffix}", f"sdd_tplprobe_{suffix}", "X901"
    plugin = _generate(tmp_path / "out", plugin_name=f"tplprobe {suffix}", rule_code=code)
    assert plugin.name == f"sdd-{name}"

    installed = _pip("install", "--no-deps", "--no-build-isolation", "--no-index", str(plugin))
    try:
        assert installed.returncode == 0, installed.stdout + installed.stderr

        # the module stays light: importing it pulls in no heavy library
        probe = subprocess.run(
            [sys.executable, "-c", f"import sys, {module}; print(sorted(m for m in sys.modules"
             " if m.split('.')[0] in ('pydantic', 'yaml', 'jinja2', 'markdown_it')))"],
            env=_env(), capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert probe.returncode == 0, probe.stderr
        assert probe.stdout.strip() == "[]"

        # `sdd plugins` lists it, found through its entry point
        listed = _sdd("plugins", "--format", "json", cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        data: dict[str, Any] = json.loads(listed.stdout)
        mine = [p for p in data["plugins"] if p["name"] == name]
        assert len(mine) == 1, [p["name"] for p in data["plugins"]]
        assert mine[0]["kind"] == "entrypoint"
        assert mine[0]["distribution"] == f"sdd-{name}"
        assert mine[0]["version"] == "0.1.0"
        assert "register_rules" in mine[0]["hooks"]

        # `sdd validate` runs its rule: one spec lacks an Overview section, one has it
        proj = write_project(tmp_path / "proj", {
            "auth/login/spec.md": make_spec_text(title="Login"),
            "auth/logout/spec.md": make_spec_text(title="Logout",
                                                  body_extra="## Overview\n\nWhy."),
        })
        checked = _sdd("-C", str(proj), "validate", "--format", "json")
        assert checked.returncode == 1, checked.stdout + checked.stderr
        report = json.loads(checked.stdout)
        mine_findings = [f for f in report["findings"] if f["code"] == code]
        assert [(f["path"], f["severity"]) for f in mine_findings] == [
            (".sdd/specs/auth/login/spec.md", "error")]
        assert report["errors"] == 1

        # the table output names the code too, with file and line
        table = _sdd("-C", str(proj), "validate")
        assert table.returncode == 1
        assert f".sdd/specs/auth/login/spec.md:{mine_findings[0]['line']}: error {code}" \
            in table.stdout

        # SDD_DISABLE_PLUGINS turns it off
        env = _env() | {"SDD_DISABLE_PLUGINS": name}
        off = subprocess.run([*_sdd_cmd(), "-C", str(proj), "validate"], env=env,
                             capture_output=True, text=True, timeout=120)
        assert off.returncode == 0, off.stdout + off.stderr

        # the generated plugin's own tests pass (they load it through sdd_entrypoints)
        tests = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(plugin)],
            cwd=plugin, env=_env(), capture_output=True, text=True, timeout=300)
        assert tests.returncode == 0, tests.stdout + tests.stderr
        assert " passed" in tests.stdout and "failed" not in tests.stdout
    finally:
        removed = _pip("uninstall", "-y", f"sdd-{name}")
        shutil.rmtree(plugin, ignore_errors=True)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    after = _sdd("plugins", "--format", "json", cwd=tmp_path)
    assert name not in {p["name"] for p in json.loads(after.stdout)["plugins"]}



@pytest.mark.parametrize("context", [
    {"plugin_name": "release notes!"},
    {"plugin_name": "9lives"},
    {"plugin_name": "ok name", "rule_code": "x1"},
])
def test_bad_names_are_refused_before_anything_is_written(tmp_path: Path,
                                                          context: dict[str, str]) -> None:
    from cookiecutter.exceptions import FailedHookException

    with pytest.raises(FailedHookException):
        _generate(tmp_path, **context)
    assert list(tmp_path.iterdir()) == []
