"""Round trips over random data models: Markdown field tables -> DBML export -> the plugin's
own DBML reader give back the same tables, columns, settings and references."""

from __future__ import annotations

from dbml_helpers import random_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sdd_dbml.dbml import blank, parse_dbml
from sdd_dbml.export import to_dbml
from sdd_dbml.parse import parse_model

from sdd_core import parse_spec


def _export(text: str) -> str:
    spec = parse_spec(text, ".sdd/specs/r/model.md", "r/model.md").spec
    assert spec is not None
    return to_dbml(parse_model(spec)).text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rnd=st.randoms(use_true_random=False))
def test_export_reads_back(rnd) -> None:
    text, expected = random_model(rnd)
    parsed = parse_dbml(_export(text))
    assert parsed.problems == []
    got = {t.name: t for t in parsed.tables}
    assert set(got) == set(expected["tables"])
    for name, cols in expected["tables"].items():
        table = got[name]
        assert [(c.name, c.type) for c in table.columns] == [(c, t) for c, t, _ in cols]
        for col, (_, _, flags) in zip(table.columns, cols):
            assert col.pk == ("pk" in flags)
            assert col.unique == ("unique" in flags)
            assert col.increment == ("increment" in flags)
            assert col.not_null == ("not null" in flags and "pk" not in flags)
    refs = {(r.from_table, r.from_columns[0], r.op, r.to_table, r.to_columns[0])
            for r in parsed.refs}
    assert refs == expected["refs"]


@given(st.text(alphabet="ab{}'\"`/*\n x", max_size=40))
def test_blanking_keeps_every_position(text) -> None:
    out = blank(text)
    assert len(out) == len(text)
    assert [i for i, c in enumerate(out) if c == "\n"] == [
        i for i, c in enumerate(text) if c == "\n"]
    # outside strings, expressions and comments nothing changes
    assert set(out) <= set(text) | {" "}


def test_blanking_hides_braces_in_strings_and_comments() -> None:
    text = "Table a { // }\n  x int [note: '}{'] /* { */\n  y text [default: `f({})`]\n}"
    out = blank(text)
    assert out.count("{") == out.count("}") == 1
    assert out.split("\n")[1].startswith("  x int [note: '  ']")
