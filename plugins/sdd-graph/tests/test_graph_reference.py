"""The graph against a brute-force all-pairs reference, and the cost of building it."""

from __future__ import annotations

from graph_helpers import spec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

IDS = [f"d{i}/s{i}" for i in range(6)]


@st.composite
def projects(draw):
    files = {}
    plan = {}
    for sid in IDS:
        depends = draw(st.lists(st.sampled_from(IDS), max_size=3, unique=True))
        mentioned = draw(st.lists(st.sampled_from(IDS), max_size=3, unique=True))
        linked = draw(st.lists(st.sampled_from(IDS), max_size=2, unique=True))
        body = " ".join([f"See `{m}`." for m in mentioned]
                        + [f"[x](../../{t}/spec.md)" for t in linked])
        files[f"{sid}/spec.md"] = spec(sid, depends=depends or None, body=body)
        plan[sid] = (depends, mentioned, linked)
    return files, plan


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(projects())
def test_edges_match_an_all_pairs_reference(tmp_path_factory, data):
    from sdd_graph.graph import build_graph

    from sdd_core import Project
    from sdd_core.testing import write_project

    files, plan = data
    root = write_project(tmp_path_factory.mktemp("p"), files)
    sg = build_graph(Project(root))
    expected = {}
    for a in IDS:  # every pair, the slow obvious way
        depends, mentioned, linked = plan[a]
        for b in IDS:
            if b in depends:
                expected[(a, b)] = "explicit"
            elif b != a and (b in mentioned or b in linked):
                expected[(a, b)] = "inferred"
    assert {(u, v): t for u, v, t in sg.edges()} == expected


def test_one_resolution_per_candidate(sdd_project, monkeypatch):
    n = 60
    files = {f"a/s{i}/spec.md": spec(f"a/s{i}", depends=[f"a/s{(i + 1) % n}"],
                                     body=f"Uses `a/s{(i + 2) % n}` and [b](../s{(i + 3) % n}/spec.md).")
             for i in range(n)}
    project = sdd_project(files)
    from sdd_graph.graph import build_graph

    from sdd_core import Project

    project.specs()  # load first: only the graph's own lookups are counted
    calls = []
    original = Project.resolve_ref

    def counting(self, ref, specs, origin=None):
        calls.append(ref)
        return original(self, ref, specs, origin)

    monkeypatch.setattr(Project, "resolve_ref", counting)
    sg = build_graph(project)
    assert sg.counts() == {"specs": n, "edges": 3 * n, "explicit": n, "inferred": 2 * n}
    # a depends entry and a link resolve once each; a mention that is an id needs no call
    assert len(calls) == 2 * n
