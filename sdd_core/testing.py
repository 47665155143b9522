"""A pytest plugin for SDD and its plugins (entry point ``pytest11``: loaded automatically).

Fixtures:

- ``sdd_project``: a function that makes a project in a temporary folder from
  ``{relative path: text}`` and returns the :class:`~sdd_core.project.Project`.
- ``sdd_plugin``: registers a plugin object for one test (unregistered afterwards).
- ``run_sdd``: runs the ``sdd`` CLI in-process like a user would; returns a result with
  ``exit_code``, ``stdout``, ``stderr`` and ``json()``.
- ``spec_text``: builds a valid spec's text from keyword arguments.

Tests run hermetically: installed entry-point plugins are not loaded unless the test sets
``SDD_LOAD_PLUGINS`` (or uses ``sdd_entrypoints``).
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import click
import pytest


@dataclass
class CliResult:
    """The outcome of one ``sdd`` invocation."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None

    def json(self) -> Any:
        """stdout parsed as JSON."""
        return json.loads(self.stdout)

    @property
    def output(self) -> str:
        """stdout and stderr together (for assertions on messages)."""
        return self.stdout + self.stderr


def make_spec_text(
    spec_id: str | None = None,
    *,
    title: str = "A spec",
    status: str = "draft",
    depends: list[str] | str | None = None,
    created: str | None = "2026-01-05",
    constitution_version: str | None = "1.0.0",
    extra: dict[str, Any] | None = None,
    requirements: list[str] | None = None,
    scenarios: int = 1,
    body_extra: str = "",
) -> str:
    """A valid spec's text; every part can be changed to make an invalid one."""
    import yaml

    meta: dict[str, Any] = {}
    if spec_id is not None:
        meta["id"] = spec_id
    meta["title"] = title
    meta["status"] = status
    if created:
        meta["created"] = created
    if depends is not None:
        meta["depends"] = depends
    if constitution_version:
        meta["constitution_version"] = constitution_version
    meta.update(extra or {})
    fm = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    reqs = requirements if requirements is not None else ["The system SHALL do the thing."]
    lines = ["---", fm.rstrip("\n"), "---", "", f"# {title}", "", "> What it is for.", "",
             "## Requirements", ""]
    for i, r in enumerate(reqs, 1):
        lines += [f"### REQ-{i:02d}: Requirement {i}", "", f"- {r}", ""]
    lines += ["## Scenarios", ""]
    for i in range(1, scenarios + 1):
        lines += [f"### Scenario {i}: Path {i}", "", "- **GIVEN** a state",
                  "- **WHEN** something happens", "- **THEN** the result holds", ""]
    if body_extra:
        lines += [textwrap.dedent(body_extra).strip("\n"), ""]
    return "\n".join(lines)


def write_project(root: Path, files: dict[str, str | bytes],
                  constitution: str | None = "1.0.0") -> Path:
    """Write an SDD project: ``files`` maps paths relative to ``.sdd/specs/`` (or, when they
    start with ``.sdd/`` or ``/``, to the root) to text or bytes."""
    sdd = root / ".sdd"
    (sdd / "specs").mkdir(parents=True, exist_ok=True)
    if constitution is not None and not (sdd / "constitution.md").exists():
        (sdd / "constitution.md").write_text(
            f"---\nversion: {constitution}\n---\n\n# Constitution\n", encoding="utf-8")
    for rel, content in files.items():
        if rel.startswith(".sdd/"):
            path = root / rel
        elif rel.startswith("/"):
            path = root / rel.lstrip("/")
        else:
            path = sdd / "specs" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def _reset_plugins() -> None:
    from sdd_core import plugins

    plugins.reset()


@pytest.fixture(autouse=True)
def _sdd_hermetic(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with a fresh plugin manager and no installed plugins."""
    for var in ("SDD_PROJECT", "SDD_DISABLE_PLUGINS", "SDD_TRACE_PLUGINS", "SDD_DEBUG",
                "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SDD_LOAD_PLUGINS", "")
    monkeypatch.setenv("SDD_USER", "tester")
    _reset_plugins()
    yield
    _reset_plugins()


@pytest.fixture
def sdd_entrypoints(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Allow installed entry-point plugins for this test: ``sdd_entrypoints("graph")``,
    or ``sdd_entrypoints()`` for all of them."""

    def allow(*names: str) -> None:
        if names:
            monkeypatch.setenv("SDD_LOAD_PLUGINS", ",".join(names))
        else:
            monkeypatch.delenv("SDD_LOAD_PLUGINS", raising=False)
        _reset_plugins()

    return allow


@pytest.fixture
def sdd_project(tmp_path: Path) -> Callable[..., Any]:
    """Make a project: ``sdd_project({"auth/login/spec.md": text}, constitution="1.0.0")``."""

    def make(files: dict[str, str | bytes] | None = None, *, constitution: str | None = "1.0.0",
             root: Path | None = None) -> Any:
        from sdd_core.project import Project

        where = write_project(root or tmp_path / "proj", files or {}, constitution)
        return Project(where)

    return make


@pytest.fixture
def spec_text() -> Callable[..., str]:
    """:func:`make_spec_text` as a fixture."""
    return make_spec_text


@pytest.fixture
def sdd_plugin() -> Iterator[Callable[[Any, str], Any]]:
    """Register a plugin (module, class or object with ``@hookimpl`` methods) for one test."""
    from sdd_core.plugins import get_plugin_manager

    names: list[str] = []

    def register(plugin: Any, name: str = "test-plugin") -> Any:
        pm = get_plugin_manager()
        pm.register_plugin(plugin, name, kind="registered")
        names.append(name)
        return plugin

    yield register
    from sdd_core import plugins

    if plugins._pm is not None:
        for name in names:
            plugins._pm.unregister_plugin(name)


class _BuiltInIsolation(click.Command):
    """Builds the real CLI inside the runner's isolation, so warnings printed while plugins
    load are captured like everything else."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        from sdd_core.cli import build_cli

        return build_cli().main(*args, **kwargs)


@pytest.fixture
def run_sdd(monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run ``sdd`` in-process: ``run_sdd("list", "--format", "json", cwd=path)``."""
    from click.testing import CliRunner

    def run(*args: str, cwd: Path | str | None = None, input: str | None = None,
            env: dict[str, str] | None = None) -> CliResult:
        old = os.getcwd()
        argv = [str(a) for a in args]
        try:
            if cwd is not None:
                os.chdir(cwd)
            monkeypatch.setattr(sys, "argv", ["sdd", *argv])
            runner = CliRunner()
            result = runner.invoke(_BuiltInIsolation("sdd"), argv, input=input, env=env,
                                   catch_exceptions=True, prog_name="sdd")
        finally:
            os.chdir(old)
        exc = result.exception if not isinstance(result.exception, SystemExit) else None
        return CliResult(result.exit_code, result.stdout, result.stderr, exc)

    return run


# The conformance suite every index backend must pass (docs/query.md).
from sdd_core.conformance import (  # noqa: E402
    EXAMPLE_QUERIES, IndexBackendConformance, assert_backend_conforms, check_example_project,
    check_generated, example_project_files, project_files, query_nodes, query_texts,
)

# The conformance suite every search backend must pass (docs/search.md).
from sdd_core.search_conformance import (  # noqa: E402
    FIXED_CASES, RELEVANCE_REQUIRED, SearchBackendConformance, check_hits, copy_corpus,
    corpus_files, relevance_rate, run_search,
)
