"""What plugins register through the ``register_*`` hooks, and the registry that collects it.

Hooks call ``register(thing)``; the core owns the collection, so hook order never matters:
a clash (two plugins registering the same name) is resolved in favour of a third-party
plugin over a built-in one and reported with both providers' names.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Generic, Iterable, TypeVar

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


T = TypeVar("T")


@dataclass
class Registry(Generic[T]):
    """Named things collected from every plugin, with the plugin that provided each."""

    kind: str
    key: Callable[[T], str]
    items: dict[str, T] = field(default_factory=dict)
    providers: dict[str, str] = field(default_factory=dict)

    def add(self, item: T, provider: str, builtin: bool) -> None:
        """Add ``item``; on a clash a third-party plugin wins over a built-in one."""
        name = self.key(item)
        if name in self.items:
            old = self.providers[name]
            old_builtin = old.startswith("sdd.")
            if builtin and not old_builtin:
                return
            if not (old_builtin and not builtin):
                print(f"sdd: warning: {self.kind} {name!r} is registered by both {old!r} and"
                      f" {provider!r}; using {provider!r}", file=sys.stderr)
        self.items[name] = item
        self.providers[name] = provider

    def __getitem__(self, name: str) -> T:
        return self.items[name]

    def __contains__(self, name: object) -> bool:
        return name in self.items

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self.items)

    def values(self) -> list[T]:
        """Registered things, sorted by name."""
        return [self.items[n] for n in self.names()]
