"""``.sdd/domains.yml`` (sdd-tool's schema): domains, their declared dependencies and rules.

::

    domains:
      billing:
        description: Invoices and payments
        dependencies: {uses: [auth, core], extends: [], implements: []}
    rules:
      - {from: core, to: billing, type: uses, allowed: false, reason: "core stays generic"}

A rule with ``allowed: false`` forbids a dependency from one domain to another: a declared
one in ``domains.yml`` (of the rule's ``type`` when it names one) and a spec in the first
domain depending on a spec in the second. ``*`` in ``from`` or ``to`` matches any domain; when
several rules match, the most specific wins (no wildcard, then one, then two), and a deny wins
a tie.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Project

DEP_TYPES = ("uses", "extends", "implements")
DOMAINS_FILE = "domains.yml"


@dataclass(frozen=True)
class DomainDependency:
    """``source`` declares that it uses/extends/implements ``target``."""

    source: str
    target: str
    type: str
    line: int


@dataclass(frozen=True)
class DomainRule:
    """A ``rules`` entry."""

    source: str
    target: str
    allowed: bool
    type: str | None = None
    reason: str = ""
    line: int = 1

    def matches(self, source: str, target: str, dep_type: str | None) -> bool:
        """Whether the rule speaks about ``source -> target`` (of ``dep_type``)."""
        if self.source not in ("*", source) or self.target not in ("*", target):
            return False
        return self.type is None or dep_type is None or self.type == dep_type

    @property
    def specificity(self) -> int:
        """2 with no wildcard, 1 with one, 0 with two."""
        return (self.source != "*") + (self.target != "*")

    def describe(self) -> str:
        """``core -> billing (uses)`` plus the reason."""
        kind = f" ({self.type})" if self.type else ""
        why = f": {self.reason}" if self.reason else ""
        return f"{self.source} -> {self.target}{kind}{why}"


@dataclass
class Domains:
    """The parsed ``domains.yml``; ``problems`` are ``(message, line)`` pairs."""

    path: str
    domains: dict[str, dict[str, Any]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    dependencies: list[DomainDependency] = field(default_factory=list)
    rules: list[DomainRule] = field(default_factory=list)
    problems: list[tuple[str, int]] = field(default_factory=list)

    def forbidding(self, source: str, target: str, dep_type: str | None = None
                   ) -> DomainRule | None:
        """The rule that forbids ``source -> target``, or ``None`` when it is allowed."""
        if source == target:
            return None
        best: DomainRule | None = None
        for rule in self.rules:
            if not rule.matches(source, target, dep_type):
                continue
            if best is None or rule.specificity > best.specificity or (
                    rule.specificity == best.specificity and not rule.allowed):
                best = rule
        return best if best is not None and not best.allowed else None


_cache: dict[str, tuple[float, int, Domains | None]] = {}


def load_domains(project: Project) -> Domains | None:
    """The project's ``domains.yml``, or ``None`` when there is none (cached by mtime)."""
    full = project.sdd_dir / DOMAINS_FILE
    key = str(full)
    try:
        st = os.stat(full)
    except OSError:
        return None
    hit = _cache.get(key)
    if hit is not None and hit[0] == st.st_mtime and hit[1] == st.st_size:
        return hit[2]
    rel = full.relative_to(project.root).as_posix()
    try:
        text = full.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        result = Domains(rel, problems=[(f"cannot read {DOMAINS_FILE}: {exc}", 1)])
    else:
        result = parse_domains(text, rel)
    _cache[key] = (st.st_mtime, st.st_size, result)
    return result


def parse_domains(text: str, path: str = f".sdd/{DOMAINS_FILE}") -> Domains:
    """Parse the text of a ``domains.yml``; problems are collected, never raised."""
    import yaml

    out = Domains(path)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        out.problems.append(((f"{DOMAINS_FILE} is not valid YAML: "
                             f"{getattr(exc, 'problem', None) or exc}"),
                             mark.line + 1 if mark else 1))
        return out
    if root is None:
        return out
    if not isinstance(root, yaml.MappingNode):
        out.problems.append((f"{DOMAINS_FILE} must be a mapping with 'domains' and 'rules'", 1))
        return out
    top = _mapping(root)
    domains_node = top.get("domains")
    domains_data = data.get("domains")
    if domains_node is not None and isinstance(domains_node[1], yaml.MappingNode):
        for key_node, value in domains_node[1].value:
            name = str(key_node.value)
            out.lines[name] = key_node.start_mark.line + 1
            settings = domains_data.get(key_node.value) if isinstance(domains_data, dict) else None
            out.domains[name] = settings if isinstance(settings, dict) else {}
            deps = _mapping(value).get("dependencies") if isinstance(value, yaml.MappingNode) else None
            if deps is None or not isinstance(deps[1], yaml.MappingNode):
                continue
            for kind, (_, seq) in _mapping(deps[1]).items():
                if kind not in DEP_TYPES:
                    out.problems.append(((f"domain {name!r}: unknown dependency type {kind!r}"
                                         f" (use {', '.join(DEP_TYPES)})"),
                                         seq.start_mark.line + 1))
                    continue
                items = seq.value if isinstance(seq, yaml.SequenceNode) else (
                    [seq] if isinstance(seq, yaml.ScalarNode) and seq.value else [])
                for item in items:
                    if isinstance(item, yaml.ScalarNode) and item.value:
                        out.dependencies.append(DomainDependency(
                            name, str(item.value), kind, item.start_mark.line + 1))
    elif domains_node is not None and domains_data is not None:
        out.problems.append(("'domains' must be a mapping of domain ids to settings",
                             domains_node[0].start_mark.line + 1))
    rules_node = top.get("rules")
    if rules_node is not None and isinstance(rules_node[1], yaml.SequenceNode):
        for item, rule in zip(rules_node[1].value, data.get("rules") or []):
            line = item.start_mark.line + 1
            if not isinstance(rule, dict) or not rule.get("from") or not rule.get("to"):
                out.problems.append(("a rule needs 'from' and 'to' domains", line))
                continue
            allowed = rule.get("allowed", True)
            out.rules.append(DomainRule(
                str(rule["from"]), str(rule["to"]), allowed is not False,
                str(rule["type"]) if rule.get("type") else None,
                str(rule.get("reason") or ""), line))
    elif rules_node is not None and data.get("rules") is not None:
        out.problems.append(("'rules' must be a list", rules_node[0].start_mark.line + 1))
    for dep in out.dependencies:
        if dep.target not in out.domains:
            out.problems.append(((f"domain {dep.source!r} {dep.type} {dep.target!r}, which is not"
                                 " declared in domains"), dep.line))
    for rule in out.rules:
        for end in (rule.source, rule.target):
            if end != "*" and end not in out.domains:
                out.problems.append(((f"rule {rule.source} -> {rule.target} names domain {end!r},"
                                     " which is not declared in domains"), rule.line))
                break
    return out


def _mapping(node: Any) -> dict[str, tuple[Any, Any]]:
    return {str(k.value): (k, v) for k, v in node.value}

