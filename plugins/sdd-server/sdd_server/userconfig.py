"""The user's own settings (not the project's): which server to talk to, with which token.

Stored in ``$SDD_CONFIG_DIR/config.yml`` or the platform's user config folder
(``~/.config/sdd/config.yml`` on Linux), readable by the user only (mode 0600).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sdd_core.errors import ProjectError


def config_path() -> Path:
    """Where the user config lives."""
    explicit = os.environ.get("SDD_CONFIG_DIR")
    if explicit:
        return Path(explicit) / "config.yml"
    from platformdirs import user_config_dir

    return Path(user_config_dir("sdd")) / "config.yml"


def load() -> dict[str, Any]:
    """The user config (empty when there is none)."""
    import yaml

    path = config_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError) as exc:
        raise ProjectError(f"{path}: cannot read the user config: {exc}") from exc
    return data if isinstance(data, dict) else {}


def save(data: dict[str, Any]) -> Path:
    """Write the user config atomically with mode 0600."""
    import tempfile

    import yaml

    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yaml.safe_dump(data, fh, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def server() -> tuple[str, str | None]:
    """``(url, token)`` of the connected server; ``SDD_SERVER_URL`` / ``SDD_SERVER_TOKEN``
    override the stored ones."""
    stored = load().get("server") or {}
    url = os.environ.get("SDD_SERVER_URL") or stored.get("url")
    token = os.environ.get("SDD_SERVER_TOKEN") or stored.get("token")
    if not url:
        raise ProjectError("no server connected",
                           hint="run `sdd server connect URL --token TOKEN` first")
    return str(url).rstrip("/"), token
