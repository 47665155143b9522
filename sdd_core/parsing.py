"""Front matter + Markdown body -> :class:`~sdd_core.model.Spec`, with line numbers.

Speed matters here: every command without a cache parses every spec. The front matter is
read with libyaml's C loader; the body is scanned with a handful of compiled multi-line regular
expressions that find ATX headings and code fences (CommonMark's block rules for them), and
markdown-it-py parses only the inline text of lines that may hold a link, where CommonMark's
rules (code spans, escapes, brackets) decide what is a link. :func:`render_document` gives
the full markdown-it-py token stream for exporters. Setext headings are not recognised as
spec structure; write ``#`` headings.
"""

from __future__ import annotations

import datetime as _dt
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sdd_core.basics import (  # noqa: F401  (public here too)
    NOT_SPECS, STATUSES, Severity, content_hash, domain_from_path, id_from_path,
    is_spec_filename, normalize_user,
)
from sdd_core.parts import Link, Requirement, Scenario, Section, Step
from sdd_core.fastyaml import load_simple

if TYPE_CHECKING:
    from sdd_core.model import Finding, Spec

# The spec model (pydantic) and PyYAML are imported on first use: most front matter is read
# by sdd_core.fastyaml, and a cache refreshing one changed file needs only the parsed fields
# (parse_fields), so neither import is paid on every run.
_LOADER: Any = None


def _yaml_loader() -> Any:
    """Safe loading with libyaml's C loader (~10x the pure-Python one), dates kept as text:
    the parser checks them and names the line."""
    global _LOADER
    if _LOADER is None:
        import yaml

        base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

        class _Loader(base):  # type: ignore[misc,valid-type]
            pass

        _Loader.add_constructor("tag:yaml.org,2002:timestamp", base.construct_yaml_str)
        _LOADER = _Loader
    return _LOADER


def _is_yaml_error(exc: BaseException) -> bool:
    import sys

    yaml = sys.modules.get("yaml")
    return yaml is not None and isinstance(exc, yaml.YAMLError)


# Block patterns run over "\n" + body and start with a literal "\n", which lets the regex
# engine skip ahead (2-3x faster than a multi-line "^" pattern); a match's start is then
# the start of its line in the body.
_FENCE_OR_HEADING = re.compile(
    r"\n {0,3}(?:(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)"
    r"|(?P<hashes>#{1,6})(?P<text>[ \t][^\n]*)?)(?=\n|\Z)"
)
_CLOSING_HASHES = re.compile(r"(?:^|[ \t])#+$")
_REQ_HEADING = re.compile(r"^(REQ-\d+)\b[ \t]*[:.\-–—]?[ \t]*(.*)$")
_SCENARIO_HEADING = re.compile(r"^(?:scenario|시나리오)\b", re.I)
_SCENARIO_SECTIONS = frozenset({"scenario", "scenarios", "시나리오"})
_SCENARIO_PREFIX = re.compile(r"^(?:scenario|시나리오)\s*\d*\s*[:.\-–—]?\s*", re.I)
_REQ_SECTION = re.compile(r"^(?:requirements?|요구\s?사항)\b", re.I)
# RFC 2119 keywords as whole upper-case words. Written to start with a character set (not
# ``\b``) so the regex engine can skip ahead: 5x faster on long bodies.
_KEYWORD = re.compile(
    r"[MSRO](?<!\w[MSRO])(?:UST(?: NOT)?|AY|HALL(?: NOT)?|HOULD(?: NOT)?|EQUIRED|ECOMMENDED"
    r"|PTIONAL)\b"
)
_STEP = re.compile(
    r"\n[ \t]*(?:[-*+][ \t]+|\d+[.)][ \t]+)?(?:\*\*|__)?(GIVEN|WHEN|THEN|AND|BUT)\b(?:\*\*|__)?"
    r"[ \t]*:?(?:\*\*|__)?[ \t]*([^\n]*)",
    re.I,
)
_CODE_MENTION = re.compile(r"`([A-Za-z0-9][\w./-]*)`")
_WIKI_MENTION = re.compile(r"\[\[([^\]\n]+)\]\]")
_DESCRIPTION = re.compile(r"(?:[ \t]*\n)*[ \t]{0,3}>[ \t]?([^\n]*)")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TOP_KEY = re.compile(r"^([^\s#:'\"-][^:\n]*?|'[^'\n]*'|\"[^\"\n]*\")[ \t]*:(?:[ \t]|$)", re.M)


@dataclass
class ParseResult:
    """A parsed file: the spec (``None`` when it could not be read at all) and the problems."""

    spec: Spec | None
    problems: list[Finding] = field(default_factory=list)


def split_front_matter(text: str) -> tuple[str | None, str, int, int]:
    """Split ``---`` front matter from the body.

    Returns ``(front_matter_text_or_None, body, front_matter_first_line, body_first_line)``;
    line numbers are 1-based in the file. An unclosed front matter returns the whole text
    as front matter with body_first_line ``-1`` so the caller can report it.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if not (text.startswith("---\n") or text.startswith("---\r\n") or text == "---"):
        return None, text, 0, 1
    start = text.find("\n") + 1
    m = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.M).search(text, start)
    if m is None:
        return text[start:], "", 2, -1
    fm = text[start : m.start()]
    end = text.find("\n", m.end())
    body = "" if end == -1 else text[end + 1 :]
    body_line = fm.count("\n") + 3
    return fm, body, 2, body_line


def _as_date(value: Any) -> _dt.date | None | str:
    """A date, ``None``, or an error message."""
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            return f"{value!r} is not a real date"
    return f"{value!r} is not a date in YYYY-MM-DD form"


def _as_list(value: Any) -> list[str] | str:
    """A list of strings from a list or a comma-separated string, or an error message."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                return f"list item {item!r} is not a string"
            if isinstance(item, str):
                if item.strip():
                    out.append(item.strip())
            else:
                return f"list item {item!r} is a number, not a spec id"
        return out
    return f"expected a string or a list of strings, got {type(value).__name__} {value!r}"


def load_front_matter(fm_text: str) -> Any:
    """Parse front matter YAML (raises ``yaml.YAMLError``): plain front matter through
    :func:`sdd_core.fastyaml.load_simple`, the rest with libyaml's C loader."""
    simple = load_simple(fm_text)
    if simple is not None:
        return simple
    return yaml_load(fm_text)


def yaml_load(fm_text: str) -> Any:
    """Parse YAML with the C loader, dates kept as text."""
    import yaml

    return yaml.load(fm_text, Loader=_yaml_loader())


def parse_spec(
    data: bytes | str,
    path: str,
    rel_to_specs: str | None = None,
) -> ParseResult:
    """Parse one spec file's content.

    :param data: the file's bytes (or text).
    :param path: the file's path relative to the project root, for findings.
    :param rel_to_specs: the path relative to ``.sdd/specs/``, for the path-derived id and
        domain; defaults to ``path``.
    """
    fields, problems = parse_fields(data, path, rel_to_specs)
    if fields is None:
        return ParseResult(None, problems)
    return ParseResult(spec_from_fields(fields), problems)


def spec_from_fields(fields: dict[str, Any]) -> "Spec":
    """A :class:`~sdd_core.model.Spec` from :func:`parse_fields`' fields (not validated
    again: the parser checked them)."""
    return (_SPEC or _spec_class()).model_construct(**fields)


_SPEC: Any = None


def _spec_class() -> Any:
    global _SPEC
    from sdd_core.model import Spec

    _SPEC = Spec
    return Spec


def parse_fields(
    data: bytes | str,
    path: str,
    rel_to_specs: str | None = None,
) -> "tuple[dict[str, Any] | None, list[Finding]]":
    """:func:`parse_spec` without the model: ``(the Spec's fields, problems)``, the fields
    ``None`` when the file could not be read as a spec. For a reader that stores the fields
    (a cache) and would otherwise load the spec model for one changed file.

    :param data: the file's bytes (or text).
    :param path: the file's path relative to the project root, for findings.
    :param rel_to_specs: the path relative to ``.sdd/specs/``, for the path-derived id and
        domain; defaults to ``path``.
    """
    rel = rel_to_specs if rel_to_specs is not None else path
    problems: list[Finding] = []

    def problem(code: str, message: str, line: int | None = None,
                severity: Severity = Severity.ERROR) -> None:
        from sdd_core.model import Finding

        problems.append(Finding(code=code, severity=severity, message=message, path=path,
                                line=line))

    raw = data.encode("utf-8") if isinstance(data, str) else data
    if isinstance(data, bytes):
        if b"\x00" in data[:8192]:
            problem("E101", "binary file in specs/ (it contains NUL bytes); move it out of .sdd/specs")
            return None, problems
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            problem("E101", f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start});"
                    " re-save the file as UTF-8", line)
            return None, problems
    else:
        text = data
    if not text.strip():
        problem("E102", "empty file: a spec needs front matter, a # title, requirements and"
                " scenarios", 1)
        return None, problems
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")

    fm_text, body, fm_line, body_line = split_front_matter(text)
    meta: dict[str, Any] = {}
    if fm_text is not None:
        if body_line == -1:
            problem("E201", "front matter opened with '---' on line 1 is never closed;"
                    " add a closing '---' line", 1)
            return None, problems
        try:
            loaded = load_front_matter(fm_text)
        except Exception as exc:  # noqa: BLE001 - YAML errors; anything else is re-raised
            if not (isinstance(exc, (ValueError, TypeError, RecursionError))
                    or _is_yaml_error(exc)):
                raise
            mark = getattr(exc, "problem_mark", None)
            last_line = fm_line + max(fm_text.count("\n") - 1, 0)
            line = min(fm_line + mark.line, last_line) if mark is not None else fm_line
            reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            context = getattr(exc, "context", None)
            cmark = getattr(exc, "context_mark", None)
            if context and cmark is not None:
                reason = f"{reason} ({context} started on line {fm_line + cmark.line})"
            problem("E201", f"front matter is not valid YAML: {reason}", line)
            return None, problems
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            problem("E201", f"front matter must be a mapping of keys to values, got"
                    f" {type(loaded).__name__}", fm_line)
            return None, problems
        meta = {str(k): v for k, v in loaded.items()}
        fm_src = fm_text
    else:
        fm_src = ""

    meta_lines: dict[str, int] = {}
    if fm_src:
        line, counted_to = fm_line, 0  # newlines counted as the keys go forward
        for km in _TOP_KEY.finditer(fm_src):
            start = km.start()
            line += fm_src.count("\n", counted_to, start)
            counted_to = start
            meta_lines[km.group(1).strip("'\"")] = line

    def bad(key: str, message: str) -> None:
        problem("E202", f"front matter '{key}': {message}", meta_lines.get(key, fm_line or 1))

    values: dict[str, Any] = {}
    spec_id = meta.get("id")
    if spec_id is not None and not isinstance(spec_id, str):
        if isinstance(spec_id, (int, float)) and not isinstance(spec_id, bool):
            spec_id = str(spec_id)
        else:
            bad("id", f"must be a string, got {type(spec_id).__name__}")
            spec_id = None
    values["id"] = spec_id.strip() if isinstance(spec_id, str) and spec_id.strip() else id_from_path(rel)

    status = meta.get("status", "draft")
    if status is None:
        status = "draft"
    status_s = str(status).strip().lower()
    if status_s not in STATUSES:
        bad("status", f"{status!r} is not one of {', '.join(STATUSES)}")
    values["status"] = status_s

    phase = meta.get("phase")
    if phase is None or phase == "":
        values["phase"] = None
    elif isinstance(phase, bool):
        bad("phase", "must be an integer, got a boolean")
        values["phase"] = None
    elif isinstance(phase, int):
        values["phase"] = phase
    elif isinstance(phase, str) and phase.strip().lstrip("-").isdigit():
        values["phase"] = int(phase.strip())
    elif isinstance(phase, str):
        problem("W006", f"front matter 'phase': {phase!r} is not a phase number; it is ignored",
                meta_lines.get("phase", fm_line or 1), Severity.WARNING)
        values["phase"] = None
    else:
        bad("phase", f"must be an integer, got {type(phase).__name__} {phase!r}")
        values["phase"] = None

    for key in ("created", "updated"):
        d = _as_date(meta.get(key))
        if isinstance(d, str):
            bad(key, d)
            d = None
        values[key] = d

    depends: list[str] = []
    for key in ("depends", "dependencies"):
        if key in meta:
            lst = _as_list(meta[key])
            if isinstance(lst, str):
                bad(key, lst)
            else:
                depends.extend(x for x in lst if x not in depends)
    values["depends"] = depends

    for key in ("tags", "reviewers"):
        lst = _as_list(meta.get(key))
        if isinstance(lst, str):
            bad(key, lst)
            lst = []
        values[key] = [normalize_user(x) for x in lst] if key == "reviewers" else lst

    for key in ("author", "domain", "title", "constitution_version"):
        v = meta.get(key)
        if v is None or v == "":
            values[key] = None
        elif isinstance(v, (dict, list)):
            bad(key, f"must be a single value, got {type(v).__name__}")
            values[key] = None
        else:
            values[key] = str(v).strip()
    if values["author"]:
        values["author"] = normalize_user(values["author"])

    reviews = meta.get("reviews") or []
    if not isinstance(reviews, list) or not all(isinstance(r, dict) for r in reviews):
        bad("reviews", "must be a list of mappings (reviewer, status, date, comment)")
        reviews = []
    values["reviews"] = reviews

    structure = scan_body(body, body_line)
    fields = dict(
        id=values["id"],
        path=path,
        title=values["title"] or structure.title or "",
        status=values["status"],
        phase=values["phase"],
        domain=values["domain"] or domain_from_path(rel),
        depends=values["depends"],
        created=values["created"],
        updated=values["updated"],
        author=values["author"],
        reviewers=values["reviewers"],
        tags=values["tags"],
        constitution_version=values["constitution_version"],
        reviews=values["reviews"],
        description=structure.description,
        requirements=structure.requirements,
        scenarios=structure.scenarios,
        sections=structure.sections,
        links=structure.links,
        mentions=structure.mentions,
        keywords=structure.keywords,
        meta=meta,
        meta_lines=meta_lines,
        body=body,
        body_line=body_line,
        title_line=structure.title_line,
        hash=content_hash(raw),
    )
    return fields, problems


@dataclass
class BodyStructure:
    """What :func:`scan_body` finds in a Markdown body."""

    title: str | None = None
    title_line: int | None = None
    description: str = ""
    sections: list[Section] = field(default_factory=list)
    requirements: list[Requirement] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)


def scan_body(body: str, first_line: int = 1) -> BodyStructure:
    """Find the title, sections, requirements, scenarios, links and RFC 2119 keywords.

    :param first_line: the file line number of the body's first line.
    """
    # headings: (level, text, start of heading line, start of content, line number); line
    # numbers are counted as the scan goes forward (str.count between two positions)
    heads: list[tuple[int, str, int, int, int]] = []
    fences: list[tuple[int, int]] = []
    fence_char = ""
    fence_len = 0
    fence_start = 0
    counted = 0  # the newlines in body[:counted_to]
    counted_to = 0
    nbody = "\n" + body  # positions in nbody: a match's start is its line's start in body
    for m in _FENCE_OR_HEADING.finditer(nbody):
        fence, info, hashes, htext = m.groups()
        if fence_char:
            if fence and fence[0] == fence_char and len(fence) >= fence_len and not info.strip():
                fences.append((fence_start, m.end() - 1))
                fence_char = ""
            continue
        if fence:
            if fence[0] == "`" and "`" in info:
                continue  # not a fence: backtick info strings may not contain backticks
            fence_char, fence_len, fence_start = fence[0], len(fence), m.start()
            continue
        text = htext.strip() if htext else ""
        if text.endswith("#"):
            text = _CLOSING_HASHES.sub("", text).rstrip()
        start = m.start()
        counted += body.count("\n", counted_to, start)
        counted_to = start
        heads.append((len(hashes), text, start, m.end(), first_line + counted))
    if fence_char:
        fences.append((fence_start, len(body)))

    def in_fence(pos: int) -> bool:
        return any(a <= pos < b for a, b in fences)

    # where each heading's section ends: the next heading of the same or a higher level
    n_body = len(body)
    ends = [n_body] * len(heads)
    open_heads: list[int] = []
    for j, head in enumerate(heads):
        level_j = head[0]
        while open_heads and heads[open_heads[-1]][0] >= level_j:
            ends[open_heads.pop()] = head[2]
        open_heads.append(j)

    title: str | None = None
    title_line: int | None = None
    description = ""
    sections: list[Section] = []
    requirements: list[Requirement] = []
    scenarios: list[Scenario] = []
    req_spans: list[tuple[int, int]] = []
    req_chunks: list[tuple[int, int, int, list[str]]] = []  # start, content, end, keywords
    for i, (level, text, start, content, line) in enumerate(heads):
        sections.append(Section(text, level, line))
        if level == 1 and title is None:
            title, title_line = text, line
            d = _DESCRIPTION.match(body, content) if content <= n_body else None
            if d:
                description = d.group(1).strip()
            continue
        # the first character decides which heading patterns can match (case-insensitive
        # "s" also matches U+017F, long s)
        first = text[:1]
        if level == 2 and first in "rR요" and _REQ_SECTION.match(text):
            req_spans.append((content, ends[i]))
            continue
        if first == "R":
            rm = _REQ_HEADING.match(text)
            if rm:
                chunk = body[content : ends[i]] if content <= n_body else ""
                kws = list(dict.fromkeys(_KEYWORD.findall(chunk)))
                requirements.append(Requirement(rm.group(1), rm.group(2).strip(), chunk.strip(),
                                                kws, line))
                req_chunks.append((start, content, ends[i], kws))
                continue
        if level >= 2 and first in "sSſ시" and _SCENARIO_HEADING.match(text) and not (
                level == 2 and text.lower().rstrip(":") in _SCENARIO_SECTIONS):
            steps: list[Step] = []
            if content <= n_body:
                step_line, counted_to = line, start
                # nbody is one longer than body: its end bound is one further on, or the
                # last line of a body with no final newline would lose its last character
                for sm in _STEP.finditer(nbody, content, ends[i] + 1):
                    pos = sm.start()
                    if fences and in_fence(pos):
                        continue
                    step_line += body.count("\n", counted_to, pos)
                    counted_to = pos
                    kind, step_text = sm.groups()
                    steps.append(Step(kind.upper(), step_text.strip().strip("*_ ").strip(),
                                      step_line))
            name = _SCENARIO_PREFIX.sub("", text)
            scenarios.append(Scenario(name or text, line, steps))

    seen: dict[str, None] = {}
    if fences:
        for a, b in req_spans or [(0, n_body)]:
            for km in _KEYWORD.finditer(body, a, b):
                if not in_fence(km.start()):
                    seen.setdefault(km.group(0), None)
    else:
        # A requirement's text was scanned for keywords above: a span is read as the
        # stretches between those texts (their bounds are line starts, which no keyword
        # crosses) and, in order, the keywords of each requirement text it holds.
        for a, b in req_spans or [(0, n_body)]:
            at = a
            for start, content, end, kws in req_chunks:
                if start >= at and end <= b:
                    seen.update(dict.fromkeys(_KEYWORD.findall(body, at, content)))
                    seen.update(dict.fromkeys(kws))
                    at = end
            seen.update(dict.fromkeys(_KEYWORD.findall(body, at, b)))
    keywords = list(seen)

    links: list[Link] = []
    pos = body.find("](")
    while pos != -1:  # each line holding "](" once (str.find beats a multi-line regex)
        start = body.rfind("\n", 0, pos) + 1
        end = body.find("\n", pos)
        if end == -1:
            end = n_body
        if not (fences and in_fence(start)):
            line = first_line + body.count("\n", 0, start)
            for target, label in _inline_links(body[start:end]):
                links.append(Link(target, label, line))
        pos = body.find("](", end)
    mentions: dict[str, None] = {}
    if "`" in body or "[[" in body:
        found = [*(_CODE_MENTION.finditer(body) if "`" in body else ()),
                 *(_WIKI_MENTION.finditer(body) if "[[" in body else ())]
        found.sort(key=lambda mm: mm.start())
        for mm in found:
            if fences and in_fence(mm.start()):
                continue
            value = mm.group(1).strip()
            if value and ("-" in value or "/" in value):
                mentions.setdefault(value, None)
    return BodyStructure(title, title_line, description, sections, requirements, scenarios,
                         links, list(mentions), keywords)


@lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


_SIMPLE_LINK = re.compile(
    r"!?\[([^\[\]]*)\]\([ \t]*([^\s()]*)(?:[ \t]+(?:\"[^\"]*\"|'[^']*'))?[ \t]*\)"
)


def _inline_links(line: str) -> list[tuple[str, str]]:
    """Links and images on one line: ``(target, text)``.

    Lines without code spans, escapes, autolinks or nested brackets take a regular
    expression (markdown-it-py costs ~130 µs a line); the rest go to markdown-it-py, so
    CommonMark's rules decide. A property test checks the two agree on simple lines.
    """
    line = line.strip()
    if not _needs_full_inline(line):
        return [(m.group(2), m.group(1)) for m in _SIMPLE_LINK.finditer(line)]
    return markdown_it_links(line)


_NESTED_BRACKET = re.compile(r"\[[^\]]*\[")


def _needs_full_inline(line: str) -> bool:
    return any(c in line for c in "`\\<&*_") or line.count("[") != line.count("]") \
        or _NESTED_BRACKET.search(line) is not None  # link text holding brackets


def markdown_it_links(line: str) -> list[tuple[str, str]]:
    """Links and images on one line, by CommonMark's inline rules (markdown-it-py)."""
    tokens = _markdown().parseInline(line)
    found: list[tuple[str, str]] = []
    for tok in tokens:
        children = tok.children or []
        for i, child in enumerate(children):
            if child.type == "link_open":
                href = str(child.attrGet("href") or "")
                label = children[i + 1].content if i + 1 < len(children) and \
                    children[i + 1].type == "text" else ""
                found.append((_unescape_url(href), label))
            elif child.type == "image":
                found.append((_unescape_url(str(child.attrGet("src") or "")), child.content))
    return found


def _unescape_url(href: str) -> str:
    from urllib.parse import unquote

    return unquote(href) if "%" in href else href


def render_document(body: str) -> Any:
    """The full markdown-it-py token stream of a body (for exporters and rich renderers)."""
    return _markdown().parse(body)


def render_html(body: str) -> str:
    """The body rendered to HTML by markdown-it-py (CommonMark, tables enabled)."""
    return _html_markdown().render(body)


@lru_cache(maxsize=1)
def _html_markdown() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")
