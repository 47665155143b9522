"""An OpenAPI 3.1 document from the operations the specs declare.

Each operation gets its operationId (given or derived), a summary (given, else the spec's
title), ``deprecated: true`` when every spec declaring it is deprecated, a description made of the spec's description and the requirement lines that carry
RFC 2119 keywords, the spec's domain as tag, its path parameters, a response per status code
a requirement names ("MUST respond 404 when ...") plus ``default``, and ``x-sdd-spec``: the
specs (id, path, status) that declare it. Two specs declaring the same operation share one
operation whose ``x-sdd-spec`` lists both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sdd_openapi.operations import (
    METHODS,
    Operation,
    all_declarations,
    derive_operation_id,
    grouped,
    path_key,
    path_params,
)

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Requirement, Spec

OPENAPI_VERSION = "3.1.0"
_KEYWORD = re.compile(r"\b(?:MUST(?: NOT)?|SHALL(?: NOT)?|SHOULD(?: NOT)?|MAY|REQUIRED"
                      r"|RECOMMENDED|OPTIONAL)\b")
_PATH_TOKEN = re.compile(r"(?<![\w/.:])(/[^\s`'\"),;<>]*)")
_METHOD_BEFORE = re.compile(r"\b(GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH|TRACE)`?[ \t]+`?$",
                            re.IGNORECASE)
_STATUS = re.compile(
    r"\b(?:respond|responds|responding|return|returns|answer|answers|reply|replies)\b"
    r"(?:\s+(?:with|a|an|the|http|status|code))*\s+([1-5]\d\d)\b", re.IGNORECASE)
_BULLET = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+")


@dataclass
class Generated:
    """The document and what the user should know about it."""

    document: dict[str, Any]
    operations: int = 0
    warnings: list[str] = field(default_factory=list)


_MEMO: dict[tuple[str, int], Any] = {}  # (what, id(requirement)) during one generate()


def requirement_lines(req: "Requirement") -> list[str]:
    """The lines of a requirement that carry an RFC 2119 keyword (bullets removed); the
    requirement's title when none does."""
    hit = _MEMO.get(("lines", id(req)))
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    out = []
    for raw in req.text.split("\n"):
        if _KEYWORD.search(raw):
            out.append(_BULLET.sub("", raw).strip())
    out = out or ([req.title] if req.title else [])
    _MEMO[("lines", id(req))] = out
    return out


def mentioned_operations(req: "Requirement") -> set[tuple[str | None, str]]:
    """The operations a requirement's title or text names: ``(method, structural path)``,
    with ``None`` as the method where a path is named alone."""
    hit = _MEMO.get(("ops", id(req)))
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    found: set[tuple[str | None, str]] = set()
    for text in (req.title, req.text):
        for m in _PATH_TOKEN.finditer(text):
            method = _METHOD_BEFORE.search(text, 0, m.start())
            verb = method.group(1).lower() if method else None
            found.add((verb, path_key(m.group(1).rstrip(".:!"))))
    _MEMO[("ops", id(req))] = found
    return found


def requirements_for(spec: "Spec", op: Operation,
                     declared: set[tuple[str, str]]) -> list["Requirement"]:
    """The requirements of ``spec`` that describe ``op``: those naming it (by path, or by
    method and path), plus those naming none of the spec's declared operations."""
    out = []
    method, own = op.key
    for req in spec.requirements:
        named = {(m, p) for m, p in mentioned_operations(req)
                 if any(p == dp and m in (None, dm) for dm, dp in declared)}
        if not named or any(p == own and m in (None, method) for m, p in named):
            out.append(req)
    return out


def generate(specs: "list[Spec]", *, title: str, version: str,
             description: str | None = None) -> Generated:
    """The OpenAPI 3.1 document for ``specs`` (sorted by id for a stable result)."""
    _MEMO.clear()
    try:
        return _generate(sorted(specs, key=lambda s: s.id), title, version, description)
    finally:
        _MEMO.clear()


def _generate(specs: "list[Spec]", title: str, version: str,
              description: str | None) -> Generated:
    by_id = {s.id: s for s in specs}
    ops, malformed = all_declarations(specs)
    result = Generated(document={})
    for bad in malformed:
        result.warnings.append(f"{bad.spec_path}:{bad.line}: skipped {bad.text!r}: {bad.reason}")
    declared_ops: dict[str, set[tuple[str, str]]] = {}
    for op in ops:
        declared_ops.setdefault(op.spec_id, set()).add(op.key)

    groups = grouped(ops)
    spelling: dict[str, str] = {}
    for op in ops:
        spelling.setdefault(path_key(op.path), op.path)

    paths: dict[str, dict[str, Any]] = {}
    used_ids: dict[str, str] = {}
    tags: set[str] = set()
    for (method, key), members in sorted(groups.items(),
                                         key=lambda kv: (spelling[kv[0][1]],
                                                         METHODS.index(kv[0][0]))):
        path = spelling[key]
        if len(members) > 1:
            result.warnings.append(
                f"{method.upper()} {path} is declared by {len(members)} specs: "
                + ", ".join(f"{m.spec_id} ({m.spec_path}:{m.line})" for m in members))
        operation = _operation(method, path, members, by_id, declared_ops, used_ids, result)
        tags.update(operation["tags"])
        paths.setdefault(path, {})[method] = operation
        result.operations += 1

    info: dict[str, Any] = {"title": title, "version": version}
    if description:
        info["description"] = description
    result.document = {
        "openapi": OPENAPI_VERSION,
        "info": info,
        "tags": [{"name": t} for t in sorted(tags)],
        "paths": paths,
    }
    return result


def _operation(method: str, path: str, members: list[Operation], by_id: "dict[str, Spec]",
               declared_ops: dict[str, set[tuple[str, str]]], used_ids: dict[str, str],
               result: Generated) -> dict[str, Any]:
    first = members[0]
    specs = [by_id[m.spec_id] for m in members]
    op_id = next((m.operation_id for m in members if m.operation_id), None)
    op_id = op_id or derive_operation_id(method, path)
    if op_id in used_ids:
        base, n = op_id, 2
        while f"{base}{n}" in used_ids:
            n += 1
        result.warnings.append(f"operationId {base!r} of {method.upper()} {path} is already"
                               f" used by {used_ids[base]}; using {base}{n}")
        op_id = f"{base}{n}"
    used_ids[op_id] = f"{method.upper()} {path}"

    summary = next((m.summary for m in members if m.summary), None) or specs[0].title \
        or first.label()
    descriptions: list[str] = []
    responses: dict[str, dict[str, str]] = {}
    for op, spec in zip(members, specs):
        reqs = requirements_for(spec, op, declared_ops.get(spec.id, set()))
        part = []
        if spec.description:
            part.append(spec.description)
        if reqs:
            lines = [f"- {r.id}{' ' + r.title if r.title else ''}:"
                     f" {' '.join(requirement_lines(r))}" for r in reqs]
            part.append(f"Requirements ({spec.id}):\n" + "\n".join(lines))
        if part:
            descriptions.append("\n\n".join(part))
        for req in reqs:
            for line in requirement_lines(req):
                for m in _STATUS.finditer(line):
                    responses.setdefault(m.group(1), {"description": line})
    ids = ", ".join(s.id for s in specs)
    responses = {code: responses[code] for code in sorted(responses)}
    responses["default"] = {"description": f"Any other outcome; see {ids}."}
    operation: dict[str, Any] = {
        "operationId": op_id,
        "summary": summary,
    }
    if descriptions:
        operation["description"] = "\n\n".join(descriptions)
    operation["tags"] = sorted({s.domain for s in specs})
    params = path_params(path)
    if params:
        operation["parameters"] = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in params
        ]
    operation["responses"] = responses
    if all(s.status == "deprecated" for s in specs):
        operation["deprecated"] = True
    operation["x-sdd-spec"] = [{"id": s.id, "path": s.path, "status": s.status} for s in specs]
    return operation


def dump(document: dict[str, Any], fmt: str) -> str:
    """The document as YAML or JSON text."""
    if fmt == "json":
        import json

        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: ~10x faster
    return yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
