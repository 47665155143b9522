"""The conformance suite every index backend must pass (docs/query.md).

A backend's :meth:`~sdd_core.index.IndexBackend.query` must return exactly the specs the
reference evaluator (:func:`sdd_core.query.evaluate` over the specs the file scan reads)
returns, sorted by id. This module gives:

- :func:`assert_backend_conforms`: run queries against a backend and the reference;
- :func:`example_project_files` and :data:`EXAMPLE_QUERIES`: a fixed project and every
  documented query form;
- hypothesis strategies :func:`project_files` (small random projects) and
  :func:`query_nodes` / :func:`query_texts` (random queries), and
  :func:`check_generated` which runs them together;
- :class:`IndexBackendConformance`: a pytest test class to subclass::

      from sdd_core.testing import IndexBackendConformance

      class TestMyBackendConforms(IndexBackendConformance):
          backend = "mybackend"

          def prepare(self, project):
              ...  # e.g. build the cache before the queries run

Generated projects have unique ids (duplicate ids are a validation error that backends may
store differently). hypothesis is imported only when a strategy is asked for.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from sdd_core.query import (
    And, Field, Hits, Node, Not, Or, Text, evaluate, parse, to_text,
)

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from sdd_core.project import Project

__all__ = [
    "EXAMPLE_QUERIES", "IndexBackendConformance", "assert_backend_conforms",
    "check_example_project", "check_generated", "example_project_files", "normalize",
    "project_files", "query_nodes", "query_texts",
]

# ---------------------------------------------------------------------------- fixed cases

#: The examples of docs/query.md, then one query per documented form.
EXAMPLE_QUERIES: tuple[str, ...] = (
    "status:review AND phase:2",
    "depends_on:user-auth",
    "modified_after:2024-01-01",
    "reviewer:@alice AND NOT approved",
    "domain:auth,billing -status:deprecated",
    '(phase:>=3 OR tag:security) "rate limit"',
    # every field
    "id:auth/login", "id:USER-AUTH", "title:login", "status:Draft", "draft", "Implemented",
    "phase:2", "phase:>2", "phase:>=2", "phase:<2", "phase:<=2", "phase:1,5",
    "domain:Billing", "author:@dana", "author:dana", "tag:SECURITY", "tags:ui,money",
    "reviewer:bob", "reviewers:@carol", "review:approved", "review:changes_requested",
    "created:2024-01-10", "created:>2024-01-10", "created:<=2023-12-01", "updated:<2024-01-01",
    "modified_before:2024-01-01", "created_after:2024-01-01", "created_before:2024-01-01",
    "has:priority", "has:PHASE", "-has:phase", "has:reviews",
    "priority:high", "priority:HIGH", "owner:team-a", "labels:beta", "flag:true", "estimate:3",
    "constitution_version:1.0.0",
    # graph predicates (ids, paths, dangling references)
    "depends_on:auth/login", "depends_on*:user-auth", "depends_on*:auth/user-auth/spec.md",
    "required_by:auth/session", "required_by*:auth/session", "required_by*:billing/refund",
    "depends_on:ghost/missing", "required_by:ghost/missing", "dependencies:user-auth",
    "depends_on:.sdd/specs/billing/invoice/spec.md",
    # text
    "rate", "RATE", "hashed", '"rate limit"', '"Rate-Limit"', '"five attempts"', "café",
    "limit -rate", 'login OR "rate limit"',
    # boolean structure
    "NOT NOT draft", "-(draft OR review)", "draft review", "draft AND review", "draft OR review",
    "(auth OR billing) (phase:2 OR -has:phase)", "domain:auth (review OR approved) -tag:ui",
)


def example_project_files() -> dict[str, str]:
    """A small project exercising every field, alias, graph form and text rule; paths are
    relative to ``.sdd/specs/`` (for :func:`sdd_core.testing.write_project`)."""
    from sdd_core.testing import make_spec_text as spec

    return {
        "auth/user-auth/spec.md": spec(
            "user-auth", title="User auth", status="approved", created="2023-11-01",
            extra={"phase": 1, "domain": "auth", "tags": ["security"], "reviewers": ["alice"],
                   "updated": "2023-12-15", "author": "dana"},
            body_extra="Passwords are hashed."),
        "auth/login/spec.md": spec(
            title="Login form", status="review", created="2024-01-10", depends=["user-auth"],
            extra={"phase": 2, "tags": ["security", "ui"], "reviewers": ["@alice", "bob"],
                   "updated": "2024-02-01", "author": "@Dana"},
            body_extra="A Rate limit of five attempts applies."),
        "auth/session/spec.md": spec(
            title="Session", status="review", created="2024-02-01", depends="auth/login",
            extra={"phase": 2, "reviewers": ["bob"], "updated": "2024-03-01"},
            body_extra="Sessions expire."),
        "billing/invoice/spec.md": spec(
            title="Invoice", status="draft", created="2024-03-05",
            depends=["../../auth/user-auth/spec.md"],
            extra={"phase": 3, "tags": ["money"], "reviewers": ["alice"],
                   "updated": "2024-05-01", "labels": ["beta", "eu"]},
            body_extra="The API applies a rate limit per customer."),
        "billing/refund/spec.md": spec(
            title="Refund", status="deprecated", created="2023-06-01",
            depends=[".sdd/specs/billing/invoice/spec.md"],
            extra={"phase": 4, "updated": "2023-06-02"},
            body_extra="Old rate limit notes."),
        "billing/tax/spec.md": spec(
            title="Tax", status="approved", created="2023-12-01",
            extra={"phase": 2, "reviewers": ["alice"], "updated": "2024-01-01",
                   "reviews": [{"reviewer": "alice", "status": "approved", "date": "2024-01-01"}],
                   "flag": True, "estimate": 3}),
        "search/index/spec.md": spec(
            title="Search index", status="implemented", created="2024-06-01",
            extra={"phase": 5, "tags": ["Security"], "reviewers": ["carol"],
                   "updated": "2024-06-02", "dependencies": ["billing/tax", "ghost/missing"],
                   "reviews": [{"reviewer": "carol", "status": "changes_requested"}]},
            body_extra="Queries are throttled: RATE LIMIT enforced. Café menu."),
        "ops/runbook.md": spec(
            title="Runbook", status="draft", created="2022-01-01",
            extra={"updated": "2022-01-01", "priority": "high", "owner": "team-a"},
            body_extra="Mind the rate-limit dashboard."),
    }


def check_example_project(root: Path, backend: str,
                          prepare: Callable[["Project"], Any] | None = None) -> "Project":
    """Write :func:`example_project_files` under ``root`` and check every
    :data:`EXAMPLE_QUERIES` query against ``backend``."""
    from sdd_core.project import Project
    from sdd_core.testing import write_project

    write_project(root, dict[str, "str | bytes"](example_project_files()))
    project = Project(root)
    if prepare is not None:
        prepare(project)
    assert_backend_conforms(project, backend, EXAMPLE_QUERIES)
    return project


# ---------------------------------------------------------------------------- the check


def normalize(node: Node) -> Node:
    """``node`` with columns zeroed and nested AND/OR flattened (to compare ASTs)."""
    if isinstance(node, (And, Or)):
        items: list[Node] = []
        for item in node.items:
            n = normalize(item)
            items.extend(n.items if type(n) is type(node) else (n,))  # type: ignore[attr-defined]
        return items[0] if len(items) == 1 else type(node)(tuple(items))
    if isinstance(node, Not):
        return Not(normalize(node.item))
    if isinstance(node, Field):
        return Field(node.name, node.op, node.values, 0)
    if isinstance(node, Text):
        return Text(node.text, node.phrase, 0)
    if isinstance(node, Hits):
        return Hits(node.text, node.phrase, node.backend, node.ids, 0)
    raise TypeError(f"not a query node: {node!r}")


def assert_backend_conforms(project: "Project", backend_name: str,
                            queries: Iterable[str | Node],
                            extra_fields: Iterable[str] = ()) -> int:
    """Check that ``project.index(backend_name).query(node)`` returns the same ids, in the
    same order, as the reference evaluator over the specs the file scan reads, and that its
    ``summaries(node)`` (read by a fresh backend instance) hold the same listing fields.

    :param queries: query texts (parsed with the project's front matter keys, and
        ``extra_fields``, as fields) or ASTs.
    :returns: how many queries were checked.
    :raises AssertionError: naming the query, the expected and the returned ids.
    """
    from sdd_core.index import FileIndex, SpecSummary

    reference = FileIndex(project).specs()
    keys = {k for s in reference for k in s.meta} | set(extra_fields)
    backend = project.index(backend_name)
    count = 0
    for q in queries:
        node = parse(q, keys) if isinstance(q, str) else q
        expected = [s.id for s in evaluate(node, reference, project.resolve_ref)]
        got = [s.id for s in backend.query(node)]
        if got != expected:
            missing = sorted(set(expected) - set(got))
            extra = sorted(set(got) - set(expected))
            raise AssertionError(
                f"index backend {backend_name!r} disagrees with the reference evaluator on"
                f" {to_text(node)!r}\n  expected: {expected}\n  got:      {got}"
                f"\n  missing: {missing}  extra: {extra}"
                + ("  (same set, wrong order: results must be sorted by id)"
                   if not missing and not extra else ""))
        want = [SpecSummary.of(s) for s in evaluate(node, reference, project.resolve_ref)]
        summaries = project.index(backend_name).summaries(node)
        if summaries != want:
            bad = next((w.id for g, w in zip(summaries, want) if g != w), None)
            raise AssertionError(
                f"index backend {backend_name!r}: summaries({to_text(node)!r}) differ from"
                f" the specs' listing fields (first difference: {bad!r};"
                f" {len(summaries)} returned, {len(want)} expected)")
        count += 1
    return count


# ---------------------------------------------------------------------------- strategies

NAMES = ("s0", "s1", "s2", "s3", "s4", "s5", "s6")
DOMAINS = ("auth", "billing", "Ops")
TAGS = ("security", "Security", "ui", "money", "api")
USERS = ("alice", "bob", "Carol")
WORDS = ("rate", "limit", "login", "token", "Invoice", "café", "ÉTÉ", "retry", "cache", "auth",
         "rate-limit", "s1")
PHRASES = ("rate limit", "Rate Limit", "login token", "limit rate", "é")
DATES = ("2024-01-01", "2024-01-02", "2024-01-03", "2024-02-29")
REVIEW_STATUSES = ("requested", "approved", "rejected", "changes_requested")
EXTRA_KEYS = ("priority", "owner")
EXTRA_VALUES: tuple[Any, ...] = ("high", "High", "low", 1, 2.5, True, False, None,
                                 ["high", "x"], "2024-01-02", {"a": 1})


def project_files() -> "SearchStrategy[dict[str, str]]":
    """Small random projects: ``{path under specs/: text}`` with random statuses, phases,
    domains, tags, reviewers, reviews, dependencies (by id, by path, relative, dangling),
    dates, extra front matter keys and bodies. Ids are unique."""
    from hypothesis import strategies as st

    @st.composite
    def build(draw: Any) -> dict[str, str]:
        import yaml

        n = draw(st.integers(1, len(NAMES)))
        layout = []  # (name, domain, rel path, id)
        for name in NAMES[:n]:
            domain = draw(st.sampled_from(DOMAINS))
            nested = draw(st.booleans())
            rel = f"{domain}/{name}/spec.md" if nested else f"{domain}/{name}.md"
            explicit = draw(st.booleans())
            layout.append((name, domain, rel, name if explicit else f"{domain}/{name}"))
        files: dict[str, str] = {}
        for name, domain, rel, spec_id in layout:
            meta: dict[str, Any] = {}
            if spec_id == name:
                meta["id"] = name
            meta["title"] = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1,
                                                   max_size=3)))
            meta["status"] = draw(st.sampled_from(
                ("draft", "review", "approved", "implemented", "deprecated", "Review", "wip")))
            # "3" is read as 3; "later" is ignored with a warning (no phase)
            phase = draw(st.one_of(st.none(), st.integers(0, 4), st.sampled_from(("3", "later"))))
            if phase is not None:
                meta["phase"] = phase
            if draw(st.booleans()):
                meta["domain"] = domain
            for key, pool in (("tags", TAGS), ("reviewers", USERS)):
                items = draw(st.lists(st.sampled_from(pool), max_size=3, unique=True))
                if key == "reviewers":
                    items = [("@" + u) if draw(st.booleans()) else u for u in items]
                if items:
                    meta[key] = items
            if draw(st.booleans()):
                meta["author"] = draw(st.sampled_from(USERS + ("@alice",)))
            for key in ("created", "updated"):
                d = draw(st.one_of(st.none(), st.sampled_from(DATES)))
                if d is not None or key == "updated":  # updated falls back to the mtime
                    meta[key] = d or "2024-01-02"
            refs = []
            for j in draw(st.lists(st.integers(0, len(layout)), max_size=3, unique=True)):
                if j == len(layout):
                    refs.append(draw(st.sampled_from(("ghost", "S0", "auth/ghost"))))
                    continue
                _, _, orel, oid = layout[j]
                form = draw(st.sampled_from(("id", "path", "specs", "relative", "upper")))
                if form == "id":
                    refs.append(oid)
                elif form == "path":
                    refs.append(f".sdd/specs/{orel}")
                elif form == "specs":
                    refs.append("specs/" + orel)
                elif form == "relative":
                    depth = rel.count("/")
                    refs.append("../" * depth + orel)
                else:
                    refs.append(oid.upper())
            if refs:
                meta[draw(st.sampled_from(("depends", "dependencies")))] = refs
            reviews = draw(st.lists(st.sampled_from(REVIEW_STATUSES), max_size=2))
            if reviews:
                meta["reviews"] = [{"reviewer": draw(st.sampled_from(USERS)), "status": r}
                                   for r in reviews]
            for key in EXTRA_KEYS:
                if draw(st.booleans()):
                    meta[key] = draw(st.sampled_from(EXTRA_VALUES))
            words = draw(st.lists(st.sampled_from(WORDS + PHRASES), max_size=8))
            fm = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
            body = f"# {meta['title']}\n\n> {draw(st.sampled_from(WORDS))}\n\n" \
                   + " ".join(words) + "\n"
            files[rel] = f"---\n{fm}---\n\n{body}"
        return files

    return build()


def query_nodes(max_leaves: int = 6, *, hits: bool = False) -> "SearchStrategy[Node]":
    """Random query ASTs in the parser's normal form (flattened, canonical values) over the
    vocabulary of :func:`project_files` (``hits``: with text terms already answered by a
    search backend, ``Hits`` nodes, which do not parse back from text)."""
    from hypothesis import strategies as st

    ids = st.sampled_from(NAMES + tuple(f"{d}/{n}" for d in DOMAINS for n in NAMES[:3])
                          + ("ghost", "S1", ".sdd/specs/auth/s1/spec.md", "auth/s2.md"))

    def field(name: str, values: "SearchStrategy[str]", ops: tuple[str, ...] = ("=",)
              ) -> "SearchStrategy[Node]":
        return st.builds(lambda op, vs: Field(name, op, tuple(vs)), st.sampled_from(ops),
                         st.lists(values, min_size=1, max_size=2))

    cmp_ops = ("=", ">", ">=", "<", "<=")
    leaves = st.one_of(
        field("status", st.sampled_from(("draft", "review", "approved", "implemented",
                                         "deprecated", "wip"))),
        field("phase", st.integers(-1, 5).map(str), cmp_ops),
        field("domain", st.sampled_from(DOMAINS + ("AUTH", "ops", "common"))),
        field("tag", st.sampled_from(TAGS + ("none",))),
        field("reviewer", st.sampled_from(USERS + ("carol", "dave"))),
        field("author", st.sampled_from(USERS)),
        field("review", st.sampled_from(REVIEW_STATUSES)),
        field("created", st.sampled_from(DATES), cmp_ops),
        field("updated", st.sampled_from(DATES), cmp_ops),
        field("has", st.sampled_from(("phase", "tags", "priority", "Owner", "depends", "id"))),
        field("id", ids),
        field("title", st.sampled_from(WORDS)),
        field("priority", st.sampled_from(("high", "HIGH", "1", "2.5", "true", "false", "x",
                                           "2024-01-02"))),
        field("owner", st.sampled_from(("high", "low", "true"))),
        *(field(g, ids) for g in ("depends_on", "depends_on*", "required_by", "required_by*")),
        st.builds(Text, st.sampled_from(WORDS), st.just(False)),
        st.builds(Text, st.sampled_from(PHRASES), st.just(True)),
        *([st.builds(lambda ids_: Hits("x", False, "test", frozenset(ids_)),
                     st.frozensets(ids, max_size=4))] if hits else []),
    )

    def extend(children: "SearchStrategy[Node]") -> "SearchStrategy[Node]":
        return st.one_of(
            children.map(Not),
            st.lists(children, min_size=2, max_size=3).map(lambda xs: normalize(And(tuple(xs)))),
            st.lists(children, min_size=2, max_size=3).map(lambda xs: normalize(Or(tuple(xs)))),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


def query_texts(max_leaves: int = 6) -> "SearchStrategy[str]":
    """Random query texts (:func:`query_nodes` written out with :func:`to_text`)."""
    return query_nodes(max_leaves).map(to_text)


def check_generated(backend: str, *, max_examples: int = 30,
                    prepare: Callable[["Project"], Any] | None = None) -> None:
    """Run :func:`assert_backend_conforms` on generated projects and queries (hypothesis).

    :param prepare: called with each project before querying (build a cache, ...).
    """
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from sdd_core.project import Project
    from sdd_core.testing import write_project

    @settings(max_examples=max_examples, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(files=project_files(),
           nodes=st.lists(query_nodes(hits=True), min_size=1, max_size=6),
           texts=st.lists(query_texts(), max_size=2))
    def run(files: dict[str, str], nodes: list[Node], texts: list[str]) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            root = write_project(Path(tmp) / "proj", dict[str, "str | bytes"](files))
            project = Project(root)
            if prepare is not None:
                prepare(project)
            assert_backend_conforms(project, backend, [*nodes, *texts],
                                    extra_fields=EXTRA_KEYS)

    run()


class IndexBackendConformance:
    """Subclass as ``Test...`` with ``backend = "name"`` to run the suite against a backend;
    override :meth:`prepare` to set up each project (e.g. build a cache). Tests run
    hermetically, so load the plugin that provides the backend with a fixture::

        class TestCacheConforms(IndexBackendConformance):
            backend = "sqlite"

            @pytest.fixture(autouse=True)
            def _load(self, sdd_entrypoints):
                sdd_entrypoints("sqlite")
    """

    backend: str = "files"
    max_examples: int = 30

    def prepare(self, project: "Project") -> None:
        """Called with each project before it is queried."""

    def test_example_queries(self, tmp_path: Path) -> None:
        check_example_project(tmp_path / "example", self.backend, self.prepare)

    def test_generated_projects_and_queries(self) -> None:
        check_generated(self.backend, max_examples=self.max_examples, prepare=self.prepare)
