"""Matching references to requirements, and the traceability report.

A requirement's full id is ``<spec id>#REQ-NN``: two specs may both have a ``REQ-01``. A
reference that names its spec is matched there. A bare ``REQ-NN`` is resolved:

1. within the spec(s) the file is mapped to in ``.sdd/code-mapping.json``; when several
   mapped specs define the id, the nearest ``@spec`` marker above it picks one;
2. else within the spec named by the nearest ``@spec`` marker above it in the same file;
3. else project-wide, when exactly one spec defines that id;
4. else it is ambiguous (finding ``TR003``) or unknown (``TR002``).

Requirement ids compare by number when no exact match exists (``REQ-1`` finds ``REQ-01``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sdd_core.model import Finding, Severity
from sdd_trace.markers import RawRef, extract
from sdd_trace.scan import ScanStats, SourceFile

if TYPE_CHECKING:
    from sdd_core.model import Spec
    from sdd_core.project import Project
    from sdd_trace.mapping import CodeMapping

STATUSES = ("both", "implemented", "tested", "missing")
FINDING_CODES = {
    "TR001": "a reference names a spec that does not exist",
    "TR002": "a reference names a requirement its spec does not define",
    "TR003": "a bare requirement id matches several specs",
    "TR004": "code-mapping.json names a spec that does not exist",
    "TR005": "code-mapping.json cannot be read",
}
_NUM = re.compile(r"(\d+)$")


@dataclass(frozen=True)
class Ref:
    """Where a requirement is referenced: file, line, code or test, marker or test name."""

    path: str
    line: int
    kind: str
    via: str

    def location(self) -> str:
        """``path:line``."""
        return f"{self.path}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"path": self.path, "line": self.line, "via": self.via}


@dataclass
class RequirementTrace:
    """One requirement and every reference to it."""

    spec_id: str
    req_id: str
    title: str
    path: str
    line: int
    code: list[Ref] = field(default_factory=list)
    tests: list[Ref] = field(default_factory=list)

    @property
    def full_id(self) -> str:
        """``<spec id>#REQ-NN``."""
        return f"{self.spec_id}#{self.req_id}"

    @property
    def status(self) -> str:
        """``both``, ``implemented`` (code only), ``tested`` (tests only) or ``missing``."""
        if self.code and self.tests:
            return "both"
        if self.code:
            return "implemented"
        return "tested" if self.tests else "missing"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.full_id, "spec": self.spec_id, "requirement": self.req_id,
            "title": self.title, "path": self.path, "line": self.line, "status": self.status,
            "code": [r.to_json() for r in self.code], "tests": [r.to_json() for r in self.tests],
        }


@dataclass
class TraceReport:
    """Every requirement with its references, the findings, and what was scanned."""

    requirements: list[RequirementTrace]
    findings: list[Finding]
    stats: ScanStats
    scope: str | None = None
    threshold: float = 100.0

    def __post_init__(self) -> None:
        self._counts = Counter(r.status for r in self.requirements)

    def count(self, status: str) -> int:
        """How many requirements have ``status``."""
        return self._counts[status]

    @property
    def total(self) -> int:
        """How many requirements are counted."""
        return len(self.requirements)

    @property
    def covered(self) -> int:
        """Requirements with at least one reference (code or test)."""
        return self.total - self.count("missing")

    @property
    def coverage(self) -> float:
        """Covered / total in percent, two decimals; 100 when there are no requirements."""
        return round(100.0 * self.covered / self.total, 2) if self.total else 100.0

    @property
    def full_coverage(self) -> float:
        """Requirements with both code and tests, in percent; 100 when there are none."""
        return round(100.0 * self.count("both") / self.total, 2) if self.total else 100.0

    @property
    def passed(self) -> bool:
        """Whether coverage meets the threshold."""
        return self.coverage >= self.threshold

    def summary(self) -> dict[str, Any]:
        """The figures: counts by status, coverage, full coverage, threshold."""
        return {
            "requirements": self.total, "covered": self.covered,
            "both": self.count("both"), "implemented": self.count("implemented"),
            "tested": self.count("tested"), "missing": self.count("missing"),
            "coverage": self.coverage, "full_coverage": self.full_coverage,
            "threshold": self.threshold, "passed": self.passed,
        }

    def to_json(self) -> dict[str, Any]:
        """The whole report as JSON-ready data."""
        return {
            "scope": self.scope,
            "summary": self.summary(),
            "requirements": [r.to_json() for r in self.requirements],
            "findings": [f.model_dump(mode="json") for f in self.findings],
            "files": self.stats.to_json(),
        }

    def json_text(self) -> str:
        """:meth:`to_json` as text: indented, one requirement or finding per line (fast
        to write and to grep, even with tens of thousands of requirements)."""
        data = self.to_json()
        parts = []
        for key, value in data.items():
            if isinstance(value, list):
                items = ",\n".join("    " + json.dumps(v, ensure_ascii=False) for v in value)
                text = f"[\n{items}\n  ]" if value else "[]"
            else:
                text = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            parts.append(f"  {json.dumps(key)}: {text}")
        return "{\n" + ",\n".join(parts) + "\n}"


def _num(req: str) -> int:
    m = _NUM.search(req)
    return int(m.group(1)) if m else -1


class Resolver:
    """Answers "which spec, which requirement" for references, with cached lookups."""

    def __init__(self, project: Project, specs: list[Spec]) -> None:
        self.project = project
        self.by_id = {s.id: s for s in specs}
        self.reqs: dict[str, dict[str, str]] = {}
        self.nums: dict[str, dict[int, str]] = {}
        self.definers: dict[int, list[str]] = {}
        for spec in specs:
            exact: dict[str, str] = {}
            nums: dict[int, str] = {}
            for r in spec.requirements:
                exact.setdefault(r.id.upper(), r.id)
                n = _num(r.id)
                if n not in nums:
                    nums[n] = r.id
                    self.definers.setdefault(n, []).append(spec.id)
            self.reqs[spec.id] = exact
            self.nums[spec.id] = nums
        self._spec_cache: dict[str, str | None] = {}

    def spec(self, ref: str) -> str | None:
        """The id of the spec ``ref`` (an id or a path) names, or ``None``."""
        if ref in self.by_id:
            return ref
        if ref not in self._spec_cache:
            hit = self.project.resolve_ref(ref, self.by_id)
            self._spec_cache[ref] = hit.id if hit is not None else None
        return self._spec_cache[ref]

    def requirement(self, spec_id: str, req: str) -> str | None:
        """The id under which ``spec_id`` defines ``req`` (exactly, else by number)."""
        hit = self.reqs.get(spec_id, {}).get(req.upper())
        if hit is None:
            hit = self.nums.get(spec_id, {}).get(_num(req))
        return hit

    def defined_in(self, spec_ids: Iterable[str], req: str) -> list[tuple[str, str]]:
        """``(spec id, requirement id)`` for each of ``spec_ids`` that defines ``req``."""
        out = []
        for sid in spec_ids:
            hit = self.requirement(sid, req)
            if hit is not None:
                out.append((sid, hit))
        return out


def _finding(code: str, severity: Severity, message: str, path: str, line: int | None,
             spec_id: str | None = None) -> Finding:
    return Finding(code=code, severity=severity, message=message, path=path, line=line,
                   spec_id=spec_id)


class Tracer:
    """Collects references file by file and turns them into a :class:`TraceReport`."""

    def __init__(self, project: Project, specs: list[Spec], mapping: CodeMapping) -> None:
        self.resolver = Resolver(project, specs)
        self.mapping = mapping
        self.refs: dict[tuple[str, str], list[Ref]] = {}
        self.findings: list[Finding] = list(mapping.problems)
        self.mapped: list[tuple[Any, str]] = []
        for entry in mapping.entries:
            sid = self.resolver.spec(entry.spec)
            if sid is None:
                self.findings.append(_finding(
                    "TR004", Severity.ERROR, f"code mapping names spec {entry.spec!r}, which"
                    " does not exist", ".sdd/code-mapping.json", entry.line))
            else:
                self.mapped.append((entry, sid))

    def add_file(self, src: SourceFile) -> None:
        """Read the references of one file."""
        text = src.data.decode("utf-8", errors="replace")
        raws = extract(text, src.is_test)
        if not raws:
            return
        kind = "test" if src.is_test else "code"
        mapped: list[str] | None = None
        for raw in raws:
            if raw.spec is None and raw.req is not None and mapped is None:
                mapped = list(dict.fromkeys(sid for e, sid in self.mapped if e.covers(src.rel)))
            target = self._resolve(raw, src.rel, mapped or [])
            if target is not None:
                ref = Ref(src.rel, raw.line, kind, raw.via)
                bucket = self.refs.setdefault(target, [])
                if not bucket or bucket[-1] != ref:
                    bucket.append(ref)

    def _resolve(self, raw: RawRef, rel: str, mapped: list[str]) -> tuple[str, str] | None:
        res = self.resolver
        what = "test name" if raw.via == "test-name" else "marker"
        if raw.spec is not None:
            sid = res.spec(raw.spec)
            written = f"{raw.spec}#{raw.req}" if raw.req else raw.spec
            if sid is None:
                self.findings.append(_finding(
                    "TR001", Severity.ERROR, f"{what} '{written}' names spec {raw.spec!r},"
                    " which does not exist", rel, raw.line))
                return None
            if raw.req is None:
                return None
            req = res.requirement(sid, raw.req)
            if req is None:
                self.findings.append(self._unknown_req(what, written, raw, rel, [sid]))
                return None
            return sid, req
        assert raw.req is not None
        context = res.spec(raw.context) if raw.context else None
        if mapped:
            hits = res.defined_in(mapped, raw.req)
            if len(hits) > 1 and context is not None:
                hits = [h for h in hits if h[0] == context] or hits
            if len(hits) == 1:
                return hits[0]
            if not hits:
                self.findings.append(self._unknown_req(what, raw.req, raw, rel, mapped,
                                                       "the file is mapped to"))
                return None
            self._ambiguous(what, raw, rel, [h[0] for h in hits])
            return None
        if context is not None:
            hit = res.requirement(context, raw.req)
            if hit is None:
                self.findings.append(self._unknown_req(what, raw.req, raw, rel, [context],
                                                       "the @spec marker above names"))
                return None
            return context, hit
        definers = res.definers.get(_num(raw.req), [])
        if len(definers) == 1:
            sid = definers[0]
            return sid, res.nums[sid][_num(raw.req)]
        if not definers:
            self.findings.append(_finding(
                "TR002", Severity.ERROR, f"{what} '{raw.req}': no spec defines {raw.req}",
                rel, raw.line))
            return None
        self._ambiguous(what, raw, rel, definers)
        return None

    def _unknown_req(self, what: str, written: str, raw: RawRef, rel: str, specs: list[str],
                     why: str = "") -> Finding:
        assert raw.req is not None
        names = ", ".join(specs)
        defined = sorted({r for s in specs for r in self.resolver.reqs.get(s, {}).values()},
                         key=_num)
        has = f" (it defines {', '.join(defined)})" if defined else " (it has no requirements)"
        where = f"{why} {names}" if why else names
        return _finding("TR002", Severity.ERROR,
                        f"{what} '{written}': {raw.req} is not a requirement of {where}{has}",
                        rel, raw.line, specs[0] if len(specs) == 1 else None)

    def _ambiguous(self, what: str, raw: RawRef, rel: str, specs: list[str]) -> None:
        shown = ", ".join(specs[:5]) + (f" and {len(specs) - 5} more" if len(specs) > 5 else "")
        self.findings.append(_finding(
            "TR003", Severity.WARNING, f"{what} '{raw.req}' is ambiguous: {len(specs)} specs"
            f" define it ({shown}); write '<spec-id>#{raw.req}', add an '@spec <spec-id>'"
            " line above it, or map the file in .sdd/code-mapping.json", rel, raw.line))

    def report(self, specs: Iterable[Spec], stats: ScanStats, scope: str | None = None,
               threshold: float = 100.0) -> TraceReport:
        """The report over ``specs`` (deprecated specs are left out of the counts)."""
        reqs: list[RequirementTrace] = []
        chosen: set[str] = set()
        for spec in specs:
            if spec.status == "deprecated":
                continue
            chosen.add(spec.id)
            seen: set[str] = set()
            for r in spec.requirements:
                if r.id in seen:
                    continue
                seen.add(r.id)
                refs = sorted(self.refs.get((spec.id, r.id), []),
                              key=lambda x: (x.path, x.line))
                reqs.append(RequirementTrace(
                    spec.id, r.id, r.title, spec.path, r.line,
                    code=[x for x in refs if x.kind == "code"],
                    tests=[x for x in refs if x.kind == "test"]))
        findings = self.findings
        if scope is not None:
            findings = [f for f in findings if f.spec_id is None or f.spec_id in chosen]
        findings = sorted(findings, key=lambda f: (f.path or "", f.line or 0, f.code))
        return TraceReport(reqs, findings, stats, scope, threshold)
