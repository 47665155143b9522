"""The spec dependency graph: nodes are specs, an edge ``a -> b`` means "a depends on b".

Edges are *explicit* (``depends``/``dependencies`` in the front matter) or *inferred* (the
body names another spec: a Markdown link whose target resolves to a spec, or a spec id in
backticks or ``[[id]]``). The parser has already extracted links and mentions in one pass over
the text; here each candidate costs a constant number of dictionary lookups
(:meth:`Project.resolve_ref`), so building the graph is linear in the size of the project and
never compares specs pairwise. When a pair has both kinds, the edge is explicit.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator
from urllib.parse import unquote

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from sdd_core import Project, Spec

EXPLICIT = "explicit"
INFERRED = "inferred"
_SCHEMES = ("http:", "https:", "mailto:", "ftp:", "tel:", "data:", "javascript:")


@dataclass(frozen=True)
class Dangling:
    """A ``depends`` entry that names no spec of the project."""

    spec_id: str
    ref: str


@dataclass
class SpecGraph:
    """The graph plus the specs it was built from."""

    graph: "nx.DiGraph"
    specs: dict[str, "Spec"]
    dangling: list[Dangling] = field(default_factory=list)

    def edge_type(self, source: str, target: str) -> str:
        """``explicit`` or ``inferred`` for an existing edge."""
        return str(self.graph.edges[source, target]["type"])

    def counts(self) -> dict[str, int]:
        """How many nodes, edges, explicit and inferred edges the graph has."""
        explicit = sum(1 for _, _, t in self.graph.edges(data="type") if t == EXPLICIT)
        edges = self.graph.number_of_edges()
        return {"specs": self.graph.number_of_nodes(), "edges": edges,
                "explicit": explicit, "inferred": edges - explicit}

    def explicit_graph(self) -> "nx.DiGraph":
        """The same nodes with only the explicit edges (the ones cycles are checked on)."""
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(self.graph)
        g.add_edges_from((u, v) for u, v, t in self.graph.edges(data="type") if t == EXPLICIT)
        return g


def link_ref(target: str) -> str | None:
    """The local path a link target points at (no scheme, fragment or query), or ``None``."""
    t = target.strip()
    if not t or t.startswith("#") or "://" in t or t.lower().startswith(_SCHEMES):
        return None
    t = t.split("#", 1)[0].split("?", 1)[0]
    return unquote(t) or None


def resolve_link(project: "Project", target: str, by_id: dict[str, "Spec"],
                 origin: "Spec") -> "Spec | None":
    """The spec a Markdown link of ``origin`` points at, or ``None``.

    A bare relative path (``../login/spec.md``, ``other.md``) is relative to the file; an id
    (``auth/login``) or a path under ``specs/`` works too.
    """
    ref = link_ref(target)
    if ref is None:
        return None
    hit = project.resolve_ref(ref, by_id, origin)
    if hit is None and not ref.startswith(("/", "./", "../")):
        hit = project.resolve_ref("./" + ref, by_id, origin)
    return hit


def build_graph(project: "Project", specs: "Iterable[Spec] | None" = None, *,
                by_id: "dict[str, Spec] | None" = None, inferred: bool = True) -> SpecGraph:
    """Build the graph of ``specs`` (default: the project's visible specs, from its index).

    :param by_id: the specs by id, when the caller already has that dict (validation rules
        pass the one every rule shares, so path lookups are indexed once).
    :param inferred: also add edges inferred from links and mentions.
    """
    import networkx as nx

    if by_id is None:
        by_id = {}
        for spec in (project.specs() if specs is None else specs):
            by_id.setdefault(spec.id, spec)
    resolve = project.resolve_ref
    explicit: list[tuple[str, str]] = []
    implied: list[tuple[str, str]] = []
    dangling: list[Dangling] = []
    for sid, spec in by_id.items():
        for ref in spec.depends:
            target = resolve(ref, by_id, spec)
            if target is None:
                dangling.append(Dangling(sid, ref))
            else:
                explicit.append((sid, target.id))
        if not inferred:
            continue
        for link in spec.links:
            target = resolve_link(project, link.target, by_id, spec)
            if target is not None and target.id != sid:
                implied.append((sid, target.id))
        for mention in spec.mentions:
            target = by_id.get(mention) or resolve(mention, by_id)
            if target is not None and target.id != sid:
                implied.append((sid, target.id))
    g = nx.DiGraph()
    g.add_nodes_from(by_id)
    g.add_edges_from(implied, type=INFERRED)
    g.add_edges_from(explicit, type=EXPLICIT)  # overwrites: an explicit edge wins
    return SpecGraph(g, by_id, dangling)


# ---------------------------------------------------------------- traversal


@dataclass(frozen=True)
class Reached:
    """A spec reached by a breadth-first walk: its distance and the path that reaches it.

    ``path`` starts at the walk's origin and ends at ``id``; ``explicit`` is true when every
    edge on the path is explicit.
    """

    id: str
    distance: int
    path: tuple[str, ...]
    explicit: bool


def walk(sg: SpecGraph, origin: str, *, reverse: bool = False,
         depth: int | None = None) -> list[Reached]:
    """Every spec reachable from ``origin`` by breadth-first search, nearest first.

    Without ``reverse`` the walk follows edges backwards: the specs that depend on
    ``origin`` directly or transitively (its dependents). With ``reverse`` it follows them
    forwards: what ``origin`` depends on. Each spec is reached once, by a shortest path (ties
    go to the path found first in id order, so output is stable). Cycles are safe.
    """
    g = sg.graph
    adjacency = g.succ if reverse else g.pred
    parent: dict[str, str | None] = {origin: None}
    all_explicit: dict[str, bool] = {origin: True}
    dist: dict[str, int] = {origin: 0}
    order: list[str] = []
    queue = deque([origin])
    while queue:
        node = queue.popleft()
        d = dist[node]
        if depth is not None and d >= depth:
            continue
        for nxt in sorted(adjacency[node]):
            if nxt in dist:
                continue
            edge = g.edges[node, nxt] if reverse else g.edges[nxt, node]
            dist[nxt] = d + 1
            parent[nxt] = node
            all_explicit[nxt] = all_explicit[node] and edge["type"] == EXPLICIT
            order.append(nxt)
            queue.append(nxt)
    out = []
    for node in order:
        path = [node]
        p = parent[node]
        while p is not None:
            path.append(p)
            p = parent[p]
        path.reverse()
        out.append(Reached(node, dist[node], tuple(path), all_explicit[node]))
    return out


def neighbourhood(sg: SpecGraph, root: str, depth: int | None) -> set[str]:
    """``root``, what it depends on and what depends on it, each up to ``depth`` hops."""
    nodes = {root}
    for reverse in (False, True):
        nodes.update(r.id for r in walk(sg, root, reverse=reverse, depth=depth))
    return nodes


# ---------------------------------------------------------------- cycles


def on_cycle(sg: SpecGraph, node: str) -> bool:
    """Whether ``node`` is on a cycle of explicit dependencies."""
    g = sg.graph
    targets = {v for v in g.succ[node] if g.edges[node, v]["type"] == EXPLICIT}
    if not targets:
        return False
    seen = {node}
    queue = deque([node])
    while queue:
        cur = queue.popleft()
        for prev in g.pred[cur]:
            if prev in seen or g.edges[prev, cur]["type"] != EXPLICIT:
                continue
            if prev in targets:
                return True
            seen.add(prev)
            queue.append(prev)
    return node in targets


@dataclass(frozen=True)
class Cycle:
    """A strongly connected component with a cycle, and one concrete cycle inside it.

    ``path`` starts and ends at the component's smallest id (``[a, a]`` for a self-loop).
    """

    members: tuple[str, ...]
    path: tuple[str, ...]

    def describe(self) -> str:
        """``a -> b -> a``."""
        return " -> ".join(self.path)


def find_cycles(g: "nx.DiGraph") -> list[Cycle]:
    """Every strongly connected component that holds a cycle (more than one spec, or a spec
    depending on itself), with a shortest cycle through its smallest id.

    Linear in the graph: networkx finds the components (Tarjan), and each cycle is found by
    a breadth-first search that never leaves its component.
    """
    import networkx as nx

    cycles = []
    for comp in nx.strongly_connected_components(g):
        if len(comp) == 1:
            (only,) = comp
            if not g.has_edge(only, only):
                continue
        start = min(comp)
        cycles.append(Cycle(tuple(sorted(comp)), tuple(_cycle_through(g, start, comp))))
    cycles.sort(key=lambda c: c.path[0])
    return cycles


def _cycle_through(g: "nx.DiGraph", start: str, comp: set[str]) -> list[str]:
    """A shortest cycle through ``start`` using only nodes of ``comp`` (its SCC)."""
    succ = g.succ
    if start in succ[start]:
        return [start, start]
    parent: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(succ[node]):
            if nxt == start:
                path = [node]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])  # type: ignore[arg-type]
                path.reverse()
                return [*path, start]
            if nxt in comp and nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    raise AssertionError(f"{start} is in a strongly connected component but on no cycle")


def iter_edges(sg: SpecGraph, nodes: set[str] | None = None) -> Iterator[tuple[str, str, str]]:
    """``(source, target, type)`` of every edge (touching ``nodes``), sorted."""
    g = sg.graph
    for u, v, t in sorted(g.edges(data="type")):
        if nodes is None or u in nodes or v in nodes:
            yield u, v, t
