"""Writing graphs as Mermaid, Graphviz DOT or JSON.

Labels are escaped so that quotes, brackets, ``#``, ``<``/``>`` and non-ASCII text survive:
Mermaid labels are double-quoted with entity codes (``#quot;``), DOT strings are
double-quoted with backslash escapes. Mermaid node ids are generated (``n0``, ``n1``, ...)
so any spec id works.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sdd_graph.domains import Domains
    from sdd_graph.graph import SpecGraph

_MERMAID_ENTITIES = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "\n": " ",
                     "\r": " ", "`": "#96;"}


def mermaid_label(text: str) -> str:
    """``text`` as a double-quoted Mermaid label."""
    return '"' + "".join(_MERMAID_ENTITIES.get(ch, ch) for ch in text) + '"'


def dot_string(text: str) -> str:
    """``text`` as a double-quoted DOT string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "")
    return '"' + escaped.replace("\n", "\\n") + '"'


# ---------------------------------------------------------------- spec graph

def spec_graph_data(sg: SpecGraph, nodes: Iterable[str],
                    focus: set[str] | None = None) -> dict[str, Any]:
    """Nodes and edges (both ends in ``nodes``) as plain data; ``focus`` marks the nodes
    asked for (others are neighbours shown for context)."""
    keep = set(nodes)
    out_nodes = []
    for n in sorted(keep):
        spec = sg.specs[n]
        item: dict[str, Any] = {"id": n, "title": spec.title, "status": spec.status,
                                "domain": spec.domain, "path": spec.path}
        if focus is not None:
            item["external"] = n not in focus
        out_nodes.append(item)
    edges = [{"source": u, "target": v, "type": t}
             for u, v, t in sorted(sg.edges()) if u in keep and v in keep]
    return {"nodes": out_nodes, "edges": edges}


def render(data: dict[str, Any], fmt: str, *, domains: bool = False) -> str:
    """``data`` (from :func:`spec_graph_data` or :func:`domain_graph_data`) in ``fmt``."""
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "dot":
        return _dot(data, domains)
    return _mermaid(data, domains)


_MERMAID_ARROWS = {"explicit": "-->", "inferred": "-.->", "uses": "-->", "extends": "==>",
                   "implements": "-.->", "forbidden": "--x", "observed": "-->"}
_DOT_STYLES = {"explicit": "solid", "inferred": "dashed", "uses": "solid", "extends": "bold",
               "implements": "dashed", "forbidden": "dotted", "observed": "solid"}


def _label(node: dict[str, Any], domains: bool) -> str:
    if domains:
        count = node.get("specs")
        return f"{node['id']} ({count} specs)" if count is not None else node["id"]
    return str(node["id"])


def _edge_label(edge: dict[str, Any], domains: bool) -> str | None:
    if not domains:
        return None
    label = str(edge["type"])
    if edge.get("count"):
        label += f" ×{edge['count']}"
    if edge.get("reason"):
        label += f": {edge['reason']}"
    return label


def _mermaid(data: dict[str, Any], domains: bool) -> str:
    ids = {n["id"]: f"n{i}" for i, n in enumerate(data["nodes"])}
    lines = ["flowchart LR"]
    for n in data["nodes"]:
        lines.append(f"    {ids[n['id']]}[{mermaid_label(_label(n, domains))}]")
    for e in data["edges"]:
        arrow = _MERMAID_ARROWS.get(e["type"], "-->")
        label = _edge_label(e, domains)
        mid = f"|{mermaid_label(label)}|" if label else ""
        lines.append(f"    {ids[e['source']]} {arrow}{mid} {ids[e['target']]}")
    external = [ids[n["id"]] for n in data["nodes"] if n.get("external")]
    if external:
        lines.append("    classDef external stroke-dasharray: 4 4,opacity:0.6")
        lines.append(f"    class {','.join(external)} external")
    return "\n".join(lines) + "\n"


def _dot(data: dict[str, Any], domains: bool) -> str:
    lines = ["digraph sdd {", "    rankdir=LR;", '    charset="UTF-8";',
             "    node [shape=box];"]
    for n in data["nodes"]:
        attrs = [f"label={dot_string(_label(n, domains))}"]
        if n.get("title") and not domains:
            attrs.append(f"tooltip={dot_string(str(n['title']))}")
        if n.get("external"):
            attrs.append("style=dashed")
        lines.append(f"    {dot_string(n['id'])} [{', '.join(attrs)}];")
    for e in data["edges"]:
        attrs = [f"style={_DOT_STYLES.get(e['type'], 'solid')}"]
        label = _edge_label(e, domains)
        if label:
            attrs.append(f"label={dot_string(label)}")
        if e["type"] == "forbidden":
            attrs.append("color=red")
        lines.append(f"    {dot_string(e['source'])} -> {dot_string(e['target'])}"
                     f" [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- domain graph

def domain_graph_data(sg: SpecGraph, domains: Domains | None) -> dict[str, Any]:
    """The domain graph: declared dependencies and forbidding rules from ``domains.yml``,
    plus ``observed`` edges where specs of one domain depend on specs of another and
    ``domains.yml`` declares no such dependency (or there is no ``domains.yml``)."""
    from collections import Counter

    per_domain = Counter(s.domain for s in sg.specs.values())
    observed: Counter[tuple[str, str]] = Counter()
    for u, v, t in sg.edges():
        if t == "explicit":
            a, b = sg.specs[u].domain, sg.specs[v].domain
            if a != b:
                observed[(a, b)] += 1
    names = set(per_domain) | set(domains.domains if domains else ())
    edges: list[dict[str, Any]] = []
    declared: set[tuple[str, str]] = set()
    if domains is not None:
        for dep in domains.dependencies:
            declared.add((dep.source, dep.target))
            names.update((dep.source, dep.target))
            edges.append({"source": dep.source, "target": dep.target, "type": dep.type,
                          "count": observed.get((dep.source, dep.target), 0)})
        for rule in domains.rules:
            if not rule.allowed and "*" not in (rule.source, rule.target):
                names.update((rule.source, rule.target))
                edges.append({"source": rule.source, "target": rule.target,
                              "type": "forbidden", "reason": rule.reason,
                              "count": observed.get((rule.source, rule.target), 0)})
    for (a, b), count in sorted(observed.items()):
        if (a, b) not in declared:
            edges.append({"source": a, "target": b, "type": "observed", "count": count})
    nodes = []
    for name in sorted(names):
        settings = domains.domains.get(name, {}) if domains else {}
        nodes.append({"id": name, "description": str(settings.get("description") or ""),
                      "owner": settings.get("owner"), "specs": per_domain.get(name, 0),
                      "declared": bool(domains and name in domains.domains)})
    edges.sort(key=lambda e: (e["source"], e["target"], e["type"]))
    return {"nodes": nodes, "edges": edges}
