"""Validation rules: O001 malformed operation declarations, O002 an operation declared by
more than one spec."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sdd_openapi.operations import Declarations, declarations, grouped

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Finding, Rule, Spec
    from sdd_core.registry import RuleContext
    from sdd_openapi.operations import Operation


def front_matter_text(data: bytes) -> str | None:
    """The front matter of a spec file (between the ``---`` lines), or ``None``."""
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.startswith("---\n"):
        return None
    lines = text.split("\n")
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "\n".join(lines[1:i])
    return None


def spec_declarations(spec: "Spec", ctx: "RuleContext") -> Declarations:
    """What ``spec`` declares, with a malformed ``api:`` entry pointed at its own line."""
    found = declarations(spec)
    if found.malformed and "api" in spec.meta:
        found = _declarations_with_lines(spec, ctx)
    return found


def _with_entry_line(op: "Operation", spec: "Spec | None", ctx: "RuleContext") -> "Operation":
    """``op`` with the line of its own ``api:`` entry (read from the file) when it has one."""
    if spec is None or op.source != "front matter":
        return op
    for found in _declarations_with_lines(spec, ctx).operations:
        if found.key == op.key:
            return found
    return op


def _declarations_with_lines(spec: "Spec", ctx: "RuleContext") -> Declarations:
    try:
        fm = front_matter_text(ctx.project.storage.read(spec.path))
    except OSError:
        fm = None
    return declarations(spec, fm)


def rules() -> "list[Rule]":
    """The rules of the plugin."""
    from sdd_core import Rule, Severity

    malformed = Rule("O001", Severity.ERROR,
                     "declared API operations are well formed (HTTP method, path template)")
    duplicate = Rule("O002", Severity.WARNING, "an API operation is declared by one spec only")

    def check_malformed(spec: "Spec", ctx: "RuleContext") -> "Iterator[Finding]":
        if "api" not in spec.meta and not spec.sections:
            return
        for bad in spec_declarations(spec, ctx).malformed:
            yield malformed.finding(f"malformed API operation {bad.text!r}: {bad.reason}",
                                    spec, bad.line)

    def check_duplicates(ctx: "RuleContext") -> "Iterator[Finding]":
        ops = []
        for spec in sorted(ctx.specs.values(), key=lambda s: s.id):
            seen: set[tuple[str, str]] = set()
            for op in declarations(spec).operations:
                if op.key not in seen:
                    seen.add(op.key)
                    ops.append(op)
        by_id = ctx.specs
        for members in grouped(ops).values():
            if len(members) < 2:
                continue
            members = [_with_entry_line(op, by_id.get(op.spec_id), ctx) for op in members]
            for op in members:
                others = ", ".join(f"{o.spec_id} ({o.spec_path}:{o.line})"
                                   for o in members if o is not op)
                yield duplicate.finding(f"{op.label()} is also declared by {others}",
                                        by_id.get(op.spec_id), op.line, path=op.spec_path)

    return [
        Rule(malformed.code, malformed.severity, malformed.summary, check=check_malformed),
        Rule(duplicate.code, duplicate.severity, duplicate.summary,
             check_project=check_duplicates),
    ]
