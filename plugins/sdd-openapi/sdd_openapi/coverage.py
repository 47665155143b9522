"""How well the specs cover an OpenAPI document, and the reverse.

Coverage is the share of the document's operations that at least one spec declares. An
operation counts once however many specs declare it. A document without operations is fully
covered (there is nothing to cover). Paths are compared structurally.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sdd_openapi.operations import METHODS, Operation, all_declarations, grouped

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Spec
    from sdd_openapi.document import Document


@dataclass
class Coverage:
    """The comparison of a document with the specs."""

    document: str
    openapi: str
    operations: int
    covered: list[dict[str, Any]] = field(default_factory=list)
    uncovered: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)

    @property
    def percent(self) -> float:
        """Covered operations / document operations, in percent (100 with none)."""
        if not self.operations:
            return 100.0
        return round(100.0 * len(self.covered) / self.operations, 1)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready report."""
        return {
            "document": self.document,
            "openapi": self.openapi,
            "operations": self.operations,
            "covered_count": len(self.covered),
            "coverage": self.percent,
            "covered": self.covered,
            "uncovered": self.uncovered,
            "missing": self.missing,
        }


def compare(document: "Document", specs: "list[Spec]") -> Coverage:
    """Compare the document's operations with the operations the specs declare."""
    ops, _ = all_declarations(sorted(specs, key=lambda s: s.id))
    declared = grouped(ops)
    report = Coverage(document=document.path, openapi=document.version, operations=0)
    seen: set[tuple[str, str]] = set()
    order = sorted(document.operations, key=lambda o: (o.path, METHODS.index(o.method)))
    for doc_op in order:
        if doc_op.key in seen:
            continue  # /a/{id} and /a/{x} in one document: one operation
        seen.add(doc_op.key)
        report.operations += 1
        row = {"method": doc_op.method.upper(), "path": doc_op.path,
               "operationId": doc_op.operation_id}
        members = declared.get(doc_op.key)
        if members:
            report.covered.append({**row, "specs": [m.spec_id for m in members]})
        else:
            report.uncovered.append(row)
    for key, members in sorted(declared.items(), key=lambda kv: (kv[1][0].path, kv[0][0])):
        if key not in seen:
            for m in members:
                report.missing.append(_missing_row(m))
    return report


def _missing_row(op: Operation) -> dict[str, Any]:
    return {"method": op.method.upper(), "path": op.path, "spec": op.spec_id,
            "file": op.spec_path, "line": op.line}
