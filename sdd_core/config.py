"""``.sdd/config.yml``: validated project settings.

The core owns a few sections; plugins add theirs through the ``register_settings`` hook. An
unknown key anywhere is an error that names the key and lists the known ones.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from sdd_core.errors import ProjectError
from sdd_core.model import Severity


class _Section(BaseModel):
    # schemas are built once, inside the Config model, not for each section on import
    model_config = ConfigDict(extra="forbid", defer_build=True)


class ProjectSettings(_Section):
    """``project:`` — the project's name and description, shown in exports."""

    name: str | None = None
    description: str | None = None


class ValidationSettings(_Section):
    """``validation:`` — which rules run and how severe they are."""

    strict: bool = False
    ignore: list[str] = Field(default_factory=list, description="rule codes never reported")
    severity: dict[str, Severity] = Field(default_factory=dict,
                                          description="rule code -> error|warning|info")
    check_links: bool = True


class IndexSettings(_Section):
    """``index:`` — which index backend answers reads (default: the best installed)."""

    backend: str | None = None


class SearchSettings(_Section):
    """``search:`` — which full-text search backend ``sdd search`` uses."""

    backend: str | None = None


CORE_SECTIONS: dict[str, type[BaseModel]] = {
    "project": ProjectSettings,
    "validation": ValidationSettings,
    "index": IndexSettings,
    "search": SearchSettings,
}


def build_model(sections: dict[str, type[BaseModel]]) -> type[BaseModel]:
    """The config model for the core's sections plus every plugin's."""
    fields: dict[str, Any] = {"version": (int, 1)}
    for name, model in sections.items():
        fields[name] = (model, Field(default_factory=model))
    return create_model("Config", __config__=ConfigDict(extra="forbid"), **fields)


def load_config(path: Any, sections: dict[str, type[BaseModel]]) -> BaseModel:
    """Read and validate the config file; a missing file gives the defaults."""
    import yaml

    model = build_model(sections)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return model()
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"{path}: cannot read the config: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ProjectError(f"{where}: config is not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: config must be a mapping of sections")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProjectError(_explain(path, exc, model)) from exc


def _explain(path: Any, exc: ValidationError, model: type[BaseModel]) -> str:
    lines = [f"{path}: invalid configuration"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            parent: Any = model
            for part in err["loc"][:-1]:
                field = getattr(parent, "model_fields", {}).get(part)
                parent = field.annotation if field is not None else None
            known = sorted(getattr(parent, "model_fields", {}) or [])
            lines.append(f"  unknown key '{loc}' (known keys here: {', '.join(known)})")
        else:
            lines.append(f"  '{loc}': {err['msg']}")
    return "\n".join(lines)
