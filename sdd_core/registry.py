"""What plugins register through the ``register_*`` hooks, and the registry that collects it.

Hooks call ``register(thing)``; the core owns the collection, so hook order never matters:
a clash (two plugins registering the same name) is resolved in favour of a third-party
plugin over a built-in one and reported with both providers' names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

if TYPE_CHECKING:
    from sdd_core.basics import Severity
    from sdd_core.index import LoadResult
    from sdd_core.model import Finding, Spec
    from sdd_core.project import Project


@dataclass(frozen=True)
class RuleContext:
    """What a rule may look at besides the spec: the project and every spec by id."""

    project: "Project"
    specs: dict[str, "Spec"]
    result: "LoadResult"

    def resolve(self, ref: str, origin: "Spec | None" = None) -> "Spec | None":
        """The spec a reference (an id or a path) names, or ``None``."""
        return self.project.resolve_ref(ref, self.specs, origin)


@dataclass(frozen=True)
class Rule:
    """A validation rule.

    Give ``check`` for a per-spec rule (called once per spec) or ``check_project`` for a rule
    that needs every spec at once (duplicate ids, cycles). Both yield findings; a finding's
    severity defaults to the rule's when the rule builds it with :meth:`finding`.
    """

    code: str
    severity: Severity
    summary: str
    check: Callable[["Spec", RuleContext], Iterable[Finding]] | None = None
    check_project: Callable[[RuleContext], Iterable[Finding]] | None = None

    def finding(self, message: str, spec: "Spec | None" = None, line: int | None = None,
                path: str | None = None, severity: Severity | None = None) -> Finding:
        """A finding of this rule about ``spec`` (or ``path``) at ``line``."""
        from sdd_core.model import Finding

        return Finding(
            code=self.code, severity=severity or self.severity, message=message,
            path=path or (spec.path if spec is not None else None), line=line,
            spec_id=spec.id if spec is not None else None,
        )


@dataclass(frozen=True)
class Exporter:
    """An export format: ``export(project, specs, options) -> str | bytes`` or, for a
    directory format, writes into ``options['output']`` and returns ``None``."""

    name: str
    description: str
    export: Callable[..., Any]
    media_type: str = "text/plain"
    directory: bool = False


@dataclass(frozen=True)
class Importer:
    """An import format: ``load(project, source, options) -> list[dict]`` of spec drafts."""

    name: str
    description: str
    load: Callable[..., Any]


# the Registry lives with the plugin manager (on every command's start-up path); public here
from sdd_core.plugins import Registry  # noqa: E402,F401
