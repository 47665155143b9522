"""The built-in validation rules (registered like any plugin's, so a team can override one).

Codes follow sdd-tool's where it has one (E201–E205, W001, W004, E304), so CI scripts keep
working; the rest are SDD's own.
"""

from __future__ import annotations

import os
import posixpath
from typing import TYPE_CHECKING, Iterator
from urllib.parse import unquote

from sdd_core import hookimpl

if TYPE_CHECKING:
    from sdd_core.model import Finding, Spec
    from sdd_core.registry import Rule, RuleContext

_SCHEMES = ("http:", "https:", "mailto:", "ftp:", "tel:", "data:", "javascript:")


def _passthrough(code: str):  # type: ignore[no-untyped-def]
    def check_project(ctx: "RuleContext") -> "Iterator[Finding]":
        return (p for p in ctx.result.problems if p.code == code)

    return check_project


def _title(rule: "Rule"):  # type: ignore[no-untyped-def]
    def check(spec: "Spec", ctx: "RuleContext") -> "Iterator[Finding]":
        if spec.title_line is None:
            yield rule.finding("no '# Title' heading: a spec starts its body with one H1",
                               spec, spec.body_line)
    return check


def _keywords(rule: "Rule"):  # type: ignore[no-untyped-def]
    def check(spec: "Spec", ctx: "RuleContext") -> "Iterator[Finding]":
        if not spec.keywords:
            line = next((s.line for s in spec.sections if s.level == 2
                         and s.title.lower().startswith(("requirement", "요구"))), spec.body_line)
            yield rule.finding(
                "no requirement uses an RFC 2119 keyword (MUST, SHALL, SHOULD, MAY ... as"
                " upper-case words)", spec, line)
    return check


def _scenarios(rule: "Rule"):  # type: ignore[no-untyped-def]
    def check(spec: "Spec", ctx: "RuleContext") -> "Iterator[Finding]":
        if any(sc.complete for sc in spec.scenarios):
            return
        if spec.scenarios:
            sc = spec.scenarios[0]
            missing = [k for k in ("GIVEN", "WHEN", "THEN") if not sc.count(k)]
            yield rule.finding(f"scenario {sc.name!r} is incomplete: no {'/'.join(missing)}"
                               " step (and no other scenario is complete)", spec, sc.line)
        else:
            yield rule.finding("no scenario: add '### Scenario 1: ...' with GIVEN, WHEN and THEN"
                               " steps", spec, spec.body_line)
    return check


def _duplicates(rule: "Rule"):  # type: ignore[no-untyped-def]
    def check_project(ctx: "RuleContext") -> "Iterator[Finding]":
        first: dict[str, "Spec"] = {}
        for spec in ctx.result.specs:
            if spec.id in first:
                other = first[spec.id]
                yield rule.finding(f"duplicate spec id {spec.id!r} (also in {other.path})",
                                   spec, spec.line_of("id") if "id" in spec.meta else 1)
            else:
                first[spec.id] = spec
    return check_project


def _depends(rule: "Rule"):  # type: ignore[no-untyped-def]
    def check(spec: "Spec", ctx: "RuleContext") -> "Iterator[Finding]":
        for ref in spec.depends:
            target = ctx.resolve(ref, spec)
            if target is None:
                key = "depends" if "depends" in spec.meta else "dependencies"
                yield rule.finding(f"depends on {ref!r}, which is not a spec of this project",
                                   spec, spec.line_of(key))
            elif target is spec:
                yield rule.finding("depends on itself", spec, spec.line_of("depends"))
    return check


def _links(rule: "Rule"):  # type: ignore[no-untyped-def]
    def check(spec: "Spec", ctx: "RuleContext") -> "Iterator[Finding]":
        if not spec.links or not ctx.project.settings("validation").check_links:
            return
        root = str(ctx.project.root)
        base = posixpath.dirname(spec.path)
        for link in spec.links:
            target = link.target.strip()
            if not target or target.startswith("#") or target.lower().startswith(_SCHEMES):
                continue
            if "://" in target:
                continue
            path = unquote(target.split("#", 1)[0].split("?", 1)[0])
            if not path:
                continue
            rel = posixpath.normpath(path.lstrip("/") if path.startswith("/")
                                     else posixpath.join(base, path))
            if rel.startswith("../") or not os.path.exists(os.path.join(root, rel)):
                yield rule.finding(f"broken link to {link.target!r} ({rel} does not exist)",
                                   spec, link.line)
    return check


def _constitution(major: bool):  # type: ignore[no-untyped-def]
    def factory(rule: "Rule"):  # type: ignore[no-untyped-def]
        return _constitution_check(rule, major)
    return factory


def _constitution_check(rule: "Rule", major: bool):  # type: ignore[no-untyped-def]
    def check(spec: "Spec", ctx: "RuleContext") -> "Iterator[Finding]":
        const = ctx.project.constitution
        if const is None or const.major is None or spec.constitution_version is None:
            return
        from sdd_core.project import SEMVER

        m = SEMVER.match(spec.constitution_version)
        line = spec.line_of("constitution_version")
        if not m:
            if major:
                yield rule.finding(f"constitution_version {spec.constitution_version!r} is not semver",
                               spec, line)
            return
        mine = tuple(int(x) for x in m.groups())
        theirs = tuple(int(x) for x in SEMVER.match(const.version or "").groups())  # type: ignore[union-attr]
        if major and mine[0] < theirs[0]:
            yield rule.finding(
                f"written against constitution {spec.constitution_version}, but the constitution"
                f" is {const.version} (major version behind): review the spec against it",
                spec, line)
        elif not major and mine[0] == theirs[0] and mine < theirs:
            yield rule.finding(
                f"written against constitution {spec.constitution_version}; the constitution is"
                f" {const.version} (minor or patch behind)", spec, line)
    return check


def _constitution_missing(rule: "Rule"):  # type: ignore[no-untyped-def]
    def check(spec: "Spec", ctx: "RuleContext") -> "Iterator[Finding]":
        if ctx.project.constitution is not None and spec.constitution_version is None:
            yield rule.finding("no constitution_version: name the constitution version this"
                               " spec was written against", spec, 1)
    return check


def _constitution_file(rule: "Rule"):  # type: ignore[no-untyped-def]
    def check_project(ctx: "RuleContext") -> "Iterator[Finding]":
        const = ctx.project.constitution
        if const is not None and const.problem:
            rel = os.path.relpath(const.path, ctx.project.root)
            yield rule.finding(f"constitution: {const.problem}", path=rel, line=1)
    return check_project


def _created(rule: "Rule"):  # type: ignore[no-untyped-def]
    def check(spec: "Spec", ctx: "RuleContext") -> "Iterator[Finding]":
        if spec.created is None and "created" not in spec.meta:
            yield rule.finding("no 'created' date in the front matter", spec, 1)
    return check


@hookimpl(trylast=True)
def register_rules(register):  # type: ignore[no-untyped-def]
    from sdd_core.basics import Severity as S
    from sdd_core.registry import Rule

    for code, sev, summary in (
        ("E101", S.ERROR, "the file can be read as UTF-8 text"),
        ("E102", S.ERROR, "the file is not empty"),
        ("E201", S.ERROR, "the front matter is valid YAML"),
        ("E202", S.ERROR, "the front matter fits the schema (status, dates, phase, lists)"),
        ("W006", S.WARNING, "phase is a number"),
    ):
        register(Rule(code, sev, summary, check_project=_passthrough(code)))

    def per_spec(code: str, sev: "S", summary: str, factory) -> None:  # type: ignore[no-untyped-def]
        rule = Rule(code, sev, summary)
        register(Rule(code, sev, summary, check=factory(rule)))

    def per_project(code: str, sev: "S", summary: str, factory) -> None:  # type: ignore[no-untyped-def]
        rule = Rule(code, sev, summary)
        register(Rule(code, sev, summary, check_project=factory(rule)))

    per_spec("E203", S.ERROR, "the body has an H1 title", _title)
    per_spec("E204", S.ERROR, "at least one requirement uses an RFC 2119 keyword", _keywords)
    per_spec("E205", S.ERROR, "at least one complete scenario (GIVEN, WHEN, THEN)", _scenarios)
    per_project("E206", S.ERROR, "spec ids are unique", _duplicates)
    per_spec("E207", S.ERROR, "depends names existing specs", _depends)
    per_spec("E208", S.ERROR, "relative Markdown links resolve", _links)
    per_spec("E304", S.ERROR, "constitution_version is not a major version behind",
             _constitution(True))
    per_spec("W005", S.WARNING, "constitution_version is not a minor or patch version behind",
             _constitution(False))
    per_spec("W004", S.WARNING, "constitution_version is set", _constitution_missing)
    per_project("E305", S.ERROR, "the constitution has a semver version", _constitution_file)
    per_spec("W001", S.WARNING, "created is set", _created)
