"""``sdd config set|get``: change ``.sdd/config.yml`` safely.

The file is edited with a round-trip YAML parser (comments, order and quoting survive), the
result is validated with the same model the project loads (core sections plus every
plugin's), and only then written atomically; a ``config.changed`` event is emitted before
the file is replaced, so an audit log that cannot record it stops the change.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sdd_core.errors import ProjectError, SddError

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core.model import Actor
    from sdd_core.project import Project

_KEY = re.compile(r"^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$")


def _sections(project: "Project") -> dict[str, Any]:
    from sdd_core.config import CORE_SECTIONS

    sections = dict(CORE_SECTIONS)
    for _, (name, model) in project.pm.collect("register_settings"):
        sections[name] = model
    return sections


def parse_value(text: str) -> Any:
    """A command-line value as YAML (``4000`` is a number, ``true`` a boolean, ``[a, b]`` a
    list, ``null`` removes the key)."""
    import yaml

    try:
        return yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text


def set_value(project: "Project", key: str, value: str, actor: "Actor") -> tuple[Any, Any]:
    """Set ``key`` (dotted: ``server.port``) to ``value``; returns ``(old, new)``."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
    from sdd_core.config import load_config
    from sdd_core.model import Event
    from sdd_core.storage import atomic_write

    if not _KEY.match(key):
        raise SddError(f"invalid key {key!r}", hint="use SECTION.KEY, e.g. server.port")
    project.authorize(actor, "config.set", None)
    path = project.sdd_dir / "config.yml"
    yaml = YAML()
    yaml.preserve_quotes = True
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    try:
        data = yaml.load(text) if text.strip() else CommentedMap()
    except Exception as exc:  # noqa: BLE001 - ruamel raises many kinds
        raise ProjectError(f"{path}: config is not valid YAML: {exc}") from exc
    if data is None:
        data = CommentedMap()
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: config must be a mapping of sections")
    parts = key.split(".")
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = CommentedMap()
            node[part] = child
        elif not isinstance(child, dict):
            raise SddError(f"{'.'.join(parts[:parts.index(part) + 1])} is not a section")
        node = child
    new = parse_value(value)
    old = node.get(parts[-1])
    if new is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = new
    buf = io.StringIO()
    yaml.dump(data, buf)
    out = buf.getvalue()

    class _Text:
        def read_text(self, encoding: str = "utf-8") -> str:
            return out

        def __str__(self) -> str:
            return str(path)

    load_config(_Text(), _sections(project))  # raises ProjectError naming the bad key
    event = Event(type="config.changed", actor=actor, resource=None,
                  details={"key": key, "before": _plain(old), "after": _plain(new)})
    atomic_write(Path(path), out.encode("utf-8"), before_commit=lambda: project.emit(event))
    return _plain(old), _plain(new)


def get_value(project: "Project", key: str) -> Any:
    """The effective value of ``key`` (defaults included)."""
    node: Any = project.config.model_dump(mode="json")
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise SddError(f"no config key {key!r}",
                           hint=f"known here: {', '.join(sorted(node)) if isinstance(node, dict) else '-'}")
        node = node[part]
    return node


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value if not isinstance(value, str) else str(value)
    return str(value)
