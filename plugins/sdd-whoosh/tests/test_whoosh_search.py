"""What the whoosh backend finds, how it ranks and marks it, through the CLI and the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from whoosh_support import search

from sdd_core.search import HIGHLIGHT_END, HIGHLIGHT_START

pytestmark = pytest.mark.usefixtures("whoosh")


def corpus(spec_text: Callable[..., str]) -> dict[str, str]:
    return {
        "billing/retry/spec.md": spec_text(
            title="Payment retry", status="approved",
            requirements=["The scheduler MUST retry a declined payment after one day.",
                          "Retries SHOULD stop after three attempts."],
            body_extra="## Notes\n\nA declined card is retried by the nightly job."),
        "billing/refund/spec.md": spec_text(
            title="Refunds", status="draft",
            requirements=["Refunds MUST reference the original payment."],
            body_extra="## Notes\n\nPaying customers may ask for a partial refund."),
        "auth/login/spec.md": spec_text(
            title="Login", status="implemented",
            requirements=["The service MUST lock the account after five failed attempts."],
            body_extra="## Notes\n\nRate limiting applies to the login form."),
        "i18n/korean/spec.md": spec_text(
            title="현지화", status="review",
            requirements=["날짜는 한국어 형식이어야 한다 (MUST)."],
            body_extra="## Notes\n\n결제가 실패하면 다시 시도한다. Le résumé du café."),
    }


@pytest.fixture
def project(sdd_project: Callable[..., Any], spec_text: Callable[..., str]) -> Any:
    return sdd_project(corpus(spec_text))


def ids(hits: list[Any]) -> list[str]:
    return [h.spec_id for h in hits]


def test_registered_with_priority_5(project: Any) -> None:
    from sdd_core.search import open_search_backend, search_backends

    reg = search_backends(project)
    assert reg["whoosh"].priority == 5
    assert open_search_backend(project, "whoosh").name == "whoosh"


def test_words_are_anded_stemmed_and_case_folded(project: Any) -> None:
    # "declined" is in the retry spec only; "PAYMENTS" stems to "payment" (retry and refund)
    assert ids(search(project, "PAYMENTS declined")) == ["billing/retry"]
    assert sorted(ids(search(project, "payments"))) == ["billing/refund", "billing/retry"]
    assert search(project, "payment zebra") == []


def test_title_outranks_body(project: Any) -> None:
    hits = search(project, "payment")
    assert ids(hits)[0] == "billing/retry"  # in its title; refund has it in a requirement
    assert hits[0].score > hits[1].score


def test_phrase_prefix_and_exclusion(project: Any) -> None:
    # "retry a declined payment" is a sequence in retry only; refund has the words apart
    assert ids(search(project, '"declined payment"')) == ["billing/retry"]
    assert search(project, '"payment declined"') == []
    # paying -> "pai" once stemmed: the prefix still finds it through the unstemmed words
    assert sorted(ids(search(project, "pay*"))) == ["billing/refund", "billing/retry"]
    assert ids(search(project, "payment -refund")) == ["billing/retry"]
    assert ids(search(project, 'payment -"partial refund"')) == ["billing/retry"]


def test_filters(project: Any) -> None:
    assert ids(search(project, "payment", statuses=("draft",))) == ["billing/refund"]
    assert ids(search(project, "payment", domains=("BILLING",), statuses=("approved",))) == \
        ["billing/retry"]
    assert search(project, "payment", domains=("auth",)) == []
    assert set(ids(search(project, "MUST", domains=("auth", "i18n")))) == \
        {"auth/login", "i18n/korean"}


def test_limit_and_scores_descend(project: Any) -> None:
    hits = search(project, "MUST", limit=10)
    assert len(hits) == 4
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len(search(project, "MUST", limit=2)) == 2


def test_requirement_and_scenario_hits(project: Any) -> None:
    hits = search(project, '"MUST retry"', type="requirement")
    assert [(h.spec_id, h.item_id, h.type) for h in hits] == [("billing/retry", "REQ-01",
                                                              "requirement")]
    assert hits[0].text == "- The scheduler MUST retry a declined payment after one day."
    assert hits[0].title == "Payment retry"
    # both requirements of retry mention attempts/retries; only REQ-02 has "three"
    assert [h.item_id for h in search(project, "three retries", type="requirement")] == ["REQ-02"]
    scen = search(project, "something happens", type="scenario", limit=10)
    assert len(scen) == 4 and {h.item_id for h in scen} == {"Path 1"}
    assert {h.type for h in scen} == {"scenario"}
    # spec titles are not part of requirement documents
    assert search(project, "Refunds original", type="requirement")[0].item_id == "REQ-01"
    assert search(project, "Login", type="requirement") == []


def test_highlights_mark_matched_words(project: Any) -> None:
    hit = search(project, "declined card")[0]
    assert f"{HIGHLIGHT_START}declined{HIGHLIGHT_END} {HIGHLIGHT_START}card{HIGHLIGHT_END}" \
        in hit.snippet
    assert set(hit.matched) == {"declined", "card"}
    hit = search(project, "pay*")[0]
    assert HIGHLIGHT_START + "Pay" in hit.snippet or HIGHLIGHT_START + "pay" in hit.snippet
    assert hit.matched == ["pay*"]
    # only the title matches: the title is the snippet
    hit = search(project, "login")[0]
    assert hit.spec_id == "auth/login" and HIGHLIGHT_START in hit.snippet
    # requirement hits mark their own text
    req = search(project, "lock account", type="requirement")[0]
    assert f"{HIGHLIGHT_START}lock{HIGHLIGHT_END} the {HIGHLIGHT_START}account{HIGHLIGHT_END}" \
        in req.snippet


def test_korean_and_accents(project: Any) -> None:
    # 결제가 = 결제 + a particle: found inside the longer run
    assert ids(search(project, "결제")) == ["i18n/korean"]
    assert ids(search(project, "현지화")) == ["i18n/korean"]
    assert ids(search(project, '"다시 시도한다"')) == ["i18n/korean"]
    assert search(project, "결혼") == []
    hit = search(project, "결제")[0]
    assert f"{HIGHLIGHT_START}결제" in hit.snippet
    assert ids(search(project, "resume")) == ["i18n/korean"]
    assert ids(search(project, "RÉSUMÉ CAFE")) == ["i18n/korean"]
    assert ids(search(project, "café")) == ["i18n/korean"]


def test_fuzzy_and_suggestions(project: Any) -> None:
    from sdd_core.search import open_search_backend

    assert search(project, "paymnet") == []
    fuzzy = search(project, "paymnet", fuzzy=True)
    assert sorted(ids(fuzzy)) == ["billing/refund", "billing/retry"]
    assert fuzzy[0].spec_id == "billing/retry"
    backend = open_search_backend(project, "whoosh")
    assert backend.suggest("paymnet")[0] == "payment"
    assert backend.suggest("schedulr") == ["scheduler"]
    assert backend.suggest("zzzzzz") == []
    # the word itself is not suggested
    assert "payment" not in backend.suggest("payment")


def test_cli_json_and_did_you_mean(project: Any, run_sdd: Callable[..., Any]) -> None:
    r = run_sdd("search", "declined", "payment", "--backend", "whoosh", "--format", "json",
                cwd=project.root)
    assert r.exit_code == 0, r.output
    data = r.json()
    assert [h["id"] for h in data] == ["billing/retry"]
    assert HIGHLIGHT_START in data[0]["snippet"] and data[0]["title"] == "Payment retry"
    r = run_sdd("search", "MUST validate", "--type", "requirement", "--backend", "whoosh",
                "--format", "json", cwd=project.root)
    # no requirement has both words: the CLI falls back to any of them (every MUST line)
    assert r.exit_code == 0, r.output
    assert "no spec matches every word" in r.stderr
    assert {(h["id"], h["item_id"]) for h in r.json()} == {
        ("billing/retry", "REQ-01"), ("billing/refund", "REQ-01"), ("auth/login", "REQ-01"),
        ("i18n/korean", "REQ-01")}
    r = run_sdd("search", "declined", "--type", "requirement", "--backend", "whoosh", "--format",
                "json", cwd=project.root)
    assert [(h["id"], h["item_id"], h["ref"]) for h in r.json()] == \
        [("billing/retry", "REQ-01", "billing/retry#REQ-01")]
    r = run_sdd("search", "refnds", "--backend", "whoosh", cwd=project.root)
    assert r.exit_code == 0
    assert "did you mean: refnds → refunds" in r.stderr
    r = run_sdd("search", "refnds", "--fuzzy", "--backend", "whoosh", "--format", "json",
                cwd=project.root)
    assert [h["id"] for h in r.json()] == ["billing/refund"]


def test_default_backend_from_config(project: Any, run_sdd: Callable[..., Any]) -> None:
    (project.sdd_dir / "config.yml").write_text("search:\n  backend: whoosh\n", encoding="utf-8")
    r = run_sdd("search", "refund", cwd=project.root)
    assert r.exit_code == 0, r.output
    assert "(whoosh)" in r.stderr
    assert (project.sdd_dir / ".cache" / "whoosh").is_dir()


def test_exclusion_in_any_field_removes_the_spec(sdd_project: Callable[..., Any],
                                                 spec_text: Callable[..., str]) -> None:
    # "voucher" sits in the requirements of one spec and the body of others; the positive
    # words sit elsewhere. Every spec holding "voucher" anywhere must go.
    project = sdd_project({
        "a/s1/spec.md": spec_text(title="Parcel desk", requirements=["Keep the voucher."],
                                  body_extra="## Notes\n\nparcel"),
        "a/s2/spec.md": spec_text(title="Parcel room", requirements=["Keep the ledger."],
                                  body_extra="## Notes\n\nvoucher parcel"),
        "a/s3/spec.md": spec_text(title="Parcel hall", requirements=["Keep the ledger."],
                                  body_extra="## Notes\n\nparcel"),
        "a/s4/spec.md": spec_text(title="Voucher parcel", requirements=["Keep it."]),
    })
    assert ids(search(project, "parcel -voucher")) == ["a/s3"]
    assert ids(search(project, "par* -voucher")) == ["a/s3"]
    # only s1 has the sequence "the voucher"
    assert sorted(ids(search(project, 'parcel -"the voucher"'))) == ["a/s2", "a/s3", "a/s4"]


def test_stemming_agrees_with_the_core(sdd_project: Callable[..., Any],
                                       spec_text: Callable[..., str]) -> None:
    # Porter as SQLite runs it: validated, validate and validation all reduce to "valid"
    project = sdd_project({
        "a/one/spec.md": spec_text(title="Import", requirements=["Rows MUST be validated."]),
        "a/two/spec.md": spec_text(title="Export", requirements=["Run a validation first."]),
    })
    assert sorted(ids(search(project, "validate"))) == ["a/one", "a/two"]
    hit = search(project, "MUST validate", type="requirement")[0]
    assert (hit.spec_id, hit.item_id) == ("a/one", "REQ-01")
    assert f"{HIGHLIGHT_START}validated{HIGHLIGHT_END}" in hit.snippet
