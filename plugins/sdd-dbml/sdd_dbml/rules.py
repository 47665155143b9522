"""Validation rules: D001 a reference to an unknown table or column (or from a column to
itself), D002 a table defined twice, D003 a data model that cannot be read as intended, D004
two references between the same columns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Finding, Rule
    from sdd_core.registry import RuleContext
    from sdd_dbml.model import DataModel


_LAST: list[Any] = []  # [specs dict, model]: the three rules of one validation share it


def _model(ctx: "RuleContext") -> "DataModel":
    from sdd_dbml.collect import project_model

    if _LAST and _LAST[0] is ctx.specs:
        return _LAST[1]  # type: ignore[no-any-return]
    model = project_model(ctx.specs.values())
    _LAST[:] = [ctx.specs, model]
    return model


def rules() -> "list[Rule]":
    """The rules of the plugin."""
    from sdd_core import Rule, Severity
    from sdd_dbml.export import duplicate_refs, ref_problem

    unknown = Rule("D001", Severity.ERROR,
                   "data model references name existing tables and columns")
    duplicate = Rule("D002", Severity.ERROR, "a table is defined by one spec only")
    unreadable = Rule("D003", Severity.WARNING, "data model sections and DBML blocks are readable")
    twice = Rule("D004", Severity.ERROR, "two columns are linked by one reference only")

    def check_refs(ctx: "RuleContext") -> "Iterator[Finding]":
        model = _model(ctx)
        for ref in model.refs:
            problem = ref_problem(ref, model)
            if problem:
                yield unknown.finding(f"reference {ref.text()}: {problem}",
                                      ctx.specs.get(ref.spec_id), ref.line, path=ref.spec_path)

    def check_duplicates(ctx: "RuleContext") -> "Iterator[Finding]":
        model = _model(ctx)
        for dup, first in model.duplicates():
            where = "earlier in this spec" if first.spec_id == dup.spec_id else \
                f"by {first.spec_id}"
            yield duplicate.finding(
                f"table {dup.name!r} is already defined {where} ({first.spec_path}:{first.line})",
                ctx.specs.get(dup.spec_id), dup.line, path=dup.spec_path)

    def check_readable(ctx: "RuleContext") -> "Iterator[Finding]":
        model = _model(ctx)
        for p in model.problems:
            yield unreadable.finding(p.message, ctx.specs.get(p.spec_id), p.line,
                                     path=p.spec_path)

    def check_twice(ctx: "RuleContext") -> "Iterator[Finding]":
        model = _model(ctx)
        for dup, first in duplicate_refs(model):
            yield twice.finding(f"reference {dup.text()} links the same columns as"
                                f" {first.text()} ({first.spec_path}:{first.line})",
                                ctx.specs.get(dup.spec_id), dup.line, path=dup.spec_path)

    return [
        Rule(twice.code, twice.severity, twice.summary, check_project=check_twice),
        Rule(unknown.code, unknown.severity, unknown.summary, check_project=check_refs),
        Rule(duplicate.code, duplicate.severity, duplicate.summary,
             check_project=check_duplicates),
        Rule(unreadable.code, unreadable.severity, unreadable.summary,
             check_project=check_readable),
    ]
