"""The whole-run validation memo: when nothing any built-in rule reads has changed, `sdd
validate` answers every finding from the cache without building a spec; any change that a
rule could see is validated again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def _report(run_sdd, root: Path) -> tuple[int, list[tuple[str, str | None, int | None]]]:  # type: ignore[no-untyped-def]
    r = run_sdd("validate", "--format", "json", cwd=root)
    data = r.json()
    return r.exit_code, [(f["code"], f["path"], f["line"]) for f in data["findings"]]


def _answered_from_memo(root: Path) -> bool:
    """Run the validation through the public API and tell whether any spec was built."""
    from sdd_core.project import Project
    from sdd_core.validation import run_rules

    project = Project(root)
    index = project.index()
    index.validation_findings(lambda result: run_rules(project, result))
    built = index._result is not None
    index.close()
    return not built


@pytest.fixture
def root(cached, sdd_project, spec_text) -> Path:  # type: ignore[no-untyped-def]
    proj = sdd_project({
        "a.md": spec_text("a", depends=["b"]),
        "b.md": spec_text("b", body_extra="See [c](./c.md) and [gone](./gone.md)."),
        "c.md": spec_text("c", requirements=["no keyword here"]),
    })
    return proj.root


def test_an_unchanged_project_is_answered_without_building_specs(root: Path, run_sdd) -> None:
    first = _report(run_sdd, root)
    assert first[0] == 1 and {"E204", "E208"} <= {code for code, _, _ in first[1]}
    assert _answered_from_memo(root)
    assert _report(run_sdd, root) == first


@pytest.mark.parametrize("change", ["edit", "rename", "link-target", "config", "constitution",
                                    "delete"])
def test_every_change_a_rule_can_see_is_validated_again(
        root: Path, run_sdd, no_cache, sdd_entrypoints, change: str) -> None:  # type: ignore[no-untyped-def]
    specs = root / ".sdd" / "specs"
    _report(run_sdd, root)
    assert _answered_from_memo(root)
    if change == "edit":
        text = (specs / "c.md").read_text().replace("no keyword here", "it MUST work")
        (specs / "c.md").write_text(text)
    elif change == "rename":
        os.rename(specs / "b.md", specs / "bb.md")
    elif change == "link-target":
        (specs / "gone.md").write_text("# not a spec\n")
    elif change == "config":
        (root / ".sdd" / "config.yml").write_text("validation:\n  ignore: [E204]\n")
    elif change == "constitution":
        (root / ".sdd" / "constitution.md").write_text("---\nversion: 2.0.0\n---\n# C\n")
    else:
        os.unlink(specs / "a.md")
    after = _report(run_sdd, root)
    assert _answered_from_memo(root)  # the new state is memoised in turn
    assert _report(run_sdd, root) == after
    no_cache()
    assert _report(run_sdd, root) == after  # what the file scan finds
    sdd_entrypoints("sqlite")


def test_a_plugin_rule_turns_the_memo_off(root: Path, run_sdd, sdd_plugin) -> None:
    """A plugin's rule may read anything (here: a file outside the specs), so with one
    installed every run checks again."""
    from sdd_core import Rule, Severity, hookimpl

    flag = root / "release.flag"

    def check_project(ctx):  # type: ignore[no-untyped-def]
        if flag.exists():
            yield Rule("X001", Severity.WARNING, "").finding("release flag is set",
                                                             path="release.flag", line=1)

    class Plugin:
        @hookimpl
        def register_rules(self, register):  # type: ignore[no-untyped-def]
            register(Rule("X001", Severity.WARNING, "no release flag",
                          check_project=check_project))

    sdd_plugin(Plugin(), "flag-rule")
    assert "X001" not in [c for c, _, _ in _report(run_sdd, root)[1]]
    assert not _answered_from_memo(root)
    flag.write_text("on")
    assert "X001" in [c for c, _, _ in _report(run_sdd, root)[1]]
