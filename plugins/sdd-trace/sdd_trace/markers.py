"""Reading references out of a file's text: ``@spec`` markers and test names.

Markers, in any comment syntax (the text is matched line by line, whatever the language)::

    // @spec auth/login#REQ-01              one requirement of one spec
    # @spec auth/login#REQ-01, billing/refunds#REQ-02
    /* @spec REQ-01 */                      a bare id: resolved later (mapping, context, project)
    -- @spec: REQ-01, REQ-02                 sdd-tool's list form
    <!-- @spec auth/login REQ-01 REQ-02 --> a spec, then bare ids that belong to it
    @spec auth/login   (in a docstring)     a spec alone: the context for later bare ids

After ``@spec`` (and an optional ``:``) come items separated by commas or spaces; the first
item that is not a requirement reference ends the marker, so prose may follow it. Only the
first item may name a spec without a requirement.

Test names (only in test files) mentioning a requirement id:

- a function or class whose name starts with ``test``/``Test``: ``def test_req_01_login``,
  ``func TestREQ01Login``, ``class TestReq01``, ``void testReq01`` (``def``, ``func``, ``fn``,
  ``fun``, ``void`` and ``class`` declarations); the id is ``req`` or ``REQ`` at the start of
  the name or after ``_``, or ``Req``/``REQ`` after a lower-case letter or digit, then an
  optional ``_`` or ``-`` and digits;
- the first string argument of ``it``, ``test``, ``describe``, ``context``, ``specify``,
  ``suite``, ``scenario`` (also ``it.only``, ``test.each(table)`` ...) and Go's ``t.Run``, when it
  contains ``REQ-01`` or ``<spec-id>#REQ-01``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MARKER = re.compile(r"(?<![\w@])@spec(?![\w-])[ \t]*:?(?P<rest>[^@\n]*)")
_ITEM = re.compile(r"[^\s,]+")
_FULL = re.compile(r"^(?P<spec>[A-Za-z0-9_][\w./-]*?)#(?P<req>REQ-\d+)$", re.IGNORECASE)
_BARE = re.compile(r"^#?(?P<req>REQ-\d+)$", re.IGNORECASE)
_SPEC_ONLY = re.compile(r"^[A-Za-z0-9_](?:[\w./-]*\w)?$")
_TRAIL = "\"'`;:.,)]}>*/-"

_IDENT_TEST = re.compile(
    r"\b(?:def|func|fn|fun|void|class)\s+(?:\([^)]*\)\s*)?(?P<name>(?:test|Test|TEST)\w*)")
_IDENT_REQ = re.compile(
    r"(?:(?:^|_)(?:req|REQ|Req)|(?<=[a-z0-9])(?:REQ|Req))[_-]?(?P<num>\d+)(?!\d)")
_STRING_TEST = re.compile(
    r"(?:(?<![\w.$])(?:it|test|describe|context|specify|suite|scenario)(?:\.(?!each\b)\w+)*"
    r"(?:\.each\s*(?:\([^()\n]*\)|`[^`]*`))?|\bt\.Run)\s*\(\s*(?P<q>['\"`])(?P<name>.*?)(?P=q)")
_STRING_REQ = re.compile(r"(?:(?P<spec>[A-Za-z0-9_][\w./-]*)#)?\b(?P<req>REQ-\d+)\b", re.IGNORECASE)
_TEST_HINT = re.compile(r"req[_-]?\d", re.IGNORECASE)


@dataclass(frozen=True)
class RawRef:
    """A reference as written, before it is matched to a spec.

    :param spec: the spec named explicitly (id or path), or ``None`` for a bare id.
    :param req: the requirement id (``REQ-01``), or ``None`` when a marker names a spec only.
    :param context: for a bare id, the spec named by the nearest ``@spec`` marker above it.
    :param via: ``marker`` or ``test-name``.
    """

    line: int
    spec: str | None
    req: str | None
    context: str | None
    via: str


def _marker_items(rest: str) -> list[tuple[str | None, str | None]]:
    """The ``(spec, req)`` items of one marker's text after ``@spec``."""
    items: list[tuple[str | None, str | None]] = []
    lead: str | None = None
    for i, m in enumerate(_ITEM.finditer(rest)):
        token = m.group(0).rstrip(_TRAIL)
        if not token:
            break
        full = _FULL.match(token)
        if full:
            items.append((full.group("spec"), full.group("req").upper()))
            continue
        bare = _BARE.match(token)
        if bare:
            items.append((lead, bare.group("req").upper()))
            continue
        if i == 0 and _SPEC_ONLY.match(token) and not token.isdigit():
            lead = token
            items.append((token, None))
            continue
        break
    return items


def refs_in_test_names(line: str) -> list[tuple[str | None, str]]:
    """``(spec, req)`` pairs named by test declarations on one line of a test file."""
    out: list[tuple[str | None, str]] = []
    for m in _IDENT_TEST.finditer(line):
        for r in _IDENT_REQ.finditer(m.group("name")):
            out.append((None, f"REQ-{r.group('num')}"))
    for m in _STRING_TEST.finditer(line):
        for r in _STRING_REQ.finditer(m.group("name")):
            out.append((r.group("spec"), r.group("req").upper()))
    return out


def extract(text: str, is_test: bool) -> list[RawRef]:
    """Every reference in a file's text, in line order."""
    out: list[RawRef] = []
    has_marker = "@spec" in text
    scan_tests = is_test and _TEST_HINT.search(text) is not None
    if not has_marker and not scan_tests:
        return out
    context: str | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        if has_marker and "@spec" in line:
            for m in _MARKER.finditer(line):
                for spec, req in _marker_items(m.group("rest")):
                    out.append(RawRef(lineno, spec, req, None if spec else context, "marker"))
                    if spec:
                        context = spec
        if scan_tests and _TEST_HINT.search(line):
            seen: set[tuple[str | None, str]] = set()
            for spec, req in refs_in_test_names(line):
                if (spec, req) not in seen:
                    seen.add((spec, req))
                    out.append(RawRef(lineno, spec, req, None if spec else context,
                                      "test-name"))
    return out
