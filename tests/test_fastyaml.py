"""The fast front matter reader answers exactly what the YAML loader answers, or defers."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sdd_core.fastyaml import load_simple
from sdd_core.parsing import yaml_load

_scalar_text = st.one_of(
    st.sampled_from(["", "~", "null", "yes", "No", "on", "true", "FALSE", "0", "12", "-3", "007",
                     "1.5", "1e3", "1.0.0", "2026-11-25T17:00:00Z", "2026-11-25T17:00:00.5+01:00",
                     "2026-11-25 17:00:00", "2026-11-25t1:00:00", "2.1.3-rc.1", "2026-01-05", "2026-1-5", "0x1f", "1_000",
                     "@alice", "a: b", "a #c", "x:", ".inf", "[a, b]", "[]", "[a,]", "['a', b]",
                     '"q"', "'s'", '"a\\"b"', "'it''s'", "{a: 1}", "&anchor", "*ref", "!tag",
                     "|", ">", "%x", "`x`", "a, b", "auth/login", "Invoice CSV Export",
                     "caf\u00e9", "\ud55c\uad6d\uc5b4", "- item", "a\tb", "[x, [y]]", "[1, 2]"]),
    st.text("abz019 -_./:#@'\"[],{}", max_size=12),
)
_key = st.one_of(st.sampled_from(["id", "title", "status", "depends", "tags", "yes", "null",
                                  "1a", "a.b", "a-b", "_x"]),
                 st.text("abcxyz_", min_size=1, max_size=6))


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        key = draw(_key)
        kind = draw(st.integers(0, 4))
        if kind == 0:
            lines.append(f"{key}: {draw(_scalar_text)}")
        elif kind == 1:
            lines.append(f"{key}:")
            indent = draw(st.sampled_from(["", "  ", "    "]))
            for _ in range(draw(st.integers(0, 3))):
                lines.append(f"{indent}- {draw(_scalar_text)}")
        elif kind == 2:
            lines.append(f"{key}:")
            indent = draw(st.sampled_from(["", "  "]))
            for _ in range(draw(st.integers(1, 3))):
                first = True
                for _ in range(draw(st.integers(1, 3))):
                    lead = f"{indent}- " if first else f"{indent}{draw(st.sampled_from(['  ', ' ', '   ']))}"
                    lines.append(f"{lead}{draw(_key)}: {draw(_scalar_text)}")
                    first = False
        elif kind == 4:
            lines.append(f"# comment {draw(_scalar_text)}")
        else:
            lines.append(draw(st.sampled_from(["", "  nested: 1", "key value", "- stray"])))
    return "\n".join(lines) + "\n"


@settings(max_examples=1500, deadline=None)
@given(front_matter())
@example("title: x\ntags:\n  - a\n  - b\nn: 3\nv: 1.0.0\nd: 2026-01-05\n")
def test_fast_reader_agrees_with_yaml(text: str) -> None:
    fast = load_simple(text)
    if fast is None:
        return
    try:
        slow = yaml_load(text)
    except Exception as exc:  # noqa: BLE001
        raise AssertionError(f"fast reader accepted what YAML rejects: {exc}") from exc
    assert fast == (slow or {})
    assert [type(v) for v in fast.values()] == [type(v) for v in (slow or {}).values()]


def test_fast_reader_handles_typical_front_matter() -> None:
    text = ('id: auth/login\ntitle: "Login"\nstatus: review\nphase: 2\ncreated: 2026-01-05\n'
            "depends:\n  - auth/session\ntags: [security, mfa]\nreviewers:\n  - \"@grace\"\n"
            "constitution_version: 1.3.0\n")
    assert load_simple(text) == {
        "id": "auth/login", "title": "Login", "status": "review", "phase": 2,
        "created": "2026-01-05", "depends": ["auth/session"], "tags": ["security", "mfa"],
        "reviewers": ["@grace"], "constitution_version": "1.3.0"}


def test_fast_reader_reads_review_records() -> None:
    text = ("id: a\nreviews:\n  - reviewer: bob\n    status: approved\n"
            "    date: 2026-11-25T17:00:00Z\n    content_hash: ab12\n  - reviewer: eve\n"
            "    status: requested\nstatus: review\n")
    assert load_simple(text) == {"id": "a", "status": "review", "reviews": [
        {"reviewer": "bob", "status": "approved", "date": "2026-11-25T17:00:00Z",
         "content_hash": "ab12"}, {"reviewer": "eve", "status": "requested"}]}
    assert load_simple(text) == yaml_load(text)


def test_fast_reader_defers_on_anything_else() -> None:
    for text in ("a: |\n  block\n", "a:\n  b: 1\n", "a: &x 1\n", "a: 1.5\n",
                 "reviews:\n  - reviewer: x\n    nested:\n      - a\n", 'a: "esc\\n"\n', "a: {b: 1}\n"):
        assert load_simple(text) is None, text
