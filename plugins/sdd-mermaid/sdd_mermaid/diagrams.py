"""Mermaid diagrams computed from a project's specs.

Every function returns the text of one diagram (no ```` ```mermaid ```` fence). The input is
a :class:`SpecGraph`, built once from the specs with :func:`build_graph`, so a site that draws
a diagram per page pays for resolving the dependencies once.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sdd_mermaid.text import escape, label, node_id, plain

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Project, Scenario, Spec

STATUS_ORDER = ("draft", "review", "approved", "implemented", "deprecated")
DEP_TYPES = ("uses", "extends", "implements")

#: classDef lines: one class per status, plus specs that a ``depends`` names but that do not
#: exist, and domains that specs use but ``domains.yml`` does not declare.
STATUS_STYLES = {
    "draft": "fill:#f6f8fa,stroke:#8c959f,color:#24292f",
    "review": "fill:#fff8c5,stroke:#bf8700,color:#24292f",
    "approved": "fill:#ddf4ff,stroke:#0969da,color:#24292f",
    "implemented": "fill:#dafbe1,stroke:#1a7f37,color:#24292f",
    "deprecated": "fill:#ffebe9,stroke:#cf222e,color:#57606a,stroke-dasharray:4 3",
    "other": "fill:#fbefff,stroke:#8250df,color:#24292f",
    "missing": "fill:#ffffff,stroke:#cf222e,color:#cf222e,stroke-dasharray:2 2",
    "focus": "stroke-width:3px",
}
#: Slice colours of the status pie, in the spirit of the status classes.
PIE_COLOURS = {
    "draft": "#afb8c1", "review": "#d4a72c", "approved": "#54aeff",
    "implemented": "#4ac26b", "deprecated": "#ff8182", "other": "#c297ff",
}
STEP_STYLES = {
    "given": "fill:#ddf4ff,stroke:#0969da,color:#24292f",
    "when": "fill:#fff8c5,stroke:#bf8700,color:#24292f",
    "then": "fill:#dafbe1,stroke:#1a7f37,color:#24292f",
}
DOMAIN_STYLES = {
    "domain": "fill:#f6f8fa,stroke:#57606a,color:#24292f",
    "undeclared": "fill:#ffffff,stroke:#bf8700,color:#24292f,stroke-dasharray:4 3",
}


@dataclass
class SpecGraph:
    """The specs with their dependencies resolved to spec ids."""

    specs: list[Spec]
    by_id: dict[str, Spec]
    depends: dict[str, list[str]] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)
    dependents: dict[str, list[str]] = field(default_factory=dict)


def build_graph(project: Project, specs: Iterable[Spec]) -> SpecGraph:
    """Resolve every ``depends`` entry of ``specs`` with the project's reference rules."""
    specs = sorted(specs, key=lambda s: s.id)
    by_id = {s.id: s for s in specs}
    graph = SpecGraph(specs, by_id)
    for s in specs:
        seen: list[str] = []
        for ref in s.depends:
            target = project.resolve_ref(ref, by_id, s)
            if target is None:
                graph.missing.setdefault(s.id, []).append(ref)
            elif target.id != s.id and target.id not in seen:
                seen.append(target.id)
                graph.dependents.setdefault(target.id, []).append(s.id)
        graph.depends[s.id] = seen
    return graph


def _status_class(status: str) -> str:
    return status if status in STATUS_ORDER else "other"


def _class_defs(styles: dict[str, str], used: Iterable[str]) -> list[str]:
    wanted = set(used)
    return [f"  classDef {name} {style}" for name, style in styles.items() if name in wanted]


def _spec_node(spec: Spec) -> str:
    title = spec.title if spec.title and spec.title != spec.id else ""
    cls = _status_class(spec.status)
    return f"{node_id(spec.id)}[{label(title, spec.id) if title else label(spec.id)}]:::{cls}"


def dependency_graph(graph: SpecGraph, *, direction: str = "LR", cluster: bool = True,
                     only: Iterable[str] | None = None, focus: str | None = None) -> str:
    """The dependency graph as a flowchart: an arrow from a spec to each spec it depends on,
    nodes coloured by status (``classDef``), one ``subgraph`` per domain when ``cluster``.

    ``only`` limits the drawing to those spec ids (edges between them only); ``focus``
    draws that spec with a thicker border.
    """
    if only is None:
        keep, specs = set(graph.by_id), graph.specs
    else:  # a few specs of many (a page's neighbourhood): no pass over every spec
        keep = {i for i in only if i in graph.by_id}
        specs = [graph.by_id[i] for i in sorted(keep)]
    lines = [f"flowchart {direction}"]
    used_classes: set[str] = set()

    def node(s: Spec) -> str:
        used_classes.add(_status_class(s.status))
        return _spec_node(s)

    if cluster:
        by_domain: dict[str, list[Spec]] = {}
        for s in specs:
            by_domain.setdefault(s.domain, []).append(s)
        for domain in sorted(by_domain):
            lines.append(f"  subgraph {node_id(domain, 'd')}[{label(domain)}]")
            lines += [f"    {node(s)}" for s in by_domain[domain]]
            lines.append("  end")
    else:
        lines += [f"  {node(s)}" for s in specs]
    missing_nodes: dict[str, str] = {}
    for s in specs:
        for target in graph.depends.get(s.id, []):
            if target in keep:
                lines.append(f"  {node_id(s.id)} --> {node_id(target)}")
        for ref in graph.missing.get(s.id, []):
            mid = node_id("missing:" + ref, "m")
            if mid not in missing_nodes:
                missing_nodes[mid] = ref
                used_classes.add("missing")
                lines.append(f"  {mid}[{label(ref + ' (missing)')}]:::missing")
            lines.append(f"  {node_id(s.id)} -.-> {mid}")
    if focus is not None and focus in keep:
        used_classes.add("focus")
        lines.append(f"  class {node_id(focus)} focus")
    lines += _class_defs(STATUS_STYLES, used_classes)
    return "\n".join(lines) + "\n"


def neighbourhood(graph: SpecGraph, spec_id: str, *, direction: str = "LR") -> str:
    """The spec, what it depends on and what depends on it (one step each way)."""
    near = {spec_id, *graph.depends.get(spec_id, []), *graph.dependents.get(spec_id, [])}
    return dependency_graph(graph, direction=direction, cluster=True, only=near,
                            focus=spec_id)


# ---------------------------------------------------------------- domains

@dataclass
class DomainEdges:
    """Domain-to-domain edges: ``(source, target, label)``, and the declared domains."""

    declared: list[str]
    edges: list[tuple[str, str, str]]
    derived: bool


def read_domains(project: Project) -> dict[str, Any] | None:
    """The ``domains`` mapping of ``.sdd/domains.yml``, or ``None`` when there is none (or it
    is not a mapping: the validation rules of other plugins report that)."""
    import yaml

    path = project.sdd_dir / "domains.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    domains = data.get("domains") if isinstance(data, dict) else None
    return domains if isinstance(domains, dict) else None


def domain_edges(graph: SpecGraph, domains: dict[str, Any] | None,
                 derived: bool = False) -> DomainEdges:
    """Declared edges (``uses``/``extends``/``implements`` from ``domains.yml``), or, when
    there are none or ``derived`` is asked for, edges counted from cross-domain
    spec dependencies."""
    declared = [str(d) for d in domains] if domains else []
    edges: list[tuple[str, str, str]] = []
    if domains and not derived:
        for name, settings in domains.items():
            deps = settings.get("dependencies") if isinstance(settings, dict) else None
            if not isinstance(deps, dict):
                continue
            for kind in DEP_TYPES:
                targets = deps.get(kind) or []
                if isinstance(targets, str):
                    targets = [targets]
                for t in targets if isinstance(targets, list) else []:
                    if t is not None and str(t) != str(name):
                        edges.append((str(name), str(t), kind))
        if edges or derived is False and declared:
            return DomainEdges(declared, edges, False)
    counts: Counter[tuple[str, str]] = Counter()
    for s in graph.specs:
        for t in graph.depends.get(s.id, []):
            target = graph.by_id[t].domain
            if target != s.domain:
                counts[(s.domain, target)] += 1
    for (a, b), n in sorted(counts.items()):
        edges.append((a, b, f"{n} dependenc{'y' if n == 1 else 'ies'}"))
    return DomainEdges(declared, edges, True)


def domain_graph(graph: SpecGraph, domains: dict[str, Any] | None, *,
                 direction: str = "LR", derived: bool = False) -> str:
    """Domains as a flowchart, each labelled with its spec count; edges from
    :func:`domain_edges` (``uses`` solid, ``extends`` dotted, ``implements`` thick)."""
    result = domain_edges(graph, domains, derived)
    counts = Counter(s.domain for s in graph.specs)
    names = list(dict.fromkeys([*result.declared, *sorted(counts),
                                *(e[0] for e in result.edges), *(e[1] for e in result.edges)]))
    lines = [f"flowchart {direction}"]
    used: set[str] = set()
    for name in names:
        cls = "domain" if (name in result.declared or not result.declared) else "undeclared"
        used.add(cls)
        n = counts.get(name, 0)
        lines.append(f"  {node_id(name, 'd')}[{label(name, f'{n} spec' + ('' if n == 1 else 's'))}]"
                     f":::{cls}")
    arrows = {"uses": "-->", "extends": "-.->", "implements": "==>"}
    for a, b, what in result.edges:
        arrow = arrows.get(what, "-->")
        lines.append(f"  {node_id(a, 'd')} {arrow}|{label(what)}| {node_id(b, 'd')}")
    lines += _class_defs(DOMAIN_STYLES, used)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- scenarios

def step_kinds(scenario: Scenario) -> list[str]:
    """The effective kind of each step: GIVEN, WHEN or THEN; an AND (or BUT) continues the
    kind of the step before it (GIVEN when it comes first)."""
    kinds: list[str] = []
    current = "GIVEN"
    for step in scenario.steps:
        kind = step.kind.upper()
        if kind in ("GIVEN", "WHEN", "THEN"):
            current = kind
        kinds.append(current)
    return kinds


def _flow_lines(scenario: Scenario, prefix: str, indent: str) -> list[str]:
    shapes = {"GIVEN": ("([", "])"), "WHEN": ("[", "]"), "THEN": ("[[", "]]")}
    lines: list[str] = []
    ids: list[str] = []
    for i, (step, kind) in enumerate(zip(scenario.steps, step_kinds(scenario)), 1):
        nid = f"{prefix}s{i}"
        open_, close = shapes[kind]
        lines.append(f"{indent}{nid}{open_}{label(f'{step.kind.upper()} {step.text}')}{close}"
                     f":::{kind.lower()}")
        ids.append(nid)
    if not ids:
        lines.append(f'{indent}{prefix}s0["(no steps)"]')
    for a, b in itertools.pairwise(ids):
        lines.append(f"{indent}{a} --> {b}")
    return lines


def scenario_flow(scenario: Scenario, *, direction: str = "TD") -> str:
    """One scenario as a flowchart: GIVEN → WHEN → THEN, one node per step."""
    lines = [f"flowchart {direction}", *_flow_lines(scenario, "", "  ")]
    lines += _class_defs(STEP_STYLES, ("given", "when", "then"))
    return "\n".join(lines) + "\n"


def spec_flows(spec: Spec, *, direction: str = "TD") -> str:
    """Every scenario of a spec in one flowchart, one ``subgraph`` per scenario."""
    lines = [f"flowchart {direction}"]
    if not spec.scenarios:
        lines.append(f"  none[{label(spec.id + ': no scenarios')}]")
    for n, sc in enumerate(spec.scenarios, 1):
        lines.append(f"  subgraph sc{n}[{label(sc.name or f'Scenario {n}')}]")
        lines.append("    direction TB")
        lines += _flow_lines(sc, f"sc{n}_", "    ")
        lines.append("  end")
    lines += _class_defs(STEP_STYLES, ("given", "when", "then"))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- charts

def status_counts(specs: Iterable[Spec]) -> list[tuple[str, int]]:
    """``(status, count)`` in workflow order, unknown statuses last, zero counts left out."""
    counts = Counter(s.status for s in specs)
    order = [*STATUS_ORDER, *sorted(set(counts) - set(STATUS_ORDER))]
    return [(st, counts[st]) for st in order if counts.get(st)]


def status_pie(specs: Iterable[Spec], title: str = "Specs by status") -> str:
    """A ``pie`` chart of how many specs have each status."""
    counts = status_counts(specs)
    colours = [PIE_COLOURS.get(st, PIE_COLOURS["other"]) for st, _ in counts]
    lines = ["---", "config:", "  themeVariables:"]
    lines += [f'    pie{i}: "{c}"' for i, c in enumerate(colours, 1)]
    lines += ["---", "pie showData", f"  title {plain(title)}"]
    if not counts:
        lines.append('  "no specs" : 1')
    lines += [f'  "{plain(st, 40)}" : {n}' for st, n in counts]
    return "\n".join(lines) + "\n"


def phase_counts(specs: Iterable[Spec]) -> list[tuple[str, int, int]]:
    """``(phase, specs, done)`` per phase in order (``none`` last); done counts approved and
    implemented specs."""
    total: Counter[int | None] = Counter()
    done: Counter[int | None] = Counter()
    for s in specs:
        total[s.phase] += 1
        if s.status in ("approved", "implemented"):
            done[s.phase] += 1
    keys = sorted(k for k in total if k is not None) + ([None] if None in total else [])
    return [("none" if k is None else str(k), total[k], done[k]) for k in keys]


def phase_chart(specs: Iterable[Spec], title: str = "Specs by phase") -> str:
    """An ``xychart-beta`` bar chart: specs per phase (bars) and how many of them are
    approved or implemented (line)."""
    rows = phase_counts(specs) or [("none", 0, 0)]
    top = max(max(r[1] for r in rows), 1)
    cats = ", ".join(f'"{escape(r[0], 20)}"' for r in rows)
    return "\n".join([
        "xychart-beta",
        f'  title "{plain(title)}"',
        f'  x-axis "Phase" [{cats}]',
        f'  y-axis "Specs" 0 --> {top}',
        f"  bar [{', '.join(str(r[1]) for r in rows)}]",
        f"  line [{', '.join(str(r[2]) for r in rows)}]",
    ]) + "\n"
