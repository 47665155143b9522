"""The reference docs keep up with the code: every hook and every core command is documented."""

from __future__ import annotations

import inspect
import os
import re
from pathlib import Path

import click
import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _sections(path: Path) -> dict[str, str]:
    """``## heading`` -> the text up to the next ``## `` heading (fenced code skipped)."""
    out: dict[str, str] = {}
    current: str | None = None
    fence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        if not fence and line.startswith("## "):
            current = line[3:].strip().strip("`").strip()
            out[current] = ""
        elif current is not None:
            out[current] += line + "\n"
    return out


def _hookspecs() -> dict[str, object]:
    from sdd_core import hookspecs

    return {name: fn for name, fn in vars(hookspecs).items()
            if inspect.isfunction(fn) and hasattr(fn, "sdd_spec")}


def _core_commands() -> dict[str, click.Command]:
    """The commands of ``sdd`` with no entry-point plugin loaded (also at collection time,
    before the hermetic fixture of ``sdd_core.testing`` runs)."""
    from sdd_core import plugins
    from sdd_core.cli import build_cli

    saved = os.environ.get("SDD_LOAD_PLUGINS")
    os.environ["SDD_LOAD_PLUGINS"] = ""
    plugins.reset()
    try:
        return dict(build_cli().commands)
    finally:
        if saved is None:
            del os.environ["SDD_LOAD_PLUGINS"]
        else:
            os.environ["SDD_LOAD_PLUGINS"] = saved
        plugins.reset()


def test_hookspecs_are_found() -> None:
    from sdd_core.plugins import get_plugin_manager

    specs = _hookspecs()
    assert {"register_commands", "register_rules", "on_event"} <= set(specs)
    hook_names = {n for n in dir(get_plugin_manager().hook) if not n.startswith("_")}
    assert set(specs) == hook_names


@pytest.mark.parametrize("hook", sorted(_hookspecs()))
def test_every_hook_has_a_heading_in_hooks_md(hook: str) -> None:
    sections = _sections(DOCS / "hooks.md")
    assert hook in sections, f"docs/hooks.md has no '## {hook}' heading"
    text = sections[hook]
    fn = _hookspecs()[hook]
    for param in inspect.signature(fn).parameters:  # type: ignore[arg-type]
        assert re.search(rf"\b{param}\b", text), f"docs/hooks.md '## {hook}' never names {param!r}"
    firstresult = fn.sdd_spec.get("firstresult", False)  # type: ignore[attr-defined]
    assert ("firstresult" in text.lower() or "first result" in text.lower()), \
        f"docs/hooks.md '## {hook}' does not say whether it is firstresult"
    if firstresult:
        assert re.search(r"firstresult[^\n]*\byes\b|\bfirst (plugin|non-None)", text, re.I)


def test_hooks_md_documents_no_hook_that_does_not_exist() -> None:
    sections = _sections(DOCS / "hooks.md")
    hooks = set(_hookspecs())
    extra = {h for h in sections if re.fullmatch(r"[a-z_]+", h)} - hooks
    assert not extra, f"docs/hooks.md documents hooks that do not exist: {sorted(extra)}"


@pytest.mark.parametrize("command", sorted(_core_commands()))
def test_every_core_command_has_a_heading_in_cli_md(command: str) -> None:
    sections = _sections(DOCS / "cli.md")
    heading = f"sdd {command}"
    assert heading in sections, f"docs/cli.md has no '## {heading}' heading"
    text = sections[heading]
    cmd = _core_commands()[command]
    for param in cmd.params:
        if isinstance(param, click.Option):
            longs = [o for o in param.opts if o.startswith("--")]
            assert any(o in text for o in longs), \
                f"docs/cli.md '## {heading}' does not document {longs or param.opts}"
    assert "```" in text, f"docs/cli.md '## {heading}' has no example"


def test_cli_md_lists_every_builtin_rule_code(sdd_project) -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    project = sdd_project({})
    for code in project.rules.names():
        assert re.search(rf"`{code}`", text), f"docs/cli.md does not list rule {code}"


def test_index_links_every_doc() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([\w.-]+\.md)(?:#[\w-]+)?\)", index))
    pages = {p.name for p in DOCS.glob("*.md")} - {"index.md"}
    missing = pages - linked
    assert not missing, f"docs/index.md does not link {sorted(missing)}"


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def _block_with(path: Path, marker: str) -> str:
    hits = [b for b in _python_blocks(path) if marker in b]
    assert len(hits) == 1, f"{path.name}: expected one python block containing {marker!r}"
    return hits[0]


def test_local_plugin_example_of_writing_plugins_works(sdd_project, spec_text, run_sdd) -> None:
    code = _block_with(DOCS / "writing-plugins.md", "# .sdd/plugins/owner.py")
    project = sdd_project({
        ".sdd/plugins/owner.py": code,
        "auth/login/spec.md": spec_text(title="Login", extra={"owner": "@alice"}),
        "auth/logout/spec.md": spec_text(title="Logout"),
    })
    result = run_sdd("validate", "--format", "json", cwd=project.root)
    assert result.exit_code == 0, result.output
    assert [(f["code"], f["spec_id"], f["severity"]) for f in result.json()["findings"]] == [
        ("T001", "auth/logout", "warning")]
    listed = run_sdd("plugins", "--format", "json", cwd=project.root).json()["plugins"]
    assert "local:owner" in {p["name"] for p in listed}


def test_local_plugin_example_is_skipped_when_disabled(sdd_project, spec_text, run_sdd,
                                                       monkeypatch) -> None:
    monkeypatch.setenv("SDD_DISABLE_PLUGINS", "owner")
    code = _block_with(DOCS / "writing-plugins.md", "# .sdd/plugins/owner.py")
    project = sdd_project({
        ".sdd/plugins/owner.py": code,
        "auth/logout/spec.md": spec_text(title="Logout"),
    })
    result = run_sdd("validate", "--format", "json", cwd=project.root)
    assert result.exit_code == 0, result.output
    assert result.json()["findings"] == []


def test_command_and_settings_examples_of_writing_plugins_work(sdd_project, spec_text,
                                                               run_sdd) -> None:
    doc = DOCS / "writing-plugins.md"
    command = _block_with(doc, '@click.command("stale")')
    settings = _block_with(doc, 'register("stale", StaleSettings)')
    project = sdd_project({
        ".sdd/plugins/stale.py": command + "\n\n" + settings,
        ".sdd/config.yml": "version: 1\nstale:\n  days: 30\n",
        "a/old/spec.md": spec_text(title="Old", extra={"updated": "2020-01-01"}),
        "a/new/spec.md": spec_text(title="New", extra={"updated": "2999-01-01"}),
    })
    result = run_sdd("stale", "--format", "json", cwd=project.root)
    assert result.exit_code == 0, result.output
    assert [row["id"] for row in result.json()] == ["a/old"]
    helped = run_sdd("stale", "--help", cwd=project.root)
    assert "Example:  sdd stale --days 30 --format json" in helped.stdout
    (project.root / ".sdd/config.yml").write_text("version: 1\nstale:\n  dayz: 3\n")
    typo = run_sdd("stale", cwd=project.root)
    assert typo.exit_code == 3
    assert "dayz" in typo.stderr
