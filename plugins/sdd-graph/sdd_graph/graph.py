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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:  # pragma: no cover
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
    """The graph as adjacency dicts, plus the specs it was built from.

    ``succ[a][b]`` and ``pred[b][a]`` both hold the type of the edge ``a -> b`` (``a``
    depends on ``b``). Plain dicts keep ``sdd impact`` fast (importing networkx alone costs
    about half a second); :meth:`to_networkx` gives a ``networkx.DiGraph`` for analysis.
    """

    specs: dict[str, Spec]
    succ: dict[str, dict[str, str]]
    pred: dict[str, dict[str, str]]
    dangling: list[Dangling] = field(default_factory=list)

    @classmethod
    def from_edges(cls, nodes: Iterable[str], edges: Iterable[tuple[str, str, str]],
                   specs: dict[str, Spec] | None = None) -> SpecGraph:
        """A graph of ``nodes`` and ``(source, target, type)`` edges; for the same pair an
        explicit edge wins over an inferred one."""
        succ: dict[str, dict[str, str]] = {n: {} for n in nodes}
        pred: dict[str, dict[str, str]] = {n: {} for n in succ}
        for u, v, t in edges:
            if succ[u].get(v) == EXPLICIT:
                continue
            succ[u][v] = t
            pred[v][u] = t
        return cls(specs if specs is not None else {}, succ, pred)

    def edges(self) -> Iterator[tuple[str, str, str]]:
        """Every ``(source, target, type)``."""
        for u, targets in self.succ.items():
            for v, t in targets.items():
                yield u, v, t

    def has_edge(self, source: str, target: str) -> bool:
        """Whether ``source`` depends on ``target`` (explicitly or not)."""
        return target in self.succ.get(source, ())

    def edge_type(self, source: str, target: str) -> str:
        """``explicit`` or ``inferred`` for an existing edge."""
        return self.succ[source][target]

    def counts(self) -> dict[str, int]:
        """How many nodes, edges, explicit and inferred edges the graph has."""
        edges = explicit = 0
        for targets in self.succ.values():
            edges += len(targets)
            explicit += sum(1 for t in targets.values() if t == EXPLICIT)
        return {"specs": len(self.succ), "edges": edges, "explicit": explicit,
                "inferred": edges - explicit}

    def explicit_succ(self) -> dict[str, list[str]]:
        """Successors over explicit edges only (the ones cycles are checked on)."""
        return {u: [v for v, t in targets.items() if t == EXPLICIT]
                for u, targets in self.succ.items()}

    def to_networkx(self) -> Any:
        """The graph as a ``networkx.DiGraph`` (edge attribute ``type``)."""
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(self.succ)
        g.add_edges_from((u, v, {"type": t}) for u, v, t in self.edges())
        return g


def link_ref(target: str) -> str | None:
    """The local path a link target points at (no scheme, fragment or query), or ``None``."""
    t = target.strip()
    if not t or t.startswith("#") or "://" in t or t.lower().startswith(_SCHEMES):
        return None
    t = t.split("#", 1)[0].split("?", 1)[0]
    return unquote(t) or None


def resolve_link(project: Project, target: str, by_id: dict[str, Spec],
                 origin: Spec) -> Spec | None:
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


def build_graph(project: Project, specs: Iterable[Spec] | None = None, *,
                by_id: dict[str, Spec] | None = None, inferred: bool = True) -> SpecGraph:
    """Build the graph of ``specs`` (default: the project's visible specs, from its index).

    :param by_id: the specs by id, when the caller already has that dict (validation rules
        pass the one every rule shares, so path lookups are indexed once).
    :param inferred: also add edges inferred from links and mentions.
    """
    from sdd_graph.refcache import paused_gc

    with paused_gc():
        return _build(project, specs, by_id, inferred)


def _build(project: Project, specs: Iterable[Spec] | None,
           by_id: dict[str, Spec] | None, inferred: bool) -> SpecGraph:
    if by_id is None:
        by_id = {}
        for spec in (project.specs() if specs is None else specs):
            by_id.setdefault(spec.id, spec)
    resolve = project.resolve_ref
    refs: dict[str, tuple[list[str], list[str]]] = {}
    if inferred:
        from sdd_graph.refcache import body_refs

        refs = body_refs(project, by_id.values())
    succ: dict[str, dict[str, str]] = {sid: {} for sid in by_id}
    pred: dict[str, dict[str, str]] = {sid: {} for sid in by_id}
    dangling: list[Dangling] = []
    for sid, spec in by_id.items():
        out = succ[sid]
        for ref in spec.depends:
            target = resolve(ref, by_id, spec)
            if target is None:
                dangling.append(Dangling(sid, ref))
            else:
                out[target.id] = EXPLICIT
                pred[target.id][sid] = EXPLICIT
        if not inferred:
            continue
        links, mentions = refs[sid]
        hits = [resolve_link(project, link, by_id, spec) for link in links]
        hits += [by_id.get(m) or resolve(m, by_id) for m in mentions]
        for target in hits:
            if target is not None and target.id != sid and target.id not in out:
                out[target.id] = INFERRED  # never overwrites an explicit edge
                pred[target.id][sid] = INFERRED
    return SpecGraph(by_id, succ, pred, dangling)


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
    adjacency = sg.succ if reverse else sg.pred
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
        around = adjacency[node]
        for nxt in sorted(around):
            if nxt in dist:
                continue
            dist[nxt] = d + 1
            parent[nxt] = node
            all_explicit[nxt] = all_explicit[node] and around[nxt] == EXPLICIT
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
    targets = {v for v, t in sg.succ[node].items() if t == EXPLICIT}
    if node in targets:
        return True
    if not targets:
        return False
    seen = {node}
    queue = deque([node])
    while queue:
        cur = queue.popleft()
        for prev, t in sg.pred[cur].items():
            if prev in seen or t != EXPLICIT:
                continue
            if prev in targets:
                return True
            seen.add(prev)
            queue.append(prev)
    return False


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


def strongly_connected_components(succ: Mapping[str, Iterable[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (no recursion limit), linear in nodes plus edges."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comps: list[set[str]] = []
    counter = 0
    for root, root_children in succ.items():
        if root in index:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(root_children))]
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(succ[child])))
                    advanced = True
                    break
                if child in on_stack and index[child] < low[node]:
                    low[node] = index[child]
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    comp.add(member)
                    if member == node:
                        break
                comps.append(comp)
    return comps


def find_cycles(succ: dict[str, list[str]]) -> list[Cycle]:
    """Every strongly connected component of ``succ`` that holds a cycle (more than one
    spec, or a spec depending on itself), with a shortest cycle through its smallest id.

    Linear in the graph: Tarjan's algorithm finds the components, and each cycle is found by
    a breadth-first search that never leaves its component (never a cycle search over the
    whole graph, which is what makes naive approaches quadratic).
    """
    cycles = []
    for comp in strongly_connected_components(succ):
        if len(comp) == 1:
            (only,) = comp
            if only not in succ[only]:
                continue
        start = min(comp)
        cycles.append(Cycle(tuple(sorted(comp)), tuple(_cycle_through(succ, start, comp))))
    cycles.sort(key=lambda c: c.path[0])
    return cycles


def _cycle_through(succ: dict[str, list[str]], start: str, comp: set[str]) -> list[str]:
    """A shortest cycle through ``start`` using only nodes of ``comp`` (its SCC)."""
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
