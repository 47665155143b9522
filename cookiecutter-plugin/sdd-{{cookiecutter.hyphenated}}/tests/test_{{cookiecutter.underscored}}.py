"""Tests of sdd-{{ cookiecutter.hyphenated }}, through the ``sdd`` command line.

The fixtures come from ``sdd_core.testing`` (a pytest plugin loaded automatically):
``sdd_project`` makes a project, ``spec_text`` writes a valid spec, ``run_sdd`` runs the CLI
and ``sdd_entrypoints`` loads this plugin's installed entry point for one test.
"""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

NAME = "{{ cookiecutter.hyphenated }}"
CODE = "{{ cookiecutter.rule_code }}"
SECTION = "{{ cookiecutter.underscored }}"


@pytest.fixture
def plugin(sdd_entrypoints):
    """Load this plugin the way ``sdd`` does: through its installed entry point."""
    if not entry_points(group="sdd", name=NAME):
        pytest.fail(f"entry point {NAME!r} is not installed: pip install -e the plugin first")
    sdd_entrypoints(NAME)


@pytest.fixture
def project(sdd_project, spec_text):
    """Two specs: one with an Overview section, one without."""
    return sdd_project({
        "auth/login/spec.md": spec_text(title="Login", body_extra="## Overview\n\nWhy login."),
        "auth/logout/spec.md": spec_text(title="Logout"),
    })


def test_listed_by_sdd_plugins(plugin, run_sdd, project):
    result = run_sdd("plugins", "--format", "json", cwd=project.root)
    assert result.exit_code == 0, result.output
    mine = [p for p in result.json()["plugins"] if p["name"] == NAME]
    assert len(mine) == 1
    assert mine[0]["kind"] == "entrypoint"
    assert {"register_rules", "register_commands", "register_settings"} <= set(mine[0]["hooks"])


def test_rule_flags_only_the_spec_without_overview(plugin, run_sdd, project):
    result = run_sdd("validate", "--format", "json", cwd=project.root)
    assert result.exit_code == 1, result.output
    mine = [f for f in result.json()["findings"] if f["code"] == CODE]
    assert [(f["spec_id"], f["path"], f["severity"]) for f in mine] == [
        ("auth/logout", ".sdd/specs/auth/logout/spec.md", "error")]
    # the spec's H1 title is on the line after the front matter and a blank line
    text = (project.root / mine[0]["path"]).read_text(encoding="utf-8").splitlines()
    assert text[mine[0]["line"] - 1] == "# Logout"


def test_rule_is_silent_without_the_plugin(run_sdd, project):
    result = run_sdd("validate", "--format", "json", cwd=project.root)
    assert result.exit_code == 0, result.output
    assert not [f for f in result.json()["findings"] if f["code"] == CODE]


def test_heading_comes_from_the_config(plugin, run_sdd, sdd_project, spec_text):
    proj = sdd_project({
        ".sdd/config.yml": f"version: 1\n{SECTION}:\n  heading: Purpose\n",
        "a/one/spec.md": spec_text(title="One", body_extra="## Purpose\n\nWhy."),
        "a/two/spec.md": spec_text(title="Two", body_extra="## Overview\n\nWhy."),
    })
    result = run_sdd("validate", "--format", "json", cwd=proj.root)
    flagged = [f["spec_id"] for f in result.json()["findings"] if f["code"] == CODE]
    assert flagged == ["a/two"]


def test_unknown_setting_is_a_project_error(plugin, run_sdd, sdd_project, spec_text):
    proj = sdd_project({
        ".sdd/config.yml": f"version: 1\n{SECTION}:\n  headline: Purpose\n",
        "a/one/spec.md": spec_text(title="One"),
    })
    result = run_sdd("validate", cwd=proj.root)
    assert result.exit_code == 3
    assert "headline" in result.stderr


def test_ignored_code_is_not_reported(plugin, run_sdd, sdd_project, spec_text):
    proj = sdd_project({
        ".sdd/config.yml": f"version: 1\nvalidation:\n  ignore: [{CODE}]\n",
        "a/one/spec.md": spec_text(title="One"),
    })
    result = run_sdd("validate", "--format", "json", cwd=proj.root)
    assert result.exit_code == 0, result.output
    assert result.json()["findings"] == []


def test_command_lists_specs_without_overview(plugin, run_sdd, project):
    result = run_sdd(NAME, "--format", "json", cwd=project.root)
    assert result.exit_code == 1, result.output
    assert [row["id"] for row in result.json()] == ["auth/logout"]


def test_command_succeeds_when_every_spec_has_one(plugin, run_sdd, sdd_project, spec_text):
    proj = sdd_project({"a/one/spec.md": spec_text(title="One", body_extra="## Overview\n\nx")})
    result = run_sdd(NAME, cwd=proj.root)
    assert result.exit_code == 0, result.output
    assert "0 spec(s)" in result.stderr


def test_command_help_shows_an_example(plugin, run_sdd, project):
    result = run_sdd(NAME, "--help", cwd=project.root)
    assert result.exit_code == 0
    assert f"sdd {NAME} --format json" in result.stdout
