"""SDD core: the spec model, the project API, the plugin hooks and the CLI root.

Plugin authors import their names from here::

    from sdd_core import hookimpl, Finding, Rule

Only ``__version__`` is defined eagerly; everything else (``hookimpl`` and ``hookspec``
too) is imported on first use, so that ``sdd --help`` stays fast and the launcher
(:mod:`sdd_core.launch`) starts its stat-ahead child before pluggy is even imported.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    import pluggy

    hookspec: pluggy.HookspecMarker
    hookimpl: pluggy.HookimplMarker

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "Spec": "sdd_core.model",
    "Requirement": "sdd_core.parts",
    "Scenario": "sdd_core.parts",
    "Step": "sdd_core.parts",
    "Section": "sdd_core.parts",
    "Finding": "sdd_core.model",
    "Severity": "sdd_core.basics",
    "Event": "sdd_core.model",
    "Actor": "sdd_core.basics",
    "STATUSES": "sdd_core.basics",
    "Rule": "sdd_core.registry",
    "RuleContext": "sdd_core.registry",
    "run_rules": "sdd_core.validation",
    "LoadResult": "sdd_core.index",
    "Exporter": "sdd_core.registry",
    "Importer": "sdd_core.registry",
    "IndexBackend": "sdd_core.index",
    "Project": "sdd_core.project",
    "parse_spec": "sdd_core.parsing",
    "SddError": "sdd_core.errors",
    "ProjectError": "sdd_core.errors",
    "PermissionDenied": "sdd_core.errors",
    "Conflict": "sdd_core.errors",
    "CheckFailed": "sdd_core.errors",
    "get_plugin_manager": "sdd_core.plugins",
    "atomic_write": "sdd_core.storage",
    "write_output": "sdd_core.storage",
    "ensure_group": "sdd_core.cli.groups",
    "output": "sdd_core.cli.output",
}

__all__ = ["__version__", "hookimpl", "hookspec", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in ("hookspec", "hookimpl"):
        import pluggy

        globals().setdefault("hookspec", pluggy.HookspecMarker("sdd"))
        globals().setdefault("hookimpl", pluggy.HookimplMarker("sdd"))
        return globals()[name]
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sdd_core' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = mod if name == "output" else getattr(mod, name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # pragma: no cover
    from sdd_core.cli import output
    from sdd_core.cli.groups import ensure_group
    from sdd_core.errors import CheckFailed, Conflict, PermissionDenied, ProjectError, SddError
    from sdd_core.index import IndexBackend, LoadResult
    from sdd_core.model import (
        STATUSES, Actor, Event, Finding, Requirement, Scenario, Section, Severity, Spec, Step,
    )
    from sdd_core.parsing import parse_spec
    from sdd_core.plugins import get_plugin_manager
    from sdd_core.project import Project
    from sdd_core.registry import Exporter, Importer, Rule, RuleContext
    from sdd_core.storage import atomic_write, write_output
    from sdd_core.validation import run_rules
