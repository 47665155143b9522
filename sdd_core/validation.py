"""Running the registered rules over a project's specs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from sdd_core.model import Finding, Severity

if TYPE_CHECKING:
    from sdd_core.index import LoadResult
    from sdd_core.project import Project
    from sdd_core.registry import Rule


def run_rules(project: "Project", result: "LoadResult",
              rules: "Iterable[Rule] | None" = None) -> list[Finding]:
    """Every finding of every rule (parse problems included), unfiltered, in a stable order.

    A rule that crashes becomes an error finding naming the rule, never a traceback.
    """
    from sdd_core.registry import RuleContext

    ctx = RuleContext(project=project, specs=result.by_id(), result=result)
    findings: list[Finding] = []
    active = list(rules) if rules is not None else project.rules.values()
    for rule in active:
        try:
            if rule.check_project is not None:
                findings.extend(rule.check_project(ctx))
            if rule.check is not None:
                check = rule.check
                for spec in result.specs:
                    findings.extend(check(spec, ctx))
        except Exception as exc:  # noqa: BLE001 - one broken rule must not stop validation
            provider = project.rules.providers.get(rule.code, "?")
            findings.append(Finding(
                code=rule.code, severity=Severity.ERROR,
                message=f"rule {rule.code} (from plugin {provider!r}) crashed:"
                        f" {type(exc).__name__}: {exc}",
            ))
    return sort_findings(findings)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings sorted by file, line and code."""
    return sorted(findings, key=lambda f: (f.path or "", f.line or 0, f.code, f.message))


def apply_policy(project: "Project", findings: Iterable[Finding], *, strict: bool = False,
                 paths: tuple[str, ...] = ()) -> list[Finding]:
    """Apply the config (ignored codes, severity overrides), ``--strict`` and a path filter."""
    strict = strict or bool(project.setting("validation", "strict"))
    ignore = set(project.setting("validation", "ignore") or ())
    overrides = {code: Severity(value) for code, value
                 in (project.setting("validation", "severity") or {}).items()}
    out: list[Finding] = []
    for f in findings:
        if f.code in ignore:
            continue
        if paths and not (f.path and any(f.path == p or f.path.startswith(p.rstrip("/") + "/")
                                         for p in paths)):
            continue
        sev = overrides.get(f.code, f.severity)
        msg = f.message
        if strict and sev == Severity.WARNING:
            sev, msg = Severity.ERROR, f"[STRICT] {msg}"
        if sev != f.severity or msg != f.message:
            f = f.model_copy(update={"severity": sev, "message": msg})
        out.append(f)
    return out
