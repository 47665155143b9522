"""The conformance suite every search backend must pass (docs/search.md).

Subclass :class:`SearchBackendConformance` in a test module::

    from sdd_core.testing import SearchBackendConformance

    class TestMyBackend(SearchBackendConformance):
        backend = "mybackend"

        @pytest.fixture(autouse=True)
        def _load(self, sdd_entrypoints):
            sdd_entrypoints("myplugin")     # tests are hermetic: load your plugin

It checks, over a fixed corpus and over hypothesis-generated corpora and queries:

- every hit contains every word, phrase and prefix (judged with the reference analysis:
  case and accent folding and Porter stems, tolerantly), and no excluded word or phrase;
- ``--domain``, ``--status`` and ``--type`` filters and the limit are respected, scores never
  increase down the list, and snippets mark a matched word with « »;
- Korean and accented words are found; edits are seen on the next search;
- for single-word queries over words stemming cannot confuse, the hit *set* equals the
  reference ``scan`` backend's (ranking may differ).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from sdd_core.search import (
    HIGHLIGHT_END, HIGHLIGHT_START, SearchHit, SearchQuery, fold, highlighted, is_cjk,
    item_documents, open_search_backend, parse_search, spec_fields, stem, tokenize,
)

if TYPE_CHECKING:
    from sdd_core.model import Spec
    from sdd_core.project import Project

__all__ = ["CORPUS_FILES", "FIXED_CASES", "RELEVANCE_REQUIRED", "SearchBackendConformance",
           "check_hits", "copy_corpus", "corpus_files", "relevance_rate", "run_search"]

RELEVANCE_REQUIRED = 0.90


def copy_corpus(corpus: Path, tmp_path: Path) -> Path:
    """A fresh copy of a relevance corpus (a project folder with a ``relevance.json`` of
    ``{"queries": [{"query": ..., "expected": spec id}]}``), without any cache."""
    import shutil

    root = tmp_path / "corpus"
    shutil.copytree(corpus, root, ignore=shutil.ignore_patterns(".cache", "relevance.json"))
    return root


def relevance_rate(run_sdd: Callable[..., Any], corpus: Path, root: Path,
                   backend: str) -> tuple[float, list[str]]:
    """The share of ``corpus``'s labelled queries whose expected spec ``sdd search
    --backend BACKEND`` ranks in the top 3 (run in ``root``, a copy), and the misses."""
    import json

    cases = json.loads((corpus / "relevance.json").read_text(encoding="utf-8"))["queries"]
    misses = []
    for case in cases:
        r = run_sdd("search", case["query"], "--limit", "3", "--format", "json",
                    "--backend", backend, cwd=root)
        assert r.exit_code == 0, r.output
        top = [h["id"] for h in r.json()]
        if case["expected"] not in top:
            misses.append(f"{case['query']!r}: want {case['expected']}, got {top}")
    return 1 - len(misses) / len(cases), misses


def corpus_files() -> dict[str, str]:
    """A small fixed corpus (paths relative to ``.sdd/specs/``)."""
    from sdd_core.testing import make_spec_text as spec

    return {
        "billing/payment-retry/spec.md": spec(
            title="Payment retry", status="approved",
            requirements=["The system MUST retry a failed payment after one day."],
            body_extra="## Notes\n\nFailed payments are retried three times."),
        "billing/refund/spec.md": spec(
            title="Refunds", status="draft",
            requirements=["Refunds MUST reference the original payment."],
            body_extra="## Notes\n\nA partial refund is allowed."),
        "auth/login/spec.md": spec(
            title="Login", status="implemented",
            requirements=["The service MUST lock the account after five failed attempts."],
            body_extra="## Notes\n\nUsers sign in with a password. Rate limiting applies."),
        "auth/passkeys/spec.md": spec(
            title="Passkeys", status="draft",
            requirements=["Users MAY register several passkeys."],
            body_extra="## Notes\n\nPasswordless sign in with WebAuthn."),
        "i18n/korean/spec.md": spec(
            title="결제 현지화", status="review",
            requirements=["날짜는 한국어 형식이어야 한다 (MUST)."],
            body_extra="## Notes\n\n결제가 실패하면 다시 시도한다. Café menu in Paris."),
        "ops/runbook/spec.md": spec(
            title="Runbook", status="implemented",
            requirements=["Operators SHOULD restart the worker when the queue is stuck."]),
    }


CORPUS_FILES = corpus_files

_PR, _RF, _LG, _PK, _KO, _RB = ("billing/payment-retry", "billing/refund", "auth/login",
                                "auth/passkeys", "i18n/korean", "ops/runbook")

#: ``(search text, options, expected spec ids)``, worked out by hand over :func:`corpus_files`.
FIXED_CASES: tuple[tuple[str, dict[str, Any], frozenset[str]], ...] = (
    ("payment", {}, frozenset({_PR, _RF})),
    ("payments", {}, frozenset({_PR, _RF})),
    ("PAYMENT", {}, frozenset({_PR, _RF})),
    ("failed", {}, frozenset({_PR, _LG})),
    ("failing", {}, frozenset({_PR, _LG})),
    ('"failed payment"', {}, frozenset({_PR})),
    ("pass*", {}, frozenset({_LG, _PK})),
    ("payment -refund", {}, frozenset({_PR})),
    ('sign -"sign in with a password"', {}, frozenset({_PK})),
    ("webauthn passwordless", {}, frozenset({_PK})),
    ("결제", {}, frozenset({_KO})),
    ("cafe", {}, frozenset({_KO})),
    ("CAFÉ", {}, frozenset({_KO})),
    ("zebra", {}, frozenset()),
    ("payment zebra", {}, frozenset()),
    ("payment", {"domains": ("billing",), "statuses": ("draft",)}, frozenset({_RF})),
    ("payment", {"domains": ("AUTH",)}, frozenset()),
    ("worker queue", {}, frozenset({_RB})),
)


def run_search(project: "Project", backend: str, text: str, **options: Any) -> list[SearchHit]:
    """Search ``project`` with the named backend (a fresh backend instance)."""
    query = SearchQuery(text=text, terms=parse_search(text), **options)
    return open_search_backend(project, backend).search(query)


# ---------------------------------------------------------------------------- tolerant checks

class _Text:
    def __init__(self, text: str) -> None:
        self.raw = tokenize(text)
        self.stems = [stem(t) for t in self.raw]
        self.stemset = set(self.stems)
        self.rawset = set(self.raw)

    def word(self, t: str) -> bool:
        if is_cjk(t):
            return any(t in r for r in self.raw)
        return stem(t) in self.stemset or t in self.rawset

    def seq(self, toks: list[str]) -> bool:
        if len(toks) == 1:
            return self.word(toks[0])
        want = [stem(t) for t in toks]
        k = len(want)
        return any(self.stems[i:i + k] == want for i in range(len(self.stems) - k + 1))

    def prefix(self, p: str) -> bool:
        sp = stem(p)
        return any(r.startswith(p) or s.startswith(p) or s == sp
                   for r, s in zip(self.raw, self.stems))


def _document_text(spec: "Spec", hit: SearchHit) -> str:
    if hit.type == "spec":
        return "\n".join(spec_fields(spec).values())
    for item_id, fields, _ in item_documents(spec, hit.type):
        if item_id == hit.item_id:
            return "\n".join(fields.values())
    raise AssertionError(f"{hit.spec_id} has no {hit.type} {hit.item_id!r}")


def check_hits(project: "Project", text: str, hits: list[SearchHit], *,
               type: str = "spec", domains: tuple[str, ...] = (),
               statuses: tuple[str, ...] = (), limit: int = 20) -> None:
    """Assert everything a hit list must satisfy, whatever the backend."""
    terms = parse_search(text)
    specs = {s.id: s for s in project.index().specs()}
    assert len(hits) <= limit, f"{text!r}: {len(hits)} hits over the limit {limit}"
    scores = [h.score for h in hits]
    assert all(a >= b - 1e-9 for a, b in zip(scores, scores[1:])), \
        f"{text!r}: scores increase down the list: {scores}"
    keys = [(h.spec_id, h.item_id) for h in hits]
    assert len(keys) == len(set(keys)), f"{text!r}: a hit is listed twice: {keys}"
    for hit in hits:
        spec = specs.get(hit.spec_id)
        assert spec is not None, f"{text!r}: hit {hit.spec_id!r} is not a spec of the project"
        assert hit.type == type, f"{text!r}: asked for {type} hits, got {hit.type}"
        if domains:
            assert spec.domain.lower() in {d.lower() for d in domains}, (text, hit.spec_id)
        if statuses:
            assert spec.status.lower() in {s.lower() for s in statuses}, (text, hit.spec_id)
        doc = _Text(_document_text(spec, hit))
        where = f"{text!r} -> {hit.spec_id} {hit.item_id or ''}"
        for w in terms.words:
            toks = tokenize(w)
            assert not toks or doc.seq(toks), f"{where}: word {w!r} is not in the hit"
        for p in terms.phrases:
            toks = tokenize(p)
            assert not toks or doc.seq(toks), f"{where}: phrase {p!r} is not in the hit"
        for p in terms.prefixes:
            toks = tokenize(p)
            if toks:
                assert all(doc.word(t) for t in toks[:-1]) and doc.prefix(toks[-1]), \
                    f"{where}: prefix {p}* is not in the hit"
        for e in terms.excluded:
            toks = tokenize(e)
            if not toks:
                continue
            if len(toks) == 1 and not is_cjk(toks[0]):
                assert stem(toks[0]) not in doc.stemset, f"{where}: excluded {e!r} is in the hit"
            else:
                assert not doc.seq(toks), f"{where}: excluded {e!r} is in the hit"
        _check_snippet(hit, terms, where)


def _check_snippet(hit: SearchHit, terms: Any, where: str) -> None:
    assert hit.snippet.count(HIGHLIGHT_START) == hit.snippet.count(HIGHLIGHT_END), \
        f"{where}: unbalanced highlight markers in {hit.snippet!r}"
    marked = highlighted(hit.snippet)
    assert marked, f"{where}: the snippet marks no matched word: {hit.snippet!r}"
    wanted = [t for x in (*terms.words, *terms.phrases) for t in tokenize(x)]
    prefixes = [tokenize(p)[-1] for p in terms.prefixes if tokenize(p)]

    def ok(word: str) -> bool:
        for tok in tokenize(word):
            if any(stem(tok) == stem(w) or tok == w or (is_cjk(w) and w in tok) for w in wanted):
                return True
            if any(tok.startswith(p) or stem(tok).startswith(p) for p in prefixes):
                return True
        return False

    assert any(ok(m) for m in marked), \
        f"{where}: no highlighted word of {marked} matches the query"


# ---------------------------------------------------------------------------- generated corpora

#: Words the Porter stemmer leaves alone and that share no stem: single-word searches over
#: them mean the same thing to every backend.
VOCABULARY: tuple[str, ...] = tuple(w for w in (
    "ledger", "token", "quota", "webhook", "invoice", "tenant", "bucket", "cursor", "shard",
    "replica", "beacon", "widget", "parcel", "voucher", "kernel", "lambda", "pixel", "badge",
    "zebra", "orbit", "falcon", "copper", "velvet", "harbor", "meadow", "canyon", "glacier",
    "결제", "환불", "주문", "café", "résumé", "naïve", "müller",
) if len(tokenize(w)) == 1 and stem(tokenize(w)[0]) == tokenize(w)[0])


def _strategies() -> Any:
    from hypothesis import strategies as st

    words = st.sampled_from(VOCABULARY)
    sentence = st.lists(words, min_size=1, max_size=8).map(" ".join)
    spec = st.fixed_dictionaries({
        "title": st.lists(words, min_size=1, max_size=3).map(" ".join),
        "domain": st.sampled_from(["alpha", "beta", "gamma"]),
        "status": st.sampled_from(["draft", "review", "approved"]),
        "reqs": st.lists(sentence, min_size=0, max_size=3),
        "body": sentence,
    })
    corpus = st.lists(spec, min_size=1, max_size=8)
    term = st.one_of(
        words, words.map(lambda w: "-" + w), words.map(lambda w: w[:3] + "*"),
        st.lists(words, min_size=2, max_size=2).map(lambda ws: '"' + " ".join(ws) + '"'))
    query = st.lists(term, min_size=1, max_size=3).map(" ".join)
    return corpus, query, words


def _write_corpus(root: Path, corpus: list[dict[str, Any]]) -> None:
    from sdd_core.testing import make_spec_text, write_project

    files: dict[str, str | bytes] = {}
    for i, s in enumerate(corpus):
        reqs = [f"The system MUST keep {r}." for r in s["reqs"]] or ["The system SHALL run."]
        files[f"{s['domain']}/s{i:02d}/spec.md"] = make_spec_text(
            title=s["title"], status=s["status"], requirements=reqs,
            body_extra=f"## Notes\n\n{s['body']}")
    write_project(root, files)


# ---------------------------------------------------------------------------- the test class

class SearchBackendConformance:
    """Subclass as ``Test...`` with ``backend = "name"``; override :meth:`prepare` to set up
    each project (e.g. build an index)."""

    backend: str = "scan"
    max_examples: int = 25

    def prepare(self, project: "Project") -> None:
        """Called with each project before it is searched."""

    def _project(self, root: Path, files: dict[str, str] | None = None) -> "Project":
        from sdd_core.project import Project
        from sdd_core.testing import write_project

        if files is not None:
            write_project(root, dict[str, "str | bytes"](files))
        project = Project(root)
        self.prepare(project)
        return project

    def test_fixed_cases(self, tmp_path: Path) -> None:
        project = self._project(tmp_path / "p", corpus_files())
        for text, options, expected in FIXED_CASES:
            hits = run_search(project, self.backend, text, **options)
            got = {h.spec_id for h in hits}
            assert got == expected, f"{text!r} {options}: got {sorted(got)}, want {sorted(expected)}"
            check_hits(project, text, hits, **options)

    def test_ids_only(self, tmp_path: Path) -> None:
        """``snippets=False`` (how ``sdd query`` asks for a text term's specs): the same
        specs as a normal search, with a large limit."""
        from sdd_core.search import ALL_HITS

        project = self._project(tmp_path / "p", corpus_files())
        for text, options, expected in FIXED_CASES:
            if options:
                continue
            hits = run_search(project, self.backend, text, limit=ALL_HITS, snippets=False)
            got = {h.spec_id for h in hits}
            assert got == expected, f"{text!r} without snippets: got {sorted(got)}"

    def test_title_ranks_first(self, tmp_path: Path) -> None:
        project = self._project(tmp_path / "p", corpus_files())
        hits = run_search(project, self.backend, "payment")
        assert [h.spec_id for h in hits][0] == _PR, "a title match must outrank a body match"
        assert hits[0].score > hits[1].score

    def test_limit(self, tmp_path: Path) -> None:
        project = self._project(tmp_path / "p", corpus_files())
        assert len(run_search(project, self.backend, "state", limit=100)) == 6
        hits = run_search(project, self.backend, "state", limit=2)
        assert len(hits) == 2
        check_hits(project, "state", hits, limit=2)

    def test_requirement_and_scenario_hits(self, tmp_path: Path) -> None:
        project = self._project(tmp_path / "p", corpus_files())
        hits = run_search(project, self.backend, '"MUST retry"', type="requirement")
        assert [(h.spec_id, h.item_id) for h in hits] == [(_PR, "REQ-01")]
        assert "retry a failed payment" in (hits[0].text or "")
        check_hits(project, '"MUST retry"', hits, type="requirement")
        hits = run_search(project, self.backend, "something happens", type="scenario", limit=3)
        assert len(hits) == 3 and all(h.item_id == "Path 1" for h in hits)
        check_hits(project, "something happens", hits, type="scenario", limit=3)
        assert run_search(project, self.backend, "Runbook", type="requirement") == []

    def test_edits_are_seen(self, tmp_path: Path) -> None:
        from sdd_core.testing import make_spec_text

        root = tmp_path / "p"
        project = self._project(root, corpus_files())
        assert {h.spec_id for h in run_search(project, self.backend, "worker")} == {_RB}
        path = root / ".sdd/specs/ops/runbook/spec.md"
        st = path.stat()
        path.write_text(make_spec_text(title="Runbook", requirements=["Page the on-call engineer."]),
                        encoding="utf-8")
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 3_000_000_000))
        (root / ".sdd/specs/ops/new/").mkdir(parents=True)
        (root / ".sdd/specs/ops/new/spec.md").write_text(
            make_spec_text(title="Worker pool"), encoding="utf-8")
        (root / ".sdd/specs/auth/passkeys/spec.md").unlink()
        project = self._project(root)
        assert {h.spec_id for h in run_search(project, self.backend, "worker")} == {"ops/new"}
        assert {h.spec_id for h in run_search(project, self.backend, "engineer")} == {_RB}
        assert run_search(project, self.backend, "webauthn") == []

    def test_generated(self) -> None:
        from hypothesis import HealthCheck, given, settings

        corpus_st, query_st, word_st = _strategies()

        @settings(max_examples=self.max_examples, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow])
        @given(corpus=corpus_st, queries=query_st.flatmap(
            lambda q: word_st.map(lambda w: (q, w))))
        def run(corpus: list[dict[str, Any]], queries: tuple[str, str]) -> None:
            text, word = queries
            with tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp)
                _write_corpus(root, corpus)
                project = self._project(root)
                for kind in ("spec", "requirement"):
                    hits = run_search(project, self.backend, text, type=kind, limit=50)
                    check_hits(project, text, hits, type=kind, limit=50)
                hits = run_search(project, self.backend, text, domains=("alpha",),
                                  statuses=("draft", "review"), limit=3)
                check_hits(project, text, hits, domains=("alpha",),
                           statuses=("draft", "review"), limit=3)
                mine = {h.spec_id for h in run_search(project, self.backend, word, limit=100)}
                ref = {h.spec_id for h in run_search(project, "scan", word, limit=100)}
                assert mine == ref, f"{word!r}: {sorted(mine)} != reference {sorted(ref)}"
                want = {s.id for s in project.index().specs()
                        if fold(word) in fold("\n".join(spec_fields(s).values()))}
                assert ref == want, f"{word!r}: reference {sorted(ref)} != {sorted(want)}"

        run()
