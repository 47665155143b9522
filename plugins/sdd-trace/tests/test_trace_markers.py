"""Reading markers and test names out of text (the documented rules, and properties)."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st
from sdd_trace.markers import extract, refs_in_test_names


def refs(text, is_test=False):
    return [(r.line, r.spec, r.req, r.context, r.via) for r in extract(text, is_test)]


def test_marker_forms():
    text = ("// @spec a/b#REQ-01\n"
            "# @spec: REQ-02, REQ-03\n"
            "/* @spec c/d REQ-04 REQ-05 */\n"
            "-- @spec e#REQ-06, f/g#req-7 and prose REQ-08\n"
            "<!-- @spec REQ-09 -->\n")
    assert refs(text) == [
        (1, "a/b", "REQ-01", None, "marker"),
        (2, None, "REQ-02", "a/b", "marker"), (2, None, "REQ-03", "a/b", "marker"),
        (3, "c/d", None, None, "marker"), (3, "c/d", "REQ-04", None, "marker"),
        (3, "c/d", "REQ-05", None, "marker"),
        (4, "e", "REQ-06", None, "marker"), (4, "f/g", "REQ-7", None, "marker"),
        (5, None, "REQ-09", "f/g", "marker"),
    ]


def test_not_markers():
    text = ("user@spec.com REQ-01\n"
            "@specification REQ-01\n"
            "@spec-like REQ-01\n"
            'PATTERN = r"@spec\\b(.*)"\n'
            "# write `@spec <spec-id>#REQ-01` in a comment\n")
    assert refs(text) == []


def test_two_markers_on_one_line():
    assert [(r.spec, r.req) for r in extract("x  // @spec a#REQ-01 @spec b#REQ-02\n", False)
            ] == [("a", "REQ-01"), ("b", "REQ-02")]


def test_test_names_recognised():
    cases = {
        "def test_req_01_login():": [(None, "REQ-01")],
        "    async def test_lockout_REQ02(self):": [(None, "REQ-02")],
        "def test_req01_and_req_2():": [(None, "REQ-01"), (None, "REQ-2")],
        "func TestREQ01Login(t *testing.T) {": [(None, "REQ-01")],
        "func (s *Suite) TestReq03Case() {": [(None, "REQ-03")],
        "class TestReq_04:": [(None, "REQ-04")],
        "  void testReq05Works() {": [(None, "REQ-05")],
        "fn test_req_6() {": [(None, "REQ-6")],
        'it("REQ-07 rejects a bad password", () => {': [(None, "REQ-07")],
        "test('a/b#REQ-08 works', async () => {": [("a/b", "REQ-08")],
        "it.only(`REQ-09 x`, () => {})": [(None, "REQ-09")],
        'test.each([1, 2])("REQ-10 case %i", (n) => {})': [(None, "REQ-10")],
        'describe("REQ-11", () => { it("REQ-12 too", () => {}) })': [
            (None, "REQ-11"), (None, "REQ-12")],
        '\tt.Run("REQ-13 expires", func(t *testing.T) {})': [(None, "REQ-13")],
    }
    for line, expected in cases.items():
        assert refs_in_test_names(line) == expected, line


def test_test_names_not_recognised():
    for line in ("def test_freq_1():", "def test_required_field():", "def helper_req_01():",
                 "func TestPrereq1(t *testing.T)", 'submit("REQ-01 text")',
                 'it("no id here")', "def test_requests_02():"):
        assert refs_in_test_names(line) == [], line


def test_test_names_only_in_test_files():
    text = "# @spec a\ndef test_req_01():\n    pass\n"
    assert refs(text, is_test=False) == [(1, "a", None, None, "marker")]
    assert refs(text, is_test=True) == [(1, "a", None, None, "marker"),
                                        (2, None, "REQ-01", "a", "test-name")]


COMMENTS = [("// ", ""), ("# ", ""), ("/* ", " */"), ("-- ", ""), ("<!-- ", " -->"),
            ('"""', '"""'), (" * ", "")]
spec_ids = st.from_regex(r"[a-z][a-z0-9]{0,6}(/[a-z][a-z0-9-]{0,6}[a-z0-9]){0,2}",
                         fullmatch=True)
req_nums = st.integers(min_value=0, max_value=999)


@given(st.sampled_from(COMMENTS), st.lists(st.tuples(spec_ids, req_nums), min_size=1,
                                           max_size=4),
       st.sampled_from([", ", " ", ","]), st.integers(min_value=0, max_value=5))
def test_full_ids_round_trip(comment, items, sep, blank_lines):
    """Whatever the comment syntax and separator, every written id is read back, on the
    line it was written on."""
    opening, closing = comment
    body = sep.join(f"{s}#REQ-{n:02d}" for s, n in items)
    text = "\n" * blank_lines + f"{opening}@spec {body}{closing}\nmore code\n"
    got = [(r.line, r.spec, r.req) for r in extract(text, False)]
    assert got == [(blank_lines + 1, s, f"REQ-{n:02d}") for s, n in items]


def test_plugin_import_stays_light():
    code = ("import sys, sdd_trace; "
            "heavy = [m for m in ('pathspec', 'pydantic', 'yaml', 'sdd_trace.scan', "
            "'sdd_trace.trace', 'sdd_core.project') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
