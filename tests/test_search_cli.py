"""`sdd search` through the CLI, and the query parser."""

from __future__ import annotations

from typing import Any

import pytest
from sdd_core import hookimpl
from sdd_core.search import SearchTerms, parse_search, stem
from sdd_core.search_conformance import corpus_files


@pytest.fixture
def root(sdd_project: Any) -> Any:
    return sdd_project(corpus_files()).root


@pytest.mark.parametrize("text, terms", [
    ("pay failure", SearchTerms(words=("pay", "failure"))),
    ('"rate limit" pay* -refund -"partial refund"',
     SearchTerms(phrases=("rate limit",), prefixes=("pay",), excluded=("refund", "partial refund"))),
    ('login "unclosed phrase here', SearchTerms(words=("login",), phrases=("unclosed phrase here",))),
    ("a AND b NOT c - * +d", SearchTerms(words=("a", "b", "d"), excluded=("c",))),
    ("Café café", SearchTerms(words=("Café", "café"))),
])
def test_parse_search(text: str, terms: SearchTerms) -> None:
    assert parse_search(text) == terms


def test_porter_stems() -> None:
    # worked from Porter's rules: 1a, 1b (+e), 2, 3, 4, 5a
    assert [stem(w) for w in ("caresses", "hoping", "relational", "hopefulness",
                              "adjustment", "probate")] == \
        ["caress", "hope", "relat", "hope", "adjust", "probat"]


def test_json_hits_and_types(run_sdd: Any, root: Any) -> None:
    r = run_sdd("search", "payment", "--format", "json", cwd=root)
    assert r.exit_code == 0
    hits = r.json()
    assert [h["id"] for h in hits] == ["billing/payment-retry", "billing/refund"]
    assert "«" in hits[0]["snippet"] and hits[0]["matched"]
    r = run_sdd("search", "MUST", "retry", "--type", "requirement", "--format", "json", cwd=root)
    [hit] = r.json()
    assert (hit["id"], hit["item_id"], hit["ref"]) == \
        ("billing/payment-retry", "REQ-01", "billing/payment-retry#REQ-01")
    assert "retry a failed payment" in hit["text"]


def test_table_keeps_markers_without_colour(run_sdd: Any, root: Any) -> None:
    r = run_sdd("search", "webauthn", cwd=root)
    assert "auth/passkeys" in r.stdout and "«WebAuthn»" in r.stdout
    assert "1 hit(s) (scan)" in r.stderr


def test_unknown_backend_exits_3_naming_installed(run_sdd: Any, root: Any) -> None:
    r = run_sdd("search", "payment", "--backend", "nope", cwd=root)
    assert r.exit_code == 3 and "nope" in r.output and "scan" in r.output
    (root / ".sdd" / "config.yml").write_text("search:\n  backend: other\n", encoding="utf-8")
    r = run_sdd("search", "payment", cwd=root)
    assert r.exit_code == 3 and "other" in r.output


def test_did_you_mean_and_fuzzy(run_sdd: Any, root: Any) -> None:
    r = run_sdd("search", "paymnt", cwd=root)
    assert r.exit_code == 0 and r.stdout == ""
    assert "did you mean: paymnt → payment" in r.stderr
    r = run_sdd("search", "paymnt", "--fuzzy", "--format", "json", cwd=root)
    assert {h["id"] for h in r.json()} == {"billing/payment-retry", "billing/refund"}


def test_relaxed_when_no_spec_has_every_word(run_sdd: Any, root: Any) -> None:
    r = run_sdd("search", "webauthn", "zebra", "--format", "json", cwd=root)
    assert [h["id"] for h in r.json()] == ["auth/passkeys"]
    assert "match some of them" in r.stderr


def test_nothing_to_search_is_a_usage_error(run_sdd: Any, root: Any) -> None:
    assert run_sdd("search", "-payment", cwd=root).exit_code == 2


class HideBilling:
    @hookimpl
    def authorize(self, actor: Any, action: str, resource: Any) -> bool | None:
        if action == "spec.view" and getattr(resource, "domain", None) == "billing":
            return False
        return None


def test_access_control_hides_hits(run_sdd: Any, root: Any, sdd_plugin: Any) -> None:
    sdd_plugin(HideBilling(), "hide-billing")
    r = run_sdd("search", "failed", "--format", "json", "--limit", "1", cwd=root)
    assert [h["id"] for h in r.json()] == ["auth/login"]


def test_registered_backend_wins_by_priority(run_sdd: Any, root: Any, sdd_plugin: Any) -> None:
    from sdd_core.search import SearchBackend, SearchBackendFactory, SearchHit

    class Fixed(SearchBackend):
        name = "fixed"

        def search(self, query: Any) -> list[SearchHit]:
            return [SearchHit("ops/runbook", "Runbook", 1.0, "«x»")]

    class Plugin:
        @hookimpl
        def register_search_backends(self, register: Any) -> None:
            register(SearchBackendFactory("fixed", Fixed, priority=5))

    sdd_plugin(Plugin(), "fixed")
    r = run_sdd("search", "payment", "--format", "json", cwd=root)
    assert [h["id"] for h in r.json()] == ["ops/runbook"]
    r = run_sdd("search", "payment", "--backend", "scan", "--format", "json", cwd=root)
    assert r.json()[0]["id"] == "billing/payment-retry"


# --- plain_text: the fast passes give what the one-pass regex reference gives --------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# Markdown-ish text rich in what plain_text removes or collapses: markers at line starts,
# emphasis runs next to each other, backticks, odd white space, accents and Hangul.
_PIECES = st.sampled_from([
    "#", "## ", "###### ", "####### ", ">", "> ", "- ", "-", "* ", "+\t", "1. ", "12.", "3.x",
    "**", "*", "__", "_", "`", "```", "_**_", "*`*", "\n", "\n\n", " ", "  ", "\t", "\r\n",
    "\x0b", "\x0c", "\x1c", "\xa0", "\u2003", "word", "Café", "결제", "pay", "x_y", "a*b",
])
_MARKDOWN = st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=40).map("".join)


@settings(max_examples=800, deadline=None)
@given(_MARKDOWN)
def test_plain_text_equals_the_one_pass_reference(text: str) -> None:
    from sdd_core.search import _MD_NOISE, _SPACES, plain_text

    assert plain_text(text) == _SPACES.sub(" ", _MD_NOISE.sub("", text)).strip()


