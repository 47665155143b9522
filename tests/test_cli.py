"""The base commands, run the way a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def test_init_is_idempotent_and_force_rewrites(tmp_path: Path, run_sdd) -> None:
    r = run_sdd("init", str(tmp_path / "p"))
    assert r.exit_code == 0, r.output
    sdd = tmp_path / "p" / ".sdd"
    for rel in ("constitution.md", "config.yml", "templates/spec.md.j2", ".gitignore"):
        assert (sdd / rel).is_file(), rel
    assert (sdd / "specs").is_dir()
    assert ".cache/" in (sdd / ".gitignore").read_text()
    (sdd / "config.yml").write_text("version: 1\nproject:\n  name: mine\n")
    r2 = run_sdd("init", str(tmp_path / "p"))
    assert r2.exit_code == 0 and "nothing changed" in r2.stderr
    assert "mine" in (sdd / "config.yml").read_text()
    r3 = run_sdd("init", str(tmp_path / "p"), "--force")
    assert r3.exit_code == 0 and "mine" not in (sdd / "config.yml").read_text()


def test_new_list_show_status_validate(tmp_path: Path, run_sdd) -> None:
    proj = tmp_path / "p"
    assert run_sdd("init", str(proj)).exit_code == 0
    r = run_sdd("new", "auth/login", "--title", "Login", cwd=proj)
    assert r.exit_code == 0, r.output
    r = run_sdd("new", "auth/session", "--depends", "auth/login", "--status", "review", cwd=proj)
    assert r.exit_code == 0, r.output
    assert (proj / ".sdd/specs/auth/session/spec.md").is_file()

    listed = run_sdd("list", "--format", "json", cwd=proj).json()
    assert [(s["id"], s["status"], s["depends"]) for s in listed] == [
        ("auth/login", "draft", []), ("auth/session", "review", ["auth/login"])]
    only_review = run_sdd("list", "--status", "review", "--format", "json", cwd=proj).json()
    assert [s["id"] for s in only_review] == ["auth/session"]
    csv_out = run_sdd("list", "--format", "csv", cwd=proj).stdout.splitlines()
    assert csv_out[0].startswith("id,title,status") and len(csv_out) == 3

    shown = run_sdd("show", "auth/login", "--format", "json", cwd=proj).json()
    assert shown["title"] == "Login" and shown["dependents"] == ["auth/session"]
    assert shown["requirements"][0]["id"] == "REQ-01"
    md = run_sdd("show", ".sdd/specs/auth/login/spec.md", cwd=proj)
    assert md.exit_code == 0 and md.stdout.startswith("---\nid: auth/login")

    status = run_sdd("status", "--format", "json", cwd=proj).json()
    assert status["total"] == 2
    assert status["by_status"] == {"draft": 1, "review": 1}
    assert status["by_domain"] == {"auth": 2}

    v = run_sdd("validate", "--format", "json", cwd=proj)
    assert v.exit_code == 0, v.output
    assert v.json()["valid"] is True and v.json()["specs"] == 2


def test_new_refuses_unknown_dependency_and_existing_spec(tmp_path: Path, run_sdd) -> None:
    proj = tmp_path / "p"
    run_sdd("init", str(proj))
    r = run_sdd("new", "a/b", "--depends", "nope/x", cwd=proj)
    assert r.exit_code == 1 and "nope/x" in r.stderr
    assert not (proj / ".sdd/specs/a/b/spec.md").exists()
    assert run_sdd("new", "a/b", cwd=proj).exit_code == 0
    again = run_sdd("new", "a/b", cwd=proj)
    assert again.exit_code == 5 and "already exists" in again.stderr


def test_new_uses_project_template(tmp_path: Path, run_sdd) -> None:
    proj = tmp_path / "p"
    run_sdd("init", str(proj))
    (proj / ".sdd/templates/spec.md.j2").write_text(
        "---\nid: {{ id }}\nteam: platform\n---\n# {{ title }}\nCustom template.\n")
    assert run_sdd("new", "x/y", "--title", "Why", cwd=proj).exit_code == 0
    text = (proj / ".sdd/specs/x/y/spec.md").read_text()
    assert "team: platform" in text and "# Why" in text


def test_validate_reports_file_line_and_exits_1(sdd_project, spec_text, run_sdd) -> None:
    p = sdd_project({
        "a/one/spec.md": spec_text("a/one", depends=["a/missing"]),
        "a/two/spec.md": "---\nid: a/two\nstatus: bogus\ncreated: 2026-01-01\n---\n# Two\n",
    })
    r = run_sdd("validate", cwd=p.root)
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert ".sdd/specs/a/one/spec.md:6: error E207 depends on 'a/missing'" in "\n".join(lines)
    assert any(line.startswith(".sdd/specs/a/two/spec.md:3: error E202") for line in lines)
    assert any("E204" in line and "a/two" in line for line in lines)
    data = run_sdd("validate", "--format", "json", cwd=p.root).json()
    assert data["valid"] is False
    assert {f["code"] for f in data["findings"]} >= {"E207", "E202", "E204", "E205", "W004"}


def test_validate_strict_and_path_filter(sdd_project, spec_text, run_sdd) -> None:
    p = sdd_project({
        "a/one/spec.md": spec_text("a/one", created=None),
        "b/two/spec.md": spec_text("b/two", created=None),
    })
    r = run_sdd("validate", cwd=p.root)
    assert r.exit_code == 0 and r.stdout.count("W001") == 2
    strict = run_sdd("validate", "--strict", cwd=p.root)
    assert strict.exit_code == 1 and "[STRICT]" in strict.stdout
    only_a = run_sdd("validate", str(p.root / ".sdd/specs/a"), cwd=p.root)
    assert only_a.stdout.count("W001") == 1 and "a/one" in only_a.stdout


def test_config_ignores_and_overrides_severity(sdd_project, spec_text, run_sdd) -> None:
    p = sdd_project({
        "a/one/spec.md": spec_text("a/one", created=None),
        ".sdd/config.yml": "validation:\n  severity:\n    W001: error\n",
    })
    r = run_sdd("validate", cwd=p.root)
    assert r.exit_code == 1 and "error W001" in r.stdout
    (p.sdd_dir / "config.yml").write_text("validation:\n  ignore: [W001]\n")
    assert "W001" not in run_sdd("validate", cwd=p.root).stdout


def test_unknown_config_key_is_a_project_error(sdd_project, run_sdd) -> None:
    p = sdd_project({".sdd/config.yml": "validation:\n  strikt: true\n"})
    r = run_sdd("list", cwd=p.root)
    assert r.exit_code == 3
    assert "unknown key 'validation.strikt'" in r.stderr and "strict" in r.stderr
    p2 = sdd_project({".sdd/config.yml": "colour: blue\n"}, root=p.root.parent / "q")
    r2 = run_sdd("list", cwd=p2.root)
    assert r2.exit_code == 3 and "unknown key 'colour'" in r2.stderr


def test_no_project_is_exit_3_without_traceback(tmp_path: Path, run_sdd) -> None:
    r = run_sdd("list", cwd=tmp_path)
    assert r.exit_code == 3
    assert "no SDD project found" in r.stderr and "Traceback" not in r.output


def test_project_option_and_env(sdd_project, spec_text, run_sdd, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    p = sdd_project({"a/one/spec.md": spec_text("a/one")})
    r = run_sdd("-C", str(p.root / ".sdd/specs"), "list", "--format", "json", cwd=tmp_path)
    assert [s["id"] for s in r.json()] == ["a/one"]
    monkeypatch.setenv("SDD_PROJECT", str(p.root))
    assert [s["id"] for s in run_sdd("list", "--format", "json", cwd=tmp_path).json()] == ["a/one"]


def test_export_formats(sdd_project, spec_text, run_sdd, tmp_path: Path) -> None:
    p = sdd_project({"a/one/spec.md": spec_text("a/one", title="One <b>"),
                     "a/two/spec.md": spec_text("a/two", title="Two", depends=["a/one"])})
    data = json.loads(run_sdd("export", "--format", "json", cwd=p.root).stdout)
    assert [s["id"] for s in data["specs"]] == ["a/one", "a/two"]
    md = run_sdd("export", "--format", "markdown", cwd=p.root).stdout
    assert "# One <b>" in md and "depends: a/one" in md
    out = tmp_path / "site.html"
    r = run_sdd("export", "--format", "html", "-o", str(out), cwd=p.root)
    assert r.exit_code == 0, r.output
    html = out.read_text()
    assert "One &lt;b&gt;" in html and 'href="#spec-a-one"' in html
    bad = run_sdd("export", "--format", "pdf", cwd=p.root)
    assert bad.exit_code == 2 and "json" in bad.stderr


def test_plugins_lists_builtins_with_hooks(run_sdd) -> None:
    data = run_sdd("plugins", "--format", "json").json()
    by_name = {p["name"]: p for p in data["plugins"]}
    assert "register_rules" in by_name["sdd.rules"]["hooks"]
    assert by_name["sdd.commands"]["kind"] == "builtin"


def test_help_shows_examples(run_sdd) -> None:
    for cmd in ("init", "new", "list", "show", "status", "validate", "export", "plugins"):
        r = run_sdd(cmd, "--help")
        assert r.exit_code == 0 and "Example:" in r.stdout, cmd


def test_debug_shows_traceback_for_unexpected_errors(sdd_project, spec_text, run_sdd,
                                                     sdd_plugin) -> None:
    from sdd_core import hookimpl

    class Boom:
        @hookimpl
        def register_commands(self, cli):  # type: ignore[no-untyped-def]
            import click

            @cli.command("boom")
            def boom() -> None:
                raise RuntimeError("kaput")

    sdd_plugin(Boom(), "boom")
    r = run_sdd("boom")
    assert r.exit_code == 1 and "unexpected RuntimeError: kaput" in r.stderr
    assert "Traceback" not in r.output
    r2 = run_sdd("--debug", "boom")
    assert isinstance(r2.exception, RuntimeError)


def test_csv_cells_with_line_breaks_and_formulas_stay_in_their_row(sdd_project, spec_text,
                                                                    run_sdd) -> None:
    import csv
    import io

    p = sdd_project({"a/one/spec.md": spec_text("a/one", title="=cmd|' /C calc'!A0 and\rmore")})
    out = run_sdd("list", "--format", "csv", cwd=p.root).stdout
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert len(rows) == 2
    assert rows[1][1] == "'=cmd|' /C calc'!A0 and\rmore"
