"""Reading an OpenAPI 3.0 or 3.1 document (YAML or JSON) and listing its operations."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sdd_core import SddError
from sdd_openapi.operations import METHODS, path_key


class DocumentError(SddError):
    """The OpenAPI document given on the command line cannot be used (a usage error)."""

    exit_code = 2


@dataclass(frozen=True)
class DocOperation:
    """One operation of an OpenAPI document, with the parts the importer reads."""

    method: str
    path: str
    operation: dict[str, Any] = field(hash=False, compare=False)
    path_parameters: tuple[dict[str, Any], ...] = field(default=(), hash=False, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        """The method and the structural path."""
        return (self.method, path_key(self.path))

    def label(self) -> str:
        """``GET /invoices/{id}``."""
        return f"{self.method.upper()} {self.path}"

    @property
    def operation_id(self) -> str | None:
        """The document's operationId, if it has one."""
        value = self.operation.get("operationId")
        return str(value) if value else None

    @property
    def tags(self) -> list[str]:
        """The operation's tags."""
        tags = self.operation.get("tags") or []
        return [str(t) for t in tags] if isinstance(tags, list) else []


@dataclass
class Document:
    """A loaded OpenAPI document."""

    path: str
    version: str
    data: dict[str, Any]
    operations: list[DocOperation]

    def tag_descriptions(self) -> dict[str, str]:
        """Tag name -> description from the top-level ``tags`` list."""
        out = {}
        for tag in self.data.get("tags") or []:
            if isinstance(tag, dict) and tag.get("name"):
                out[str(tag["name"])] = str(tag.get("description") or "")
        return out

    def resolve(self, value: Any) -> Any:
        """``value`` with a local ``$ref`` (``#/components/...``) followed, once."""
        if isinstance(value, dict) and isinstance(value.get("$ref"), str):
            ref = value["$ref"]
            if ref.startswith("#/"):
                node: Any = self.data
                for part in ref[2:].split("/"):
                    part = part.replace("~1", "/").replace("~0", "~")
                    if not isinstance(node, dict) or part not in node:
                        return value
                    node = node[part]
                return node
        return value


def load_document(file: str | Path) -> Document:
    """Read and check an OpenAPI 3.0/3.1 document; raises :class:`DocumentError`."""
    import json

    import yaml

    path = Path(file)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocumentError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(f"{path}: cannot read: {exc}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else (
            f":{exc.lineno}" if isinstance(exc, json.JSONDecodeError) else "")
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DocumentError(f"{path}{where}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {reason}") from None
    if not isinstance(data, dict):
        raise DocumentError(f"{path}: an OpenAPI document is a mapping with 'openapi' and 'paths'")
    if "swagger" in data:
        raise DocumentError(f"{path}: Swagger {data['swagger']} is not supported",
                            hint="convert it to OpenAPI 3 first (for example with swagger2openapi)")
    version = str(data.get("openapi", ""))
    if not version.startswith(("3.0", "3.1")):
        raise DocumentError(f"{path}: 'openapi: {version or '?'}' is not OpenAPI 3.0 or 3.1")
    paths = data.get("paths") or {}
    if not isinstance(paths, dict):
        raise DocumentError(f"{path}: 'paths' must be a mapping of path templates")
    doc = Document(path=str(path), version=version, data=data, operations=[])
    for template, item in paths.items():
        item = doc.resolve(item)
        if not isinstance(item, dict):
            continue
        shared = tuple(p for p in (doc.resolve(x) for x in item.get("parameters") or [])
                       if isinstance(p, dict))
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                doc.operations.append(DocOperation(method, str(template), op, shared))
    return doc
