"""``Project.setting``: one config value without validating the whole config each run, from
the record of an earlier validation of the same file under the same plugins."""

from __future__ import annotations

import json
from pathlib import Path

from sdd_core.project import Project


def _project(tmp_path: Path, config: str) -> Path:
    root = tmp_path / "p"
    (root / ".sdd" / "specs").mkdir(parents=True)
    (root / ".sdd" / "config.yml").write_text(config, encoding="utf-8")
    return root


def test_first_read_validates_and_records_later_reads_use_the_record(tmp_path: Path) -> None:
    root = _project(tmp_path, "search:\n  backend: scan\n")
    first = Project(root)
    assert first.setting("search", "backend") == "scan"
    assert "config" in first.__dict__  # validated: nothing was recorded yet
    record = json.loads((root / ".sdd/.cache/config.json").read_text())
    assert record["config"]["search"] == {"backend": "scan"}

    second = Project(root)
    assert second.setting("search", "backend") == "scan"
    assert second.setting("index", "backend") is None
    assert "config" not in second.__dict__  # answered from the record, no validation


def test_an_edited_config_is_validated_again(tmp_path: Path) -> None:
    root = _project(tmp_path, "search:\n  backend: scan\n")
    Project(root).setting("search", "backend")
    (root / ".sdd/config.yml").write_text("search:\n  backend: other\n", encoding="utf-8")
    again = Project(root)
    assert again.setting("search", "backend") == "other"
    assert "config" in again.__dict__


def test_an_invalid_config_is_never_recorded_and_every_command_reports_it(
        tmp_path: Path, run_sdd) -> None:
    root = _project(tmp_path, "search:\n  backend: scan\n")
    assert run_sdd("query", "status:draft", cwd=root).exit_code == 0
    (root / ".sdd/config.yml").write_text("search:\n  backend: scan\n  colour: red\n",
                                          encoding="utf-8")
    for _ in range(2):
        r = run_sdd("query", "status:draft", cwd=root)
        assert r.exit_code == 3 and "unknown key 'search.colour'" in r.stderr
    record = json.loads((root / ".sdd/.cache/config.json").read_text())
    assert "colour" not in record["config"]["search"]


def test_a_record_with_another_key_is_ignored(tmp_path: Path) -> None:
    root = _project(tmp_path, "search:\n  backend: scan\n")
    Project(root).setting("search", "backend")
    path = root / ".sdd/.cache/config.json"
    record = json.loads(path.read_text())
    record["key"] = "0" * 64
    record["config"]["search"]["backend"] = "forged"
    path.write_text(json.dumps(record))
    assert Project(root).setting("search", "backend") == "scan"


def test_a_settings_plugin_changes_the_key(tmp_path: Path, sdd_plugin) -> None:
    """A plugin that adds a section: the record made without it does not apply."""
    from pydantic import BaseModel

    from sdd_core import hookimpl

    root = _project(tmp_path, "search:\n  backend: scan\n")
    Project(root).setting("search", "backend")

    class Extra(BaseModel):
        level: int = 1

    class Plugin:
        @hookimpl
        def register_settings(self, register):  # type: ignore[no-untyped-def]
            register("extra", Extra)

    sdd_plugin(Plugin(), "extra-settings")
    with_plugin = Project(root)
    assert with_plugin.setting("extra", "level") == 1
    assert "config" in with_plugin.__dict__  # not from the record made without the plugin


def test_an_unwritable_cache_folder_still_answers(tmp_path: Path) -> None:
    root = _project(tmp_path, "index:\n  backend: files\n")
    (root / ".sdd/.cache").write_text("not a folder")
    assert Project(root).setting("index", "backend") == "files"
    assert Project(root).setting("index", "backend") == "files"
