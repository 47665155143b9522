"""The query language: `sdd query` on a hand-built project, errors, and parser properties.

Expected ids below are worked out by hand from ``example_project_files()`` (sdd_core.conformance):

    id               status       phase domain  tags              reviewers     depends                          created     updated
    user-auth        approved     1     auth    security          alice         -                                2023-11-01  2023-12-15
    auth/login       review       2     auth    security, ui      alice, bob    user-auth                        2024-01-10  2024-02-01
    auth/session     review       2     auth    -                 bob           auth/login                       2024-02-01  2024-03-01
    billing/invoice  draft        3     billing money             alice         ../../auth/user-auth/spec.md     2024-03-05  2024-05-01
    billing/refund   deprecated   4     billing -                 -             .sdd/specs/billing/invoice/...   2023-06-01  2023-06-02
    billing/tax      approved     2     billing -                 alice         -                                2023-12-01  2024-01-01
    search/index     implemented  5     search  Security          carol         billing/tax, ghost/missing       2024-06-01  2024-06-02
    ops/runbook      draft        -     ops     -                 -             -                                2022-01-01  2022-01-01

Text: "Rate limit" in auth/login, "rate limit" in billing/invoice and billing/refund, "RATE LIMIT"
and "Café" in search/index, "rate-limit" in ops/runbook, "hashed" in user-auth.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdd_core.conformance import example_project_files, normalize, query_nodes, query_texts
from sdd_core.query import (
    BUILTIN_FIELDS, And, Field, Not, Or, QueryError, Text, evaluate, explain, parse, sort_specs,
    to_text,
)
from sdd_core.testing import write_project

ALL = ["auth/login", "auth/session", "billing/invoice", "billing/refund", "billing/tax",
       "ops/runbook", "search/index", "user-auth"]


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    return write_project(tmp_path / "proj", example_project_files())


def ids(run_sdd: Any, where: Path, query: str, *extra: str) -> list[str]:
    result = run_sdd("query", query, "--format", "json", *extra, cwd=where)
    assert result.exit_code == 0, result.output
    return [row["id"] for row in result.json()]


# ---------------------------------------------------------------------------- query.md examples

DOC_EXAMPLES = [
    ("status:review AND phase:2", ["auth/login", "auth/session"]),
    ("depends_on:user-auth", ["auth/login", "billing/invoice"]),  # by id, and by relative path
    ("modified_after:2024-01-01",  # billing/tax was updated ON 2024-01-01: not after
     ["auth/login", "auth/session", "billing/invoice", "search/index"]),
    ("reviewer:@alice AND NOT approved", ["auth/login", "billing/invoice"]),
    ("domain:auth,billing -status:deprecated",
     ["auth/login", "auth/session", "billing/invoice", "billing/tax", "user-auth"]),
    ('(phase:>=3 OR tag:security) "rate limit"',
     ["auth/login", "billing/invoice", "billing/refund", "search/index"]),
]


@pytest.mark.parametrize("query,expected", DOC_EXAMPLES)
def test_documented_examples(run_sdd, project_dir, query, expected) -> None:  # type: ignore[no-untyped-def]
    assert ids(run_sdd, project_dir, query) == expected


@pytest.mark.parametrize("query,expected", [
    # fields and aliases
    ("id:USER-AUTH", ["user-auth"]),
    ("title:LOGIN", ["auth/login"]),
    ("title:form", ["auth/login"]),  # title contains
    ("draft", ["billing/invoice", "ops/runbook"]),  # a status name alone
    ("Implemented", ["search/index"]),
    ('"draft"', []),  # a quoted status name is text, and no body says "draft"
    ("phase:<2", ["user-auth"]),
    ("phase:<=2", ["auth/login", "auth/session", "billing/tax", "user-auth"]),
    ("phase:>4", ["search/index"]),
    ("phase:1,5", ["search/index", "user-auth"]),
    ("-phase:2", ["billing/invoice", "billing/refund", "ops/runbook", "search/index",
                  "user-auth"]),  # no phase is "not phase 2"
    ("domain:OPS", ["ops/runbook"]),
    ("author:@dana", ["auth/login", "user-auth"]),  # written "dana" and "@Dana"
    ("tag:SECURITY", ["auth/login", "search/index", "user-auth"]),
    ("tags:ui,money", ["auth/login", "billing/invoice"]),
    ("reviewers:bob", ["auth/login", "auth/session"]),
    ("reviewer:@CAROL", ["search/index"]),
    ("review:approved", ["billing/tax"]),
    ("reviews:changes_requested", ["search/index"]),
    ("created:2024-01-10", ["auth/login"]),
    ("created_before:2024-01-01", ["billing/refund", "billing/tax", "ops/runbook", "user-auth"]),
    ("created_after:2024-03-05", ["search/index"]),
    ("modified_before:2023-12-15", ["billing/refund", "ops/runbook"]),
    ("updated:>=2024-05-01", ["billing/invoice", "search/index"]),
    ("has:priority", ["ops/runbook"]),
    ("-has:phase", ["ops/runbook"]),
    ("has:REVIEWS", ["billing/tax", "search/index"]),
    # other front matter keys
    ("priority:HIGH", ["ops/runbook"]),
    ("owner:team-a", ["ops/runbook"]),
    ("labels:EU", ["billing/invoice"]),  # any element of a list
    ("flag:true", ["billing/tax"]),
    ("estimate:3", ["billing/tax"]),
    # graph
    ("depends_on*:user-auth", ["auth/login", "auth/session", "billing/invoice",
                               "billing/refund"]),
    ("depends_on*:auth/user-auth/spec.md", ["auth/login", "auth/session", "billing/invoice",
                                            "billing/refund"]),  # X by path
    ("depends_on:.sdd/specs/billing/invoice/spec.md", ["billing/refund"]),
    ("dependencies:auth/login", ["auth/session"]),
    ("required_by:auth/session", ["auth/login"]),
    ("required_by*:auth/session", ["auth/login", "user-auth"]),
    ("required_by*:billing/refund", ["billing/invoice", "user-auth"]),
    ("depends_on:ghost/missing", ["search/index"]),  # a dangling reference still matches
    ("required_by:search/index", ["billing/tax"]),
    # boolean structure
    ("NOT NOT draft", ["billing/invoice", "ops/runbook"]),
    ("-(draft OR review)", ["billing/refund", "billing/tax", "search/index", "user-auth"]),
    ("draft review", []),
    ("draft OR review AND phase:3", ["billing/invoice", "ops/runbook"]),  # AND binds tighter
    ("(draft OR review) phase:2", ["auth/login", "auth/session"]),
])
def test_fields_and_forms(run_sdd, project_dir, query, expected) -> None:  # type: ignore[no-untyped-def]
    assert ids(run_sdd, project_dir, query) == expected


RATE_LIMIT = ["auth/login", "billing/invoice", "billing/refund", "ops/runbook", "search/index"]


@pytest.mark.parametrize("query,expected", [
    # text terms go through the search backend (here the built-in scan): stemmed, case and
    # accents folded, prefixes, punctuation splitting words
    ("limits", RATE_LIMIT),  # "limits" and "limit" stem alike
    ('"rate limit"', RATE_LIMIT),  # "rate-limit" is the same two words
    ('"rate-limit"', RATE_LIMIT),
    ("cafe", ["search/index"]),  # "Café"
    ("hash*", ["user-auth"]),  # "hashed"
    ("throttling", ["search/index"]),  # "throttled"
    ("expiring domain:auth", ["auth/session"]),  # "expire"
    ("rate -limit", []),
    ("-limit domain:billing", ["billing/tax"]),
    ('"!!"', []),  # no searchable word: matches nothing
])
def test_text_terms_use_the_search_backend(run_sdd, project_dir, query, expected) -> None:  # type: ignore[no-untyped-def]
    assert ids(run_sdd, project_dir, query) == expected


@pytest.mark.parametrize("query,expected", [
    # --exact: case-insensitive substrings of title, description and body
    ("rate", ["auth/login", "billing/invoice", "billing/refund", "ops/runbook", "search/index"]),
    ('"rate limit"', ["auth/login", "billing/invoice", "billing/refund", "search/index"]),
    ('"rate-limit"', ["ops/runbook"]),
    ("CAFÉ", ["search/index"]),
    ("hashed", ["user-auth"]),
    ("rate -limit", []),  # every spec that says "rate" also says "limit" ("rate-limit" too)
    ("limits", []),  # no stemming
    ("cafe", []),  # no accent folding
    ("hash*", []),  # no prefixes
])
def test_exact_text_terms_are_substrings(run_sdd, project_dir, query, expected) -> None:  # type: ignore[no-untyped-def]
    assert ids(run_sdd, project_dir, query, "--exact") == expected


def test_words_may_be_separate_arguments(run_sdd, project_dir) -> None:  # type: ignore[no-untyped-def]
    result = run_sdd("query", "domain:auth", "-status:approved", "--format", "json",
                     cwd=project_dir)
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in result.json()] == ["auth/login", "auth/session"]
    leading = run_sdd("query", "-status:review", "-draft", "--format", "json", cwd=project_dir)
    assert [r["id"] for r in leading.json()] == [
        "billing/refund", "billing/tax", "search/index", "user-auth"]


def test_sort_and_limit(run_sdd, project_dir) -> None:  # type: ignore[no-untyped-def]
    assert ids(run_sdd, project_dir, "domain:auth", "--sort", "-updated") == [
        "auth/session", "auth/login", "user-auth"]
    assert ids(run_sdd, project_dir, "domain:billing", "--sort", "phase") == [
        "billing/tax", "billing/invoice", "billing/refund"]
    # lifecycle order, ties by id; limit applies after sorting
    assert ids(run_sdd, project_dir, "-domain:billing", "--sort", "status", "--limit", "3") == [
        "ops/runbook", "auth/login", "auth/session"]
    # no phase goes last, in both directions
    assert ids(run_sdd, project_dir, "domain:ops OR phase:>=4", "--sort", "-phase") == [
        "search/index", "billing/refund", "ops/runbook"]
    bad = run_sdd("query", "draft", "--sort", "colour", cwd=project_dir)
    assert bad.exit_code == 2 and "--sort" in bad.stderr


def test_table_and_csv(run_sdd, project_dir) -> None:  # type: ignore[no-untyped-def]
    table = run_sdd("query", "status:review", cwd=project_dir)
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["ID", "TITLE", "STATUS", "PHASE", "DOMAIN", "UPDATED"]
    assert [line.split()[0] for line in lines[2:]] == ["auth/login", "auth/session"]
    assert "2 spec(s)" in table.stderr and "spec(s)" not in table.stdout
    csv = run_sdd("query", "tag:money", "--format", "csv", cwd=project_dir)
    assert csv.stdout.splitlines() == ["id,title,status,phase,domain,updated",
                                       "billing/invoice,Invoice,draft,3,billing,2024-05-01"]


def test_json_rows_carry_the_summary(run_sdd, project_dir) -> None:  # type: ignore[no-untyped-def]
    rows = run_sdd("query", "id:auth/login", "--format", "json", cwd=project_dir).json()
    assert rows == [{
        "id": "auth/login", "title": "Login form", "status": "review", "phase": 2,
        "domain": "auth", "path": ".sdd/specs/auth/login/spec.md", "depends": ["user-auth"],
        "created": "2024-01-10", "updated": "2024-02-01", "author": "Dana",
        "tags": ["security", "ui"], "reviewers": ["alice", "bob"],
    }]


def test_no_match_is_success(run_sdd, project_dir) -> None:  # type: ignore[no-untyped-def]
    result = run_sdd("query", "tag:nothing", "--format", "json", cwd=project_dir)
    assert result.exit_code == 0 and result.json() == []


def test_explain(run_sdd, project_dir) -> None:  # type: ignore[no-untyped-def]
    result = run_sdd("query", '(phase:>=3 OR tag:security) "rate limit"', "--explain",
                     cwd=project_dir)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "ALL of",
        "  ANY of",
        "    phase >= 3",
        "    tags include security",
        """  text matches phrase "rate limit" (search backend 'scan': 5 spec(s))""",
    ]
    exact = run_sdd("query", '(phase:>=3 OR tag:security) "rate limit"', "--explain",
                    "--exact", cwd=project_dir)
    assert exact.stdout.splitlines()[-1] == '  text contains phrase "rate limit"'
    data = run_sdd("query", "modified_after:2024-01-01 -@x", "--explain", "--format", "json",
                   cwd=project_dir).json()
    assert data["backend"] == "files"
    assert data["ast"] == {"node": "and", "items": [
        {"node": "field", "field": "updated", "op": ">", "values": ["2024-01-01"], "column": 1},
        {"node": "not", "item": {"node": "search", "text": "@x", "phrase": False,
                                 "backend": "scan", "matches": 0, "column": 28}},
    ]}
    data = run_sdd("query", "modified_after:2024-01-01 -@x", "--explain", "--format", "json",
                   "--exact", cwd=project_dir).json()
    assert data["ast"]["items"][1] == {
        "node": "not", "item": {"node": "text", "text": "@x", "phrase": False, "column": 28}}


def test_only_visible_specs_are_shown(run_sdd, project_dir, sdd_plugin) -> None:  # type: ignore[no-untyped-def]
    from sdd_core import hookimpl

    class HideBilling:
        @hookimpl
        def authorize(self, actor, action, resource):  # type: ignore[no-untyped-def]
            if action == "spec.view" and getattr(resource, "domain", None) == "billing":
                return False
            return None

    sdd_plugin(HideBilling(), "hide-billing")
    assert ids(run_sdd, project_dir, "depends_on*:user-auth") == ["auth/login", "auth/session"]
    # text terms: hidden specs are neither shown nor counted by --explain
    assert ids(run_sdd, project_dir, '"rate limit"') == ["auth/login", "ops/runbook",
                                                         "search/index"]
    explained = run_sdd("query", '"rate limit"', "--explain", "--format", "json",
                        cwd=project_dir).json()
    assert explained["ast"]["matches"] == 3  # billing/invoice and billing/refund hidden


def test_access_plugins_that_accept_summaries_decide_on_listing_fields(
        run_sdd, project_dir, sdd_plugin) -> None:  # type: ignore[no-untyped-def]
    """An ``authorize`` implementation marked ``accepts_summaries`` gets the listing fields
    (a SpecSummary) for ``spec.view``: query, list and validate need not build specs."""
    from sdd_core import hookimpl

    seen: set[str] = set()

    class HideBillingLight:
        @hookimpl
        def authorize(self, actor, action, resource):  # type: ignore[no-untyped-def]
            if action == "spec.view":
                seen.add(type(resource).__name__)
                if getattr(resource, "domain", None) == "billing":
                    return False
            return None

        authorize.accepts_summaries = True  # type: ignore[attr-defined]

    sdd_plugin(HideBillingLight(), "hide-billing-light")
    assert ids(run_sdd, project_dir, "depends_on*:user-auth") == ["auth/login", "auth/session"]
    assert ids(run_sdd, project_dir, '"rate limit"') == ["auth/login", "ops/runbook",
                                                         "search/index"]
    listed = run_sdd("list", "--format", "json", cwd=project_dir).json()
    assert [r["id"] for r in listed] == ["auth/login", "auth/session", "ops/runbook",
                                         "search/index", "user-auth"]
    report = run_sdd("validate", "--format", "json", cwd=project_dir).json()
    assert report["specs"] == 5
    assert not [f for f in report["findings"] if (f["path"] or "").startswith(".sdd/specs/billing")]
    assert seen == {"SpecSummary"}


def test_access_plugins_see_whole_specs_unless_they_say_otherwise(
        run_sdd, project_dir, sdd_plugin) -> None:  # type: ignore[no-untyped-def]
    from sdd_core import hookimpl

    seen: set[str] = set()

    class Watch:
        @hookimpl
        def authorize(self, actor, action, resource):  # type: ignore[no-untyped-def]
            if action == "spec.view":
                seen.add(type(resource).__name__)
            return None

    sdd_plugin(Watch(), "watch")
    assert ids(run_sdd, project_dir, "draft") == ["billing/invoice", "ops/runbook"]
    assert run_sdd("list", cwd=project_dir).exit_code == 0
    assert seen == {"Spec"}


def test_query_goes_through_the_index_backend(run_sdd, project_dir, sdd_plugin) -> None:  # type: ignore[no-untyped-def]
    from sdd_core import hookimpl
    from sdd_core.index import FileIndex, IndexBackendFactory

    seen: list[Any] = []

    class Recording(FileIndex):
        name = "recording"

        def query(self, node):  # type: ignore[no-untyped-def]
            seen.append(node)
            return super().query(node)

    class Plugin:
        @hookimpl
        def register_index_backends(self, register):  # type: ignore[no-untyped-def]
            register(IndexBackendFactory("recording", Recording, priority=10))

    sdd_plugin(Plugin(), "recording")
    assert ids(run_sdd, project_dir, "tag:ui") == ["auth/login"]
    assert seen == [Field("tag", "=", ("ui",), 1)]


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize("query,column,words", [
    ("status:review AND (phase:2", 19, "never closed"),
    ("phase:2 nosuch:x", 9, "unknown field 'nosuch'"),
    ("tag:a,", 7, "expected a value after ','"),
    ("status:", 8, "expected a value after 'status:'"),
    ("title:>x", 7, "compares numbers and dates"),
    ("created:2024-13-01", 9, "YYYY-MM-DD"),
    ("phase:two", 7, "whole number"),
    ("draft OR", 9, "after OR"),
    ('ok "abc', 4, "quote is never closed"),
    ("draft )", 7, "unexpected ')'"),
    ("()", 1, "empty parentheses"),
    ("OR draft", 1, "found OR"),
    ("modified_after:>2024-01-01", 16, "without '>'"),
    ("   ", 1, "empty"),
])
def test_errors_point_at_the_column(run_sdd, project_dir, query, column, words) -> None:  # type: ignore[no-untyped-def]
    result = run_sdd("query", query, cwd=project_dir)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert words in result.stderr
    assert f"(column {column})" in result.stderr
    lines = result.stderr.splitlines()
    query_line = next(i for i, line in enumerate(lines) if line == "  " + query)
    assert lines[query_line + 1] == "  " + " " * (column - 1) + "^"
    assert "Traceback" not in result.output


def test_unknown_field_lists_the_known_ones(run_sdd, project_dir) -> None:  # type: ignore[no-untyped-def]
    result = run_sdd("query", "stauts:review", cwd=project_dir)
    assert result.exit_code == 2
    assert "did you mean 'status'?" in result.stderr
    for name in ("status", "phase", "depends_on*", "required_by", "modified_after", "has"):
        assert name in result.stderr
    # the project's own front matter keys are offered (and work)
    assert ("front matter keys of this project: constitution_version, estimate, flag, labels,"
            " owner, priority") in result.stderr


def test_parse_error_details() -> None:
    with pytest.raises(QueryError) as info:
        parse("phase:2 colour:red")
    err = info.value
    assert err.column == 9 and err.exit_code == 2
    assert "front matter key" in str(err.hint)
    assert parse("colour:red", extra_fields={"colour"}) == Field("colour", "=", ("red",), 1)
    # a front matter key's case need not match
    assert parse("Colour:red", extra_fields={"colour"}).name == "colour"  # type: ignore[attr-defined]
    # a function is called only when a non-built-in field appears
    calls: list[int] = []

    def keys() -> list[str]:
        calls.append(1)
        return ["colour"]

    parse("status:draft tag:x", extra_fields=keys)
    assert calls == []
    parse("colour:red", extra_fields=keys)
    assert calls == [1]


def test_parsed_forms() -> None:
    assert parse('reviewer:@alice author:"@bob" depends-on:a modified_before:2024-02-29') == And((
        Field("reviewer", "=", ("alice",), 1), Field("author", "=", ("bob",), 17),
        Field("depends_on", "=", ("a",), 31), Field("updated", "<", ("2024-02-29",), 44)))
    assert parse("phase:>=03,-1") == Field("phase", ">=", ("3", "-1"), 1)
    assert parse('title:"rate, limit",x') == Field("title", "=", ("rate, limit", "x"), 1)
    assert parse('"say \\"hi\\""') == Text('say "hi"', True, 1)
    assert parse("a AND (b AND c) OR d") == Or((And((Text("a", False, 1), Text("b", False, 8),
                                                     Text("c", False, 14))), Text("d", False, 20)))
    assert parse("NOT -x") == Not(Not(Text("x", False, 6)))
    assert parse("12:30 and") == And((Text("12:30", False, 1), Text("and", False, 7)))
    assert parse("REVIEW") == Field("status", "=", ("review",), 1)


def test_explain_describes_every_field() -> None:
    text = explain(parse("depends_on*:a required_by:b has:x review:approved title:t priority:p"
                         " created:<=2024-01-01", extra_fields={"priority"}))
    assert text.splitlines()[1:] == [
        "  depends on a (directly or transitively)",
        "  is a direct dependency of b",
        "  front matter has key x",
        "  has a review with status approved",
        "  title contains t",
        "  front matter priority is p",
        "  created is on or before 2024-01-01",
    ]


def test_sort_specs_rejects_unknown_fields() -> None:
    with pytest.raises(ValueError):
        sort_specs([], "colour")


# ---------------------------------------------------------------------------- properties

QUERY_CHARS = st.sampled_from(list('ab:,()"-<>=*@\\ \t') + ["AND", "OR", "NOT", "phase",
                                                             "tag", "draft", "2024-01-01", "é"])


@settings(max_examples=400, deadline=None)
@given(st.lists(QUERY_CHARS, max_size=25).map("".join) | st.text(max_size=30))
def test_parser_never_crashes(text: str) -> None:
    try:
        node = parse(text, extra_fields={"a", "b"})
    except QueryError as exc:
        assert 1 <= exc.column <= len(text) + 1
        assert exc.exit_code == 2
    else:
        # whatever parses can be written back and parses to the same AST
        assert normalize(parse(to_text(node), extra_fields={"a", "b"})) == normalize(node)


@settings(max_examples=200, deadline=None)
@given(query_nodes(max_leaves=8))
def test_ast_round_trip(node) -> None:  # type: ignore[no-untyped-def]
    assert normalize(parse(to_text(node), extra_fields={"priority", "owner"})) == node


@settings(max_examples=100, deadline=None)
@given(query_texts())
def test_text_round_trip(text: str) -> None:
    node = parse(text, extra_fields={"priority", "owner"})
    assert to_text(normalize(node)) == text


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(QueryError, match="nest deeper"):
        parse("(" * 500 + "a" + ")" * 500)
    assert parse("NOT " * 2000 + "a") is not None


@pytest.fixture(scope="module")
def example_specs(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Any], Any]:
    from sdd_core.index import FileIndex
    from sdd_core.project import Project

    project = Project(write_project(tmp_path_factory.mktemp("ex") / "p",
                                    example_project_files()))
    return FileIndex(project).specs(), project


@settings(max_examples=150, deadline=None)
@given(a=query_nodes(max_leaves=4), b=query_nodes(max_leaves=4))
def test_boolean_algebra(example_specs, a, b) -> None:  # type: ignore[no-untyped-def]
    specs, project = example_specs

    def run(n: Any) -> set[str]:
        return {s.id for s in evaluate(n, specs, project.resolve_ref)}

    everything = {s.id for s in specs}
    assert run(Not(a)) == everything - run(a)
    assert run(And((a, b))) == run(a) & run(b)
    assert run(Or((a, b))) == run(a) | run(b)
    assert run(a) == run(parse(to_text(a), extra_fields={"priority", "owner"}))
    assert [s.id for s in evaluate(a, specs)] == sorted(run(a))  # default resolver: the same


def test_all_ids_is_what_the_project_holds(example_specs) -> None:  # type: ignore[no-untyped-def]
    specs, _ = example_specs
    assert sorted(s.id for s in specs) == ALL


def test_help_shows_an_example(run_sdd, project_dir) -> None:  # type: ignore[no-untyped-def]
    for flag in ("--help", "-h"):
        result = run_sdd("query", flag, cwd=project_dir)
        assert result.exit_code == 0
        assert "Example:" in result.stdout and 'sdd query "status:review AND phase:2"' \
            in result.stdout
    # a query that merely starts like -h is still a query
    assert ids(run_sdd, project_dir, "-has:phase") == ["ops/runbook"]


@settings(max_examples=300, deadline=None)
@given(key=st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_.*-]{0,12}", fullmatch=True),
    st.sampled_from(["Status", "TAGS", "depends-on", "Created-After", "modified", "has",
                     "required_by*", "dependencies*", "constitution_version", "owner"])))
def test_names_builtin_field_is_what_the_parser_reads_as_built_in(key: str) -> None:
    """A front matter key the parser reads as a built-in field (its values never compared
    through the key) is exactly one ``names_builtin_field`` names."""
    from sdd_core.query import names_builtin_field

    try:
        node = parse(f"{key}:2026-01-01", extra_fields=lambda: {key})
    except QueryError:
        # only a built-in field refuses a value (a front matter key takes any)
        assert names_builtin_field(key)
        return
    assert isinstance(node, Field)
    assert (node.name != key or key in BUILTIN_FIELDS) == names_builtin_field(key)
