"""Repository rules: every plugin is a proper, documented, installable plugin, and the arrows
between packages point the right way."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = sorted(p for p in (ROOT / "plugins").glob("sdd-*") if (p / "pyproject.toml").exists())


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_there_are_plugins() -> None:
    assert len(PLUGINS) >= 2


def test_umbrella_install_lists_every_plugin() -> None:
    listed = set(re.findall(r"^-e (plugins/sdd-[\w-]+)", (ROOT / "requirements-dev.txt").read_text(),
                            re.M))
    assert listed == {f"plugins/{p.name}" for p in PLUGINS}


@pytest.mark.parametrize("plugin", PLUGINS, ids=lambda p: p.name)
def test_plugin_layout(plugin: Path) -> None:
    meta = tomllib.loads((plugin / "pyproject.toml").read_text())
    name = meta["project"]["name"]
    assert name == plugin.name
    package = name.replace("-", "_")
    assert (plugin / package / "py.typed").exists()
    assert (plugin / "README.md").exists() and (plugin / "tests").is_dir()
    deps = " ".join(meta["project"].get("dependencies", []))
    if name != "sdd-sdk":  # the SDK is a client library, not a plugin
        assert "sdd-core" in deps
        eps = meta["project"].get("entry-points", {}).get("sdd", {})
        assert eps and all(v.split(":")[0].split(".")[0] == package for v in eps.values())
    readme = (ROOT / "README.md").read_text()
    assert name in readme, f"README.md does not mention {name}"


def test_core_imports_no_plugin() -> None:
    plugin_packages = {p.name.replace("-", "_") for p in PLUGINS}
    for path in (ROOT / "sdd_core").rglob("*.py"):
        assert not (_imports(path) & plugin_packages), path


@pytest.mark.parametrize("plugin", PLUGINS, ids=lambda p: p.name)
def test_plugin_imports_only_declared_plugins(plugin: Path) -> None:
    """A plugin may use another plugin only through a declared dependency (its public API)."""
    meta = tomllib.loads((plugin / "pyproject.toml").read_text())
    declared = {re.split(r"[\s<>=!~\[;]", d)[0].replace("-", "_").lower()
                for d in meta["project"].get("dependencies", [])}
    own = plugin.name.replace("-", "_")
    others = {p.name.replace("-", "_") for p in PLUGINS} - {own}
    package = plugin / own
    for path in package.rglob("*.py"):
        used = _imports(path) & others
        assert used <= declared, f"{path} imports {used - declared} without declaring it"


def test_test_module_names_are_unique() -> None:
    """pytest imports test modules by file name: two test_x.py files in different plugins
    would clash when the whole suite runs together."""
    seen: dict[str, Path] = {}
    for base in (ROOT / "tests", ROOT / "plugins", ROOT / "cookiecutter-plugin" / "tests"):
        for path in base.rglob("test_*.py"):
            if "node_modules" in path.parts or "{{" in str(path):
                continue
            assert path.name not in seen, f"{path} and {seen[path.name]} share a name"
            seen[path.name] = path


def test_tests_do_not_import_from_conftest() -> None:
    """Every plugin has a conftest.py; ``from conftest import`` gets whichever one the whole
    suite imported first. Shared test helpers live in a module with a unique name."""
    for base in (ROOT / "tests", ROOT / "plugins"):
        for path in base.rglob("test_*.py"):
            if "node_modules" in path.parts:
                continue
            assert "conftest" not in _imports(path), path
