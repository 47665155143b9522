"""Spec skeletons from an OpenAPI document: one per tag or one per operation.

A skeleton declares its operations in the ``api:`` front matter, has one requirement per
operation (derived from the operation's parameters, request body and responses) and one
scenario per operation. Skeletons are only ever created through ``Project.write_spec(...,
create=True)``; an existing spec is never overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sdd_openapi.operations import derive_operation_id

if TYPE_CHECKING:  # pragma: no cover
    from sdd_openapi.document import DocOperation, Document

_GENERIC_SUCCESS = frozenset({
    "ok", "success", "successful", "successful response", "successful operation", "created",
    "accepted", "no content", "done",
})


@dataclass
class Skeleton:
    """A spec to create."""

    spec_id: str
    title: str
    description: str
    tags: list[str]
    operations: "list[DocOperation]" = field(default_factory=list)
    text: str = ""


def slug(text: str) -> str:
    """``Invoice Lines`` -> ``invoice-lines`` (``api`` when nothing is left)."""
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return value or "api"


def _group_name(op: "DocOperation") -> str:
    if op.tags:
        return op.tags[0]
    for seg in op.path.strip("/").split("/"):
        if seg and not seg.startswith("{"):
            return seg
    return "root"


def plan(doc: "Document", *, domain: str, by: str) -> list[Skeleton]:
    """The skeletons ``doc`` gives, grouped ``by`` tag or operation, in a stable order."""
    skeletons: dict[str, Skeleton] = {}
    tag_text = doc.tag_descriptions()
    ops = sorted(doc.operations, key=lambda o: (o.path, o.method))
    for op in ops:
        if by == "tag":
            name = _group_name(op)
            sid = f"{domain}/{slug(name)}"
            sk = skeletons.get(sid)
            if sk is None:
                title = name[:1].upper() + name[1:]
                desc = tag_text.get(name) or f"The {name} operations of the API."
                sk = skeletons[sid] = Skeleton(sid, title, _one_line(desc), [name] if op.tags else [])
        else:
            op_id = op.operation_id or derive_operation_id(op.method, op.path)
            base = f"{domain}/{slug(re.sub(r'(?<=[a-z0-9])(?=[A-Z])', '-', op_id))}"
            sid, n = base, 2
            while sid in skeletons:
                sid, n = f"{base}-{n}", n + 1
            title = str(op.operation.get("summary") or op_id)
            desc = str(op.operation.get("description") or op.operation.get("summary")
                       or f"{op.label()}.")
            sk = skeletons[sid] = Skeleton(sid, title, _one_line(desc), list(op.tags[:1]))
        sk.operations.append(op)
    return [skeletons[k] for k in sorted(skeletons)]


def _one_line(text: str) -> str:
    first = text.strip().split("\n\n")[0]
    return " ".join(first.split())


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def operation_lines(doc: "Document", op: "DocOperation") -> list[str]:
    """The requirement lines of one operation: its parameters, request body and responses."""
    lines: list[str] = []
    params: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in (*op.path_parameters, *(op.operation.get("parameters") or [])):
        p = doc.resolve(raw)
        if isinstance(p, dict) and p.get("name") and p.get("in"):
            params[(str(p["in"]), str(p["name"]))] = p
    for (where, name), p in params.items():
        required = bool(p.get("required")) or where == "path"
        word = "MUST" if required else "MAY"
        lines.append(f"The API {word} accept {where} parameter `{name}`.")
    body = doc.resolve(op.operation.get("requestBody"))
    if isinstance(body, dict):
        kinds = ", ".join(sorted((body.get("content") or {}).keys()))
        word = "MUST" if body.get("required") else "MAY"
        lines.append(f"The API {word} accept a request body" + (f" ({kinds})." if kinds else "."))
    responses = op.operation.get("responses") or {}
    by_code = {str(c): v for c, v in responses.items()} if isinstance(responses, dict) else {}
    for code in sorted(by_code, key=lambda c: (c == "default", c)):
        resp = doc.resolve(by_code[code])
        desc = _one_line(str(resp.get("description") or "")) if isinstance(resp, dict) else ""
        desc = desc.rstrip(".")
        if code == "default":
            lines.append("The API SHOULD respond with its default response to any other outcome"
                         + (f" ({desc})." if desc else "."))
        elif code.startswith("2") and (not desc or desc.lower() in _GENERIC_SUCCESS):
            lines.append(f"The API MUST respond {code} on success.")
        elif desc:
            lines.append(f"The API MUST respond {code} when {_lower_first(desc)}.")
        else:
            lines.append(f"The API MUST respond {code}.")
    if not lines:
        lines.append(f"The API MUST accept `{op.label()}` requests.")
    return lines


def _success_code(op: "DocOperation") -> str:
    codes = sorted(str(c) for c in (op.operation.get("responses") or {}))
    ok = [c for c in codes if c.startswith("2")]
    return ok[0] if ok else (codes[0] if codes else "default")


def render(doc: "Document", sk: Skeleton, *, created: str,
           constitution_version: str | None) -> str:
    """The Markdown text of a skeleton."""
    import yaml

    api = []
    for op in sk.operations:
        entry: dict[str, Any] = {"method": op.method.upper(), "path": op.path}
        if op.operation_id:
            entry["operationId"] = op.operation_id
        if op.operation.get("summary"):
            entry["summary"] = _one_line(str(op.operation["summary"]))
        api.append(entry)
    meta: dict[str, Any] = {"id": sk.spec_id, "title": sk.title, "status": "draft",
                            "created": created}
    if constitution_version:
        meta["constitution_version"] = constitution_version
    if sk.tags:
        meta["tags"] = sk.tags
    meta["api"] = api
    fm = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100).rstrip("\n")
    out = ["---", fm, "---", "", f"# {sk.title}", "", f"> {sk.description}", "",
           "## Requirements", ""]
    for i, op in enumerate(sk.operations, 1):
        name = _one_line(str(op.operation.get("summary") or op.operation_id or ""))
        out += [f"### REQ-{i:02d}: {op.label()}" + (f" — {name}" if name else ""), ""]
        out += [f"- {line}" for line in operation_lines(doc, op)]
        out.append("")
    out += ["## Scenarios", ""]
    for i, op in enumerate(sk.operations, 1):
        name = _one_line(str(op.operation.get("summary") or op.operation_id or op.label()))
        out += [f"### Scenario {i}: {name}", "",
                f"- **GIVEN** a client allowed to call `{op.label()}`",
                f"- **WHEN** it sends `{op.label()}` with valid parameters",
                f"- **THEN** the API responds {_success_code(op)}", ""]
    return "\n".join(out)
