"""Validation rules of the graph plugin.

- G001 (error): a dependency cycle among ``depends``. Reported once per cycle (per strongly
  connected component), on the spec with the smallest id, at its ``depends`` line, naming
  one concrete cycle path.
- G002 (error): a dependency a ``domains.yml`` rule forbids: a spec of domain A depending on
  a spec of domain B, or a declared domain dependency in ``domains.yml`` itself.
- G003 (warning): a spec in a domain ``domains.yml`` does not declare (only when the file
  exists).
- G004 (error): ``domains.yml`` cannot be read or names undeclared domains.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Finding, Rule, Spec
    from sdd_core.registry import RuleContext


def depends_line(spec: Spec) -> int:
    """The line of the spec's ``depends`` (or ``dependencies``) key."""
    key = "depends" if "depends" in spec.meta else "dependencies"
    return spec.line_of(key)


def _cycles(rule: Rule):  # type: ignore[no-untyped-def]
    def check_project(ctx: RuleContext) -> Iterator[Finding]:
        from sdd_graph.graph import build_graph, find_cycles

        sg = build_graph(ctx.project, by_id=ctx.specs, inferred=False)
        for cycle in find_cycles(sg.explicit_succ()):
            spec = ctx.specs[cycle.path[0]]
            what = ("depends on itself" if len(cycle.members) == 1 else
                    f"dependency cycle of {len(cycle.members)} specs")
            yield rule.finding(f"{what}: {cycle.describe()}", spec, depends_line(spec))
    return check_project


def _forbidden(rule: Rule):  # type: ignore[no-untyped-def]
    def check_project(ctx: RuleContext) -> Iterator[Finding]:
        from sdd_graph.domains import load_domains

        domains = load_domains(ctx.project)
        if domains is None or not domains.rules:
            return
        for dep in domains.dependencies:
            denied = domains.forbidding(dep.source, dep.target, dep.type)
            if denied is not None:
                yield rule.finding(
                    f"domain {dep.source!r} {dep.type} {dep.target!r}, which a rule forbids"
                    f" ({denied.describe()})", path=domains.path, line=dep.line)
        for spec in ctx.specs.values():
            for ref in spec.depends:
                target = ctx.resolve(ref, spec)
                if target is None:
                    continue
                denied = domains.forbidding(spec.domain, target.domain)
                if denied is not None:
                    yield rule.finding(
                        f"depends on {target.id!r} of domain {target.domain!r}, but domains.yml"
                        f" forbids {spec.domain} -> {target.domain}"
                        + (f": {denied.reason}" if denied.reason else ""),
                        spec, depends_line(spec))
    return check_project


def _undeclared(rule: Rule):  # type: ignore[no-untyped-def]
    def check_project(ctx: RuleContext) -> Iterator[Finding]:
        from sdd_graph.domains import load_domains

        domains = load_domains(ctx.project)
        if domains is None or not domains.domains:
            return
        known = ", ".join(sorted(domains.domains))
        for spec in ctx.specs.values():
            if spec.domain not in domains.domains:
                line = spec.line_of("domain") if "domain" in spec.meta else 1
                yield rule.finding(f"domain {spec.domain!r} is not declared in domains.yml"
                                   f" (declared: {known})", spec, line)
    return check_project


def _domains_file(rule: Rule):  # type: ignore[no-untyped-def]
    def check_project(ctx: RuleContext) -> Iterator[Finding]:
        from sdd_graph.domains import load_domains

        domains = load_domains(ctx.project)
        if domains is None:
            return
        for message, line in domains.problems:
            yield rule.finding(message, path=domains.path, line=line)
    return check_project


def rules() -> list[Rule]:
    """The rules this plugin registers."""
    from sdd_core import Rule, Severity

    out = []
    for code, sev, summary, factory in (
        ("G001", Severity.ERROR, "no dependency cycles among depends", _cycles),
        ("G002", Severity.ERROR, "no dependency a domains.yml rule forbids", _forbidden),
        ("G003", Severity.WARNING, "every spec's domain is declared in domains.yml", _undeclared),
        ("G004", Severity.ERROR, "domains.yml is readable and names declared domains",
         _domains_file),
    ):
        base = Rule(code, sev, summary)
        out.append(Rule(code, sev, summary, check_project=factory(base)))
    return out
