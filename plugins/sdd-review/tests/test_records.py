"""The content hash approvals are bound to, and how records are read and merged."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from sdd_review.records import REVIEW_FIELDS, Review, content_hash, merge, read_reviews

keys = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8).filter(
    lambda k: k not in REVIEW_FIELDS)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)), max_leaves=8)
metas = st.dictionaries(keys, values, max_size=6)
bodies = st.text(max_size=80)
review_values = st.dictionaries(st.sampled_from(sorted(REVIEW_FIELDS)), values, max_size=4)


@settings(max_examples=150)
@given(metas, bodies, review_values, st.randoms())
def test_hash_ignores_review_fields_and_key_order(meta, body, review, rnd) -> None:
    base = content_hash(meta, body)
    items = list({**meta, **review}.items())
    rnd.shuffle(items)
    assert content_hash(dict(items), body) == base


@settings(max_examples=150)
@given(metas, bodies, keys, values)
def test_hash_changes_with_any_other_key(meta, body, key, value) -> None:
    changed = {**meta, key: value}
    if changed == meta:
        return
    assert content_hash(changed, body) != content_hash(meta, body)


@settings(max_examples=150)
@given(metas, bodies, st.text(min_size=1, max_size=10).filter(lambda t: t.strip("\r\n")))
def test_hash_changes_with_the_body(meta, body, extra) -> None:
    assert content_hash(meta, body + extra) != content_hash(meta, body)


def test_line_endings_and_trailing_blank_lines_do_not_matter() -> None:
    meta = {"id": "a/b", "title": "T"}
    assert content_hash(meta, "# T\n\ntext\n") == content_hash(meta, "# T\r\n\r\ntext\r\n\r\n")
    assert content_hash(meta, "# T\n\ntext\n") != content_hash(meta, "# T\n\ntext.\n")


def test_a_date_object_and_its_text_hash_alike() -> None:
    import datetime as dt

    assert content_hash({"created": dt.date(2026, 1, 5)}, "") == \
        content_hash({"created": "2026-01-05"}, "")


def test_read_reviews_keeps_the_last_record_per_reviewer_and_reports_bad_ones() -> None:
    reviews, problems = read_reviews([
        {"reviewer": "bob", "status": "requested"},
        {"reviewer": "@carol", "status": "Approved", "content_hash": "x"},
        {"status": "approved"},
        {"reviewer": "@dave", "status": "lgtm"},
        "just text",
        {"reviewer": "@bob", "status": "rejected", "reason": "no"},
    ])
    assert [(r.reviewer, r.status) for r in reviews] == [("@carol", "approved"),
                                                       ("@bob", "rejected")]
    assert len(problems) == 3
    assert "#3" in problems[0] and "names no reviewer" in problems[0]
    assert "@dave" in problems[1] and "'lgtm'" in problems[1]
    assert "#5" in problems[2]


@given(st.lists(st.sampled_from(["@a", "b", "@c", "@b"]), max_size=8),
       st.sampled_from(["a", "b", "c", "d"]))
def test_merge_leaves_one_record_for_the_reviewer(names, who) -> None:
    records = [{"reviewer": n, "status": "requested"} for n in names] + ["junk"]
    new = Review(reviewer=f"@{who}", status="approved", content_hash="h")
    out = merge(records, new)
    mine = [r for r in out if isinstance(r, dict) and r["reviewer"].lstrip("@") == who]
    assert mine == [new.to_record()]
    others = [r for r in records if not (isinstance(r, dict)
                                         and r["reviewer"].lstrip("@") == who)]
    assert [r for r in out if r != new.to_record()] == others
