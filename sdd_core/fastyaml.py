"""A fast reader for the plain front matter most specs have, with libyaml as the fallback.

libyaml's C loader still builds every scalar in Python (about 80 µs a spec); most front
matter is ``key: value`` lines, flow lists ``[a, b]`` and block lists of plain scalars.
:func:`load_simple` reads exactly that subset and returns ``None`` for anything else
(quotes with escapes, nested maps, anchors, block scalars, floats ...), so the caller falls
back to the full YAML loader. A property test checks it gives what the YAML loader gives
whenever it answers. Dates are kept as text, as :mod:`sdd_core.parsing`'s loader does.
"""

from __future__ import annotations

import re
from typing import Any

_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$")
_ITEM_LINE = re.compile(r"([ \t]*)-(?:[ \t]+(.*?))?[ \t]*$")
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)$")
_TEXTISH_NUMBER = re.compile(
    r"\d{4}-\d{2}-\d{2}$|\d+(?:\.\d+){2,}(?:[-+][0-9A-Za-z.-]+)?$"
    # ISO timestamps (kept as text, as the YAML loader here does)
    r"|\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[-+]\d{2}:\d{2})?$"
)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_NOT_PLAIN_START = frozenset("-?:,[]{}#&*!|>'\"%@`")
# A scalar of a letter then ASCII letters, digits, spaces and "_./-" is itself unless it is
# a null or boolean word: none of _scalar's other cases can apply to it.
_PLAIN_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9_./ -]*").fullmatch
_WORDS: dict[str, Any] = {**dict.fromkeys(_NULLS), **_BOOLS}
_FAIL = object()
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")


def _scalar(raw: str, in_flow: bool = False) -> Any:
    if _PLAIN_WORDS(raw) is not None:  # the common case: letters, digits, spaces, _ . / -
        return _WORDS[raw] if raw in _WORDS else raw
    if raw in _NULLS:
        return None
    first = raw[0]
    if first == '"':
        body = raw[1:-1]
        if len(raw) >= 2 and raw[-1] == '"' and '"' not in body and "\\" not in body:
            return body
        return _FAIL
    if first == "'":
        body = raw[1:-1]
        if len(raw) >= 2 and raw[-1] == "'" and "'" not in body:
            return body
        return _FAIL
    if raw in _BOOLS:
        return _BOOLS[raw]
    if first in _NOT_PLAIN_START or ": " in raw or " #" in raw or raw.endswith(":") \
            or "\t" in raw:
        return _FAIL
    if in_flow and any(c in raw for c in ",[]{}"):
        return _FAIL
    if first.isdigit() or first in "+-.":
        if _INT.match(raw):
            return int(raw)
        if _TEXTISH_NUMBER.match(raw):
            return raw
        return _FAIL
    if raw.lower() in (".inf", ".nan") or not raw.isprintable():
        return _FAIL
    return raw


def _flow_list(raw: str) -> Any:
    inner = raw[1:-1].strip()
    if not inner:
        return []
    out = []
    for part in inner.split(","):
        part = part.strip()
        if not part:
            return _FAIL
        value = _scalar(part, in_flow=True)
        if value is _FAIL or isinstance(value, str) and part[0] in "'\"" and "," in value:
            return _FAIL
        out.append(value)
    return out


def _value(raw: str) -> Any:
    if raw.startswith("["):
        return _flow_list(raw) if raw.endswith("]") and raw.count("[") == 1 \
            and raw.count("]") == 1 else _FAIL
    return _scalar(raw)


def _key(line: str) -> tuple[str, str] | None:
    m = _KEY_LINE.match(line)
    if m is None:
        return None
    key = m.group(1)
    if key in _BOOLS or key in _NULLS or key[0].isdigit():
        return None
    return key, m.group(2) or ""


def load_simple(text: str) -> dict[str, Any] | None:
    """The front matter as a dict, or ``None`` when it is not in the simple subset.

    The subset: ``key: scalar``, ``key: [flow, list]``, and ``key:`` followed by a block
    list whose items are scalars or flat mappings of scalars (``- reviewer: bob`` /
    ``  status: approved``), as review records are written.
    """
    data: dict[str, Any] = {}
    pending: str | None = None  # key whose value may be a block list
    items: list[Any] = []
    item_indent: str | None = None
    mapping: dict[str, Any] | None = None  # the flat mapping item being read
    mapping_col = 0
    for line in text.split("\n"):
        if line[:1] in _LETTERS:  # a top-level "key: value" line (most lines)
            m = _KEY_LINE.match(line)
            if m is None:
                return None
            key, raw = m.groups()
            if key in _WORDS:
                return None
        else:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line[0] in " \t-":
                if pending is None:
                    return None
                if mapping is not None and line[:mapping_col].strip() == "" \
                        and line[mapping_col:mapping_col + 1] not in (" ", "\t", "-", ""):
                    pair = _key(line[mapping_col:])
                    if pair is None or not pair[1] or pair[0] in mapping:
                        return None
                    value = _value(pair[1])
                    if value is _FAIL:
                        return None
                    mapping[pair[0]] = value
                    continue
                m = _ITEM_LINE.match(line)
                if m is None:
                    return None
                indent, raw = m.group(1), m.group(2) or ""
                if item_indent is None:
                    item_indent = indent
                elif indent != item_indent:
                    return None
                mapping = None
                if raw.startswith("["):
                    return None
                pair = _key(raw) if ":" in raw else None
                if pair is not None:
                    if not pair[1] or not line.startswith(indent + "- " + pair[0]):
                        return None
                    value = _value(pair[1])
                    if value is _FAIL:
                        return None
                    mapping = {pair[0]: value}
                    mapping_col = len(indent) + 2
                    items.append(mapping)
                    continue
                value = _scalar(raw)
                if value is _FAIL:
                    return None
                items.append(value)
                continue
            pair = _key(line)
            if pair is None:
                return None
            key, raw = pair
        if pending is not None:
            data[pending] = items if items else None
        mapping = None
        if raw:
            value = _value(raw)
            if value is _FAIL:
                return None
            data[key] = value
            pending, items, item_indent = None, [], None
        else:
            pending, items, item_indent = key, [], None
    if pending is not None:
        data[pending] = items if items else None
    return data
