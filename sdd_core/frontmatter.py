"""Writing front matter without losing anything: keys, order and comments survive a save.

Reading many files uses the fast C loader (:mod:`sdd_core.parsing`); only the file being
written goes through ruamel.yaml's round-trip loader, which is pure Python and slower.
"""

from __future__ import annotations

import datetime as _dt
import io
from typing import Any, Mapping

from sdd_core.errors import SddError
from sdd_core.parsing import split_front_matter


def _yaml() -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    # ``depends: null`` stays ``null`` (as sdd-tool writes it), not an empty value
    y.representer.add_representer(
        type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    return y


def _plain(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        return value
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def render(meta: Mapping[str, Any], body: str) -> str:
    """A new spec file's text from front matter values and a body."""
    buf = io.StringIO()
    if meta:
        _yaml().dump({k: _plain(v) for k, v in meta.items()}, buf)
    fm = buf.getvalue()
    return f"---\n{fm}---\n{body}" if fm else body


def update(text: str, changes: Mapping[str, Any] | None = None,
           remove: tuple[str, ...] | list[str] = (), body: str | None = None) -> str:
    """Return ``text`` with front matter keys set or removed, everything else untouched.

    :param changes: keys to set (a new key is appended at the end).
    :param remove: keys to delete.
    :param body: a new body, or ``None`` to keep the current one byte for byte.
    """
    fm_text, old_body, _, body_line = split_front_matter(text)
    if fm_text is not None and body_line == -1:
        raise SddError("cannot update a spec whose front matter is never closed")
    y = _yaml()
    data: Any
    if fm_text is None or not fm_text.strip():
        from ruamel.yaml.comments import CommentedMap

        data = CommentedMap()
    else:
        data = y.load(fm_text)
        if not isinstance(data, dict):
            raise SddError("cannot update a spec whose front matter is not a mapping")
    for key, value in (changes or {}).items():
        data[key] = _plain(value)
    for key in remove:
        if key in data:
            del data[key]
    buf = io.StringIO()
    if len(data):
        y.dump(data, buf)
    new_body = old_body if body is None else body
    fm = buf.getvalue()
    return f"---\n{fm}---\n{new_body}" if fm else new_body
