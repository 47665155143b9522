"""The plugin manager: entry points, allow/block lists, tracing, broken and local plugins,
shared command groups in any order, and a fast `sdd --help`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest

from sdd_core import ensure_group, hookimpl


def _fake_dist(where: Path, dist: str, entries: dict[str, str], modules: dict[str, str]) -> Path:
    """An installed distribution (dist-info with entry points) on a folder put on sys.path."""
    info = where / f"{dist}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[sdd]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items()))
    for name, code in modules.items():
        (where / f"{name}.py").write_text(textwrap.dedent(code))
    return where


GOOD = """
    import click
    from sdd_core import hookimpl

    @hookimpl
    def register_commands(cli):
        @cli.command("hello")
        def hello():
            "Say hello."
            click.echo("hello from a plugin")
"""


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = _fake_dist(tmp_path / "site", "sdd-fake", {"good": "fake_good", "broken": "fake_broken"},
                      {"fake_good": GOOD, "fake_broken": "raise ImportError('needs libfoo')\n"})
    monkeypatch.syspath_prepend(str(site))
    import importlib

    importlib.invalidate_caches()
    monkeypatch.delenv("SDD_LOAD_PLUGINS", raising=False)
    return site


def test_broken_plugin_warns_once_and_others_work(installed: Path, run_sdd) -> None:
    r = run_sdd("hello")
    assert r.exit_code == 0 and r.stdout == "hello from a plugin\n"
    assert r.stderr.count("plugin 'broken'") == 1
    assert "ImportError: needs libfoo" in r.stderr and "SDD_DISABLE_PLUGINS=broken" in r.stderr
    data = run_sdd("plugins", "--format", "json").json()
    good = next(p for p in data["plugins"] if p["name"] == "good")
    assert good["kind"] == "entrypoint" and good["version"] == "0.1"
    assert good["distribution"] == "sdd-fake" and good["hooks"] == ["register_commands"]
    assert data["failed"] == [{"name": "broken", "error": "ImportError: needs libfoo"}]


def test_disable_and_allow_lists(installed: Path, run_sdd, monkeypatch) -> None:
    monkeypatch.setenv("SDD_DISABLE_PLUGINS", "broken")
    r = run_sdd("hello")
    assert r.exit_code == 0 and "broken" not in r.stderr
    monkeypatch.delenv("SDD_DISABLE_PLUGINS")
    monkeypatch.setenv("SDD_LOAD_PLUGINS", "broken")
    from sdd_core import plugins

    plugins.reset()
    r2 = run_sdd("hello")
    assert r2.exit_code == 2  # good is not on the allow-list: no such command
    monkeypatch.setenv("SDD_LOAD_PLUGINS", "")
    plugins.reset()
    names = [p["name"] for p in run_sdd("plugins", "--format", "json").json()["plugins"]]
    assert not any(n in ("good", "broken") for n in names)


def test_trace_prints_hook_calls(installed: Path, run_sdd, monkeypatch) -> None:
    monkeypatch.setenv("SDD_TRACE_PLUGINS", "1")
    monkeypatch.setenv("SDD_DISABLE_PLUGINS", "broken")
    r = run_sdd("hello")
    assert "sdd: trace: register_commands" in r.stderr


def test_project_local_plugin_adds_rule_and_command(sdd_project, spec_text, run_sdd) -> None:
    p = sdd_project({
        "a/one/spec.md": spec_text("a/one"),
        ".sdd/plugins/team_rules.py": """
from sdd_core import hookimpl, Rule, Severity
import click

def check(spec, ctx):
    if "owner" not in spec.meta:
        yield RULE.finding("every spec needs an owner", spec, 1)

RULE = Rule("T001", Severity.ERROR, "specs name an owner", check=check)

@hookimpl
def register_rules(register):
    register(RULE)

@hookimpl
def register_commands(cli):
    @cli.command("owners")
    def owners():
        click.echo("owners!")
""",
    })
    r = run_sdd("validate", cwd=p.root)
    assert r.exit_code == 1 and "error T001 every spec needs an owner" in r.stdout
    assert run_sdd("owners", cwd=p.root).stdout == "owners!\n"
    names = {x["name"]: x for x in run_sdd("plugins", "--format", "json", cwd=p.root).json()["plugins"]}
    assert names["local:team_rules"]["kind"] == "local"


def test_broken_local_plugin_warns(tmp_path: Path, spec_text, run_sdd) -> None:
    from sdd_core.testing import write_project

    root = write_project(tmp_path / "p", {"a/one/spec.md": spec_text("a/one"),
                                          ".sdd/plugins/bad.py": "def (:\n"})
    r = run_sdd("list", cwd=root)
    assert r.exit_code == 0 and "a/one" in r.stdout
    assert "plugin 'local:bad'" in r.stderr and "SyntaxError" in r.stderr


class _TraceLike:
    """Owns the default command of `sdd sync`."""

    @hookimpl
    def register_commands(self, cli):  # type: ignore[no-untyped-def]
        group = ensure_group(cli, "sync", help="Traceability and offline sync.")

        @click.command("check")
        @click.argument("spec", required=False)
        @click.option("--ci", is_flag=True)
        def check(spec, ci):  # type: ignore[no-untyped-def]
            click.echo(f"check spec={spec} ci={ci}")

        group.set_default(check)


class _OfflineLike:
    """Adds subcommands to the same group."""

    @hookimpl
    def register_commands(self, cli):  # type: ignore[no-untyped-def]
        group = ensure_group(cli, "sync")

        @group.command("status")
        def status():  # type: ignore[no-untyped-def]
            click.echo("offline status")


@pytest.mark.parametrize("order", [("trace", "offline"), ("offline", "trace")])
def test_two_plugins_share_a_group_in_any_order(order, sdd_plugin, run_sdd) -> None:
    plugins = {"trace": _TraceLike(), "offline": _OfflineLike()}
    for name in order:
        sdd_plugin(plugins[name], name)
    assert run_sdd("sync", "status").stdout == "offline status\n"
    assert run_sdd("sync").stdout == "check spec=None ci=False\n"
    assert run_sdd("sync", "auth/login", "--ci").stdout == "check spec=auth/login ci=True\n"
    assert run_sdd("sync", "--ci").stdout == "check spec=None ci=True\n"
    help_text = run_sdd("sync", "--help").stdout
    assert "status" in help_text and "check" in help_text


def test_clashing_subcommands_are_reported(sdd_plugin, run_sdd) -> None:
    sdd_plugin(_OfflineLike(), "one")
    sdd_plugin(_OfflineLike(), "two")
    r = run_sdd("sync", "status")
    assert r.exit_code == 0
    assert "'sdd sync status' is defined by both" in r.stderr


def test_plugin_rule_and_exporter_clash_third_party_wins(sdd_project, spec_text, run_sdd,
                                                         sdd_plugin) -> None:
    from sdd_core import Exporter

    class Mine:
        @hookimpl
        def register_exporters(self, register):  # type: ignore[no-untyped-def]
            register(Exporter("json", "my json", lambda project, specs, options: "MINE\n"))

    sdd_plugin(Mine(), "mine")
    p = sdd_project({"a/one/spec.md": spec_text("a/one")})
    r = run_sdd("export", "--format", "json", cwd=p.root)
    assert r.stdout == "MINE\n" and "registered by both" not in r.stderr


def test_help_is_fast_and_imports_no_heavy_modules(tmp_path: Path) -> None:
    """`sdd --help` with every plugin installed in this environment loads no heavy library."""
    code = (
        "import sys\n"
        "from sdd_core.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('networkx', 'pydantic', 'yaml', 'markdown_it', 'jinja2',"
        " 'ruamel', 'fastapi', 'uvicorn', 'whoosh', 'sqlite3', 'psycopg', 'rich')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDD_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd=tmp_path)
    assert "Commands:" in out.stdout
    assert "HEAVY []" in out.stderr, out.stderr


def test_entry_points_are_cached_per_environment(installed: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from sdd_core import plugins

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = plugins.installed_entry_points()
    assert ("good", "fake_good", "sdd-fake", "0.1") in first
    assert (tmp_path / "cache" / "sdd" / "entry-points.json").exists()

    def no_scan() -> list:
        raise AssertionError("scanned although nothing changed")

    monkeypatch.setattr(plugins, "_scan_entry_points", no_scan)
    assert plugins.installed_entry_points() == first
    # installing a package changes its folder's time: the next call scans again
    _fake_dist(installed, "sdd-more", {"more": "fake_more"}, {"fake_more": GOOD})
    os.utime(installed, ns=(1, os.stat(installed).st_mtime_ns + 10**9))
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.syspath_prepend(str(installed))
    assert "more" in [row[0] for row in plugins.installed_entry_points()]
