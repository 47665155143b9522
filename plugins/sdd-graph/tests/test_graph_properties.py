"""Properties of the traversal and cycle search on random graphs, against networkx."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st
from sdd_graph.graph import (
    EXPLICIT,
    INFERRED,
    SpecGraph,
    find_cycles,
    on_cycle,
    strongly_connected_components,
    walk,
)


def _sg(g):
    return SpecGraph.from_edges(g.nodes, g.edges(data="type"))


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 10))
    nodes = [f"n{i:02d}" for i in range(n)]
    pairs = st.tuples(st.sampled_from(nodes), st.sampled_from(nodes), st.booleans())
    edges = draw(st.lists(pairs, max_size=30))
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    for u, v, explicit in edges:
        g.add_edge(u, v, type=EXPLICIT if explicit else INFERRED)
    return g


@settings(max_examples=200, deadline=None)
@given(graphs(), st.data())
def test_walk_matches_shortest_paths(g, data):
    origin = data.draw(st.sampled_from(sorted(g.nodes)))
    reverse = data.draw(st.booleans())
    sg = _sg(g)
    reached = walk(sg, origin, reverse=reverse)
    direction = g if reverse else g.reverse(copy=False)
    expected = nx.single_source_shortest_path_length(direction, origin)
    expected.pop(origin)
    assert {r.id: r.distance for r in reached} == expected
    for r in reached:
        assert r.path[0] == origin and r.path[-1] == r.id and len(r.path) == r.distance + 1
        hops = list(zip(r.path, r.path[1:]))
        edges = [(b, a) if not reverse else (a, b) for a, b in hops]
        assert all(g.has_edge(*e) for e in edges)
        assert r.explicit == all(g.edges[e]["type"] == EXPLICIT for e in edges)


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_cycles_are_the_cyclic_components_with_a_shortest_cycle(g):
    cycles = find_cycles({n: list(g.succ[n]) for n in g})
    expected = [c for c in nx.strongly_connected_components(g)
                if len(c) > 1 or g.has_edge(next(iter(c)), next(iter(c)))]
    assert sorted(c.members for c in cycles) == sorted(tuple(sorted(c)) for c in expected)
    for c in cycles:
        start = c.path[0]
        assert start == min(c.members) and c.path[-1] == start
        assert all(g.has_edge(a, b) for a, b in zip(c.path, c.path[1:]))
        assert set(c.path) <= set(c.members)
        sub = g.subgraph(c.members)
        shortest = min(nx.shortest_path_length(sub, start, p) + 1 for p in sub.pred[start])
        assert len(c.path) - 1 == shortest


@settings(max_examples=200, deadline=None)
@given(graphs(), st.data())
def test_on_cycle_matches_explicit_components(g, data):
    node = data.draw(st.sampled_from(sorted(g.nodes)))
    explicit = nx.DiGraph([(u, v) for u, v, t in g.edges(data="type") if t == EXPLICIT])
    explicit.add_nodes_from(g)
    comp = next(c for c in nx.strongly_connected_components(explicit) if node in c)
    expected = len(comp) > 1 or explicit.has_edge(node, node)
    assert on_cycle(_sg(g), node) == expected


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_tarjan_matches_networkx(g):
    ours = strongly_connected_components({n: list(g.succ[n]) for n in g})
    theirs = nx.strongly_connected_components(g)
    assert sorted(map(sorted, ours)) == sorted(map(sorted, theirs))


def test_tarjan_on_a_long_chain_has_no_recursion_limit():
    n = 50_000
    succ = {f"s{i}": [f"s{i + 1}"] for i in range(n)}
    succ[f"s{n}"] = ["s0"]
    (comp,) = strongly_connected_components(succ)
    assert len(comp) == n + 1
    (cycle,) = find_cycles(succ)
    assert len(cycle.path) == n + 2 and cycle.path[0] == "s0"
