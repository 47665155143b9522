"""Light names every layer uses: the spec statuses and keywords, finding severities, and
how a spec file's path gives its id and domain.

Importing this module imports nothing heavy (no pydantic, no YAML), so the hot paths of the
CLI (a cached query, a search) can use these names without loading the spec model.
:mod:`sdd_core.model` and :mod:`sdd_core.parsing` re-export them.
"""

from __future__ import annotations

from enum import Enum

try:  # the blake2 module alone: `hashlib` also loads OpenSSL (~2.5 ms of start-up)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - another Python implementation
    from hashlib import blake2b

STATUSES: tuple[str, ...] = ("draft", "review", "approved", "implemented", "deprecated")
RFC2119_KEYWORDS: tuple[str, ...] = (
    "MUST NOT", "SHALL NOT", "SHOULD NOT", "MUST", "SHALL", "SHOULD", "MAY",
    "REQUIRED", "RECOMMENDED", "OPTIONAL",
)
STEP_KINDS: tuple[str, ...] = ("GIVEN", "WHEN", "THEN", "AND", "BUT")

#: Markdown files under ``specs/`` that are not specs.
NOT_SPECS = frozenset({"plan.md", "tasks.md", "checklist.md", "readme.md", "index.md", "agents.md"})


class Severity(str, Enum):
    """How bad a finding is. ``--strict`` turns warnings into errors."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


def is_spec_filename(name: str) -> bool:
    """Whether a Markdown file name under ``specs/`` is a spec (plan.md, README.md ... are not)."""
    return name.endswith(".md") and name.lower() not in NOT_SPECS


def id_from_path(rel_to_specs: str) -> str:
    """The path-derived id: ``auth/login/spec.md`` -> ``auth/login``, ``a/b.md`` -> ``a/b``."""
    stem = rel_to_specs[:-3] if rel_to_specs.endswith(".md") else rel_to_specs
    if stem.endswith("/spec") and stem != "/spec":
        stem = stem[: -len("/spec")]
    return stem


def domain_from_path(rel_to_specs: str) -> str:
    """The first folder under ``specs/``, or ``common`` for a file directly in it."""
    head, sep, _ = rel_to_specs.partition("/")
    return head if sep else "common"


def content_hash(data: bytes) -> str:
    """The content hash stored with a spec (changes whenever the file's bytes change)."""
    return blake2b(data, digest_size=16).hexdigest()


def normalize_user(name: str) -> str:
    """``@alice`` and ``alice`` name the same user."""
    return name.strip().lstrip("@")


def __getattr__(name: str) -> object:
    # The spec's parts lived here briefly; pickles in caches written then still name them.
    if name in ("Step", "Scenario", "Requirement", "Section", "Link"):
        from sdd_core import parts

        return getattr(parts, name)
    raise AttributeError(f"module 'sdd_core.basics' has no attribute {name!r}")
