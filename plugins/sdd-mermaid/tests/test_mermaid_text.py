"""Node ids and labels: whatever the input, the output cannot break Mermaid's syntax."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from sdd_mermaid.text import MAX_LABEL, escape, label, node_id, plain, truncate

ENTITY = re.compile(r"#(?:quot|lt|gt|amp|\d+);")
ENTITY_CHARS = {"#quot;": '"', "#lt;": "<", "#gt;": ">", "#amp;": "&"}


def decode(text: str) -> str:
    """What Mermaid shows for an escaped label."""
    return ENTITY.sub(lambda m: ENTITY_CHARS.get(m.group(0)) or chr(int(m.group(0)[1:-1])),
                      text)


def test_node_ids_are_plain_and_prefixed() -> None:
    assert node_id("auth/login") != node_id("auth_login")
    assert node_id("end") == "s_end"
    assert node_id("billing", "d") == "d_billing"
    assert re.fullmatch(r"s_[A-Za-z0-9_]+", node_id("환불 #1; \"x\""))


@given(st.text(min_size=0, max_size=80), st.text(min_size=0, max_size=80))
def test_node_ids_are_safe_and_distinct(a: str, b: str) -> None:
    assert re.fullmatch(r"s_[A-Za-z0-9_]+", node_id(a)) or node_id(a) == "s_"
    if a != b:
        assert node_id(a) != node_id(b)


@given(st.text(max_size=200))
def test_escaped_labels_hold_no_syntax(text: str) -> None:
    out = escape(text)
    bare = ENTITY.sub("", out)
    for ch in '"#;<>&`|\\%\n\r\t':
        assert ch not in bare
    shown = decode(out)
    assert len(shown) <= MAX_LABEL
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    if len(flat) <= MAX_LABEL:
        assert shown == flat
    else:
        assert shown.endswith("…") and flat.startswith(shown[:-1])


def test_escape_examples() -> None:
    assert escape('say "hi"; #1') == "say #quot;hi#quot;#59; #35;1"
    assert escape("a <b> & `c` | d\\e 5%") == "a #lt;b#gt; #amp; #96;c#96; #124; d#92;e 5#37;"
    assert escape("환불 처리 — à la carte") == "환불 처리 — à la carte"
    assert escape("x" * 100) == "x" * (MAX_LABEL - 1) + "…"
    assert label("Title", "", "id/1") == '"Title<br/>id/1"'


def test_truncate_and_plain() -> None:
    assert truncate("  a \n b  ") == "a b"
    assert truncate("word " * 30, 10) == "word word…"
    assert plain('Specs; "by" #status') == "Specs by status"
    assert plain("") == "-"
