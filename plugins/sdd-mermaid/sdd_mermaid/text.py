"""Safe Mermaid text: node ids that cannot clash with the syntax, labels that cannot break it.

Spec ids and titles are user text: quotes, brackets, ``#``, ``;``, backticks, angle brackets,
Markdown and any script may appear in them. Labels are written in Mermaid's ``"..."`` quoting
and every character that means something inside it is written as a Mermaid entity
(``#quot;``, ``#35;`` ...), which Mermaid turns back into the character when it draws.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

#: The longest label (in characters) before it is cut with an ellipsis.
MAX_LABEL = 60

# Characters written as entities inside a quoted label. ``#`` first, so the entities
# written for the others are not escaped again.
_ENTITIES = {
    "#": "#35;",
    '"': "#quot;",
    ";": "#59;",
    "<": "#lt;",
    ">": "#gt;",
    "&": "#amp;",
    "`": "#96;",
    "|": "#124;",
    "\\": "#92;",
    "%": "#37;",
}
_ENTITY_RE = re.compile("[" + re.escape("".join(_ENTITIES)) + "]")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_]")


def node_id(key: str, prefix: str = "s") -> str:
    """A Mermaid node id for ``key`` (a spec id, a domain name): ASCII letters, digits and
    ``_`` only, always starting with ``prefix_`` (so never a keyword such as ``end``), and
    distinct for distinct keys (a short hash is added when characters were replaced)."""
    clean = _UNSAFE_ID.sub("_", key)[:40]
    if clean != key or len(key) > 40:
        clean += "_" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
    return f"{prefix}_{clean}"


def truncate(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` on one line, cut to ``limit`` characters with ``…`` when longer."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: max(limit - 1, 1)].rstrip() + "…"


def escape(text: str, limit: int | None = MAX_LABEL) -> str:
    """``text`` made safe for the inside of a ``"..."`` label (without the quotes).

    Control characters are dropped, whitespace runs become one space, long text is cut.
    """
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = truncate(text, limit) if limit else " ".join(text.split())
    return _ENTITY_RE.sub(lambda m: _ENTITIES[m.group(0)], text)


def label(*lines: str, limit: int | None = MAX_LABEL) -> str:
    """A quoted label of one or more lines (``"line 1<br/>line 2"``), each line escaped."""
    return '"' + "<br/>".join(escape(line, limit) for line in lines if line) + '"'


def plain(text: str, limit: int = MAX_LABEL) -> str:
    """Text for places that take no quoting (a chart title, an axis name): the characters
    that end or start a statement there (``#``, ``;``, quotes, newlines) are removed."""
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = re.sub(r'[#;"`<>{}\[\]:%]', " ", text)
    return truncate(text, limit) or "-"
