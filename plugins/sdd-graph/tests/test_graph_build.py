"""Building the graph: explicit and inferred edges, precedence, dangling references."""

from __future__ import annotations

from graph_helpers import spec


def test_inferred_edges_from_links_and_mentions(sdd_project):
    project = sdd_project({
        "auth/login/spec.md": spec("auth/login"),
        "auth/session/spec.md": spec("auth/session", body="See [login](../login/spec.md)."),
        "billing/pay/spec.md": spec("billing/pay", body="Uses `auth/session` for identity."),
        "billing/refund/spec.md": spec("billing/refund", body="Like [[billing/pay]] but back."),
        "billing/ext/spec.md": spec("billing/ext", body="[docs](https://example.com/auth/login)"
                                    " and [anchor](#top) and `not-a-spec`."),
        "billing/self/spec.md": spec("billing/self", body="This is `billing/self`."),
    })
    from sdd_graph.graph import build_graph

    sg = build_graph(project)
    edges = {(u, v): t for u, v, t in sg.edges()}
    assert edges == {
        ("auth/session", "auth/login"): "inferred",
        ("billing/pay", "auth/session"): "inferred",
        ("billing/refund", "billing/pay"): "inferred",
    }


def test_link_by_id_and_by_specs_path(sdd_project):
    project = sdd_project({
        "a/one/spec.md": spec("a/one"),
        "a/two/spec.md": spec("a/two", body="[one](a/one) and [again](.sdd/specs/a/one/spec.md)"),
        "b/three.md": spec("b/three", body="[flat](three-more.md)"),
        "b/three-more.md": spec("b/three-more"),
    })
    from sdd_graph.graph import build_graph

    sg = build_graph(project)
    assert {(u, v) for u, v, _ in sg.edges()} == {("a/two", "a/one"), ("b/three", "b/three-more")}


def test_explicit_edge_wins_over_inferred_for_the_same_pair(sdd_project):
    project = sdd_project({
        "x/a/spec.md": spec("x/a"),
        "x/b/spec.md": spec("x/b", depends=["x/a"], body="Builds on `x/a` and [a](../a/spec.md)."),
    })
    from sdd_graph.graph import build_graph

    sg = build_graph(project)
    assert sg.counts()["edges"] == 1
    assert sg.edge_type("x/b", "x/a") == "explicit"
    assert sg.counts() == {"specs": 2, "edges": 1, "explicit": 1, "inferred": 0}


def test_depends_by_path_resolves_and_unknown_is_dangling(sdd_project):
    project = sdd_project({
        "x/a/spec.md": spec("x/a"),
        "x/b/spec.md": spec("x/b", depends=["x/a/spec.md", "x/missing"]),
    })
    from sdd_graph.graph import build_graph

    sg = build_graph(project, inferred=False)
    assert list(sg.edges()) == [("x/b", "x/a", "explicit")]
    assert [(d.spec_id, d.ref) for d in sg.dangling] == [("x/b", "x/missing")]


def test_mentions_in_code_fences_are_not_edges(sdd_project):
    body = "```\nsee `x/a`\n```\n"
    project = sdd_project({"x/a/spec.md": spec("x/a"), "x/b/spec.md": spec("x/b", body=body)})
    from sdd_graph.graph import build_graph

    assert build_graph(project).counts()["edges"] == 0


def test_to_networkx(sdd_project):
    project = sdd_project({"x/a/spec.md": spec("x/a"),
                           "x/b/spec.md": spec("x/b", depends=["x/a"], body="`x/c`"),
                           "x/c/spec.md": spec("x/c")})
    from sdd_graph.graph import build_graph

    g = build_graph(project).to_networkx()
    assert sorted(g.nodes) == ["x/a", "x/b", "x/c"]
    assert sorted(g.edges(data="type")) == [("x/b", "x/a", "explicit"), ("x/b", "x/c", "inferred")]


def test_reference_memo_follows_edits(sdd_project):
    project = sdd_project({"x/a/spec.md": spec("x/a"), "x/c/spec.md": spec("x/c"),
                           "x/b/spec.md": spec("x/b", body="See `x/a`.")})
    from sdd_graph.graph import build_graph

    from sdd_core import Project

    assert list(build_graph(project).edges()) == [("x/b", "x/a", "inferred")]
    assert (project.root / ".sdd/.cache/graph-refs.json").is_file()
    (project.root / ".sdd/specs/x/b/spec.md").write_text(spec("x/b", body="See `x/c`."),
                                                          encoding="utf-8")
    fresh = Project(project.root)
    assert list(build_graph(fresh).edges()) == [("x/b", "x/c", "inferred")]


def test_read_only_cache_folder_still_builds(sdd_project):
    project = sdd_project({"x/a/spec.md": spec("x/a"), "x/b/spec.md": spec("x/b", body="`x/a`")})
    (project.root / ".sdd/.cache").write_text("not a folder", encoding="utf-8")
    from sdd_graph.graph import build_graph

    assert build_graph(project).counts()["inferred"] == 1


def test_reference_memo_of_another_parser_version_is_not_used(sdd_project, monkeypatch):
    """The memo holds what the core's parser found in each body: entries written by
    another parser version are read again, even for unchanged files."""
    import json

    from sdd_core import Project, basics
    from sdd_graph.graph import build_graph

    project = sdd_project({"x/a/spec.md": spec("x/a"), "x/c/spec.md": spec("x/c"),
                           "x/b/spec.md": spec("x/b", body="See `x/a`.")})
    assert list(build_graph(project).edges()) == [("x/b", "x/a", "inferred")]
    memo = project.root / ".sdd/.cache/graph-refs.json"
    data = json.loads(memo.read_text(encoding="utf-8"))
    for refs in data["entries"].values():  # as a parser that read `x/c` would have left it
        if refs[1] == ["x/a"]:
            refs[1] = ["x/c"]
    memo.write_text(json.dumps(data), encoding="utf-8")
    assert list(build_graph(Project(project.root)).edges()) == [("x/b", "x/c", "inferred")]
    monkeypatch.setattr(basics, "PARSE_VERSION", basics.PARSE_VERSION + 1)
    assert list(build_graph(Project(project.root)).edges()) == [("x/b", "x/a", "inferred")]
