"""Light names every layer uses: the spec statuses and keywords, finding severities, and
how a spec file's path gives its id and domain.

Importing this module imports nothing heavy (no pydantic, no YAML), so the hot paths of the
CLI (a cached query, a search) can use these names without loading the spec model.
:mod:`sdd_core.model` and :mod:`sdd_core.parsing` re-export them.
"""

from __future__ import annotations

from dataclasses import dataclass
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

#: The version of what the parser makes of a file. Bump it whenever some input parses
#: differently (a fix, a new field): caches of parsed files compare it and read every file
#: again when it moved.
PARSE_VERSION = 2

#: The version of the search analysis (``sdd_core.search``: ``plain_text``, ``fold``,
#: ``tokenize``, ``stem``, ``cjk_bigrams``). Bump it whenever some text is analysed
#: differently: search indexes compare it and index every spec again when it moved (the
#: sqlite cache's contentless tables must be given, to delete a row, the very text they
#: indexed). ``tests/test_search_analysis_version.py`` fails until it is bumped.
ANALYSIS_VERSION = 1

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


ACTOR_SOURCES: tuple[str, ...] = ("cli", "web", "api", "automation")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a user name (``@alice`` style without the ``@``) and where from.

    A frozen dataclass rather than a pydantic model, so that deciding who may see what does
    not load the spec model; pydantic models (``Event``) hold it like any other field.
    """

    name: str
    source: str = "cli"
    roles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ValueError(f"actor name must be a string, got {type(self.name).__name__}")
        if self.source not in ACTOR_SOURCES:
            raise ValueError(f"actor source {self.source!r} is not one of"
                             f" {', '.join(ACTOR_SOURCES)}")
        if not isinstance(self.roles, tuple):
            object.__setattr__(self, "roles", tuple(self.roles))

    @property
    def handle(self) -> str:
        """``@name``."""
        return f"@{self.name}"

    @classmethod
    def resolve(cls, explicit: str | None = None, *, cwd: str | None = None) -> "Actor":
        """The acting user: ``--as``, else ``SDD_USER``, else Git's user, else the OS user."""
        import os

        name = explicit or os.environ.get("SDD_USER")
        if not name:
            name = _git_user(cwd)
        if not name:
            try:
                import getpass

                name = getpass.getuser()
            except Exception:  # pragma: no cover - no passwd entry
                name = "unknown"
        return cls(name=normalize_user(name))


def _git_user(cwd: str | None) -> str | None:
    import subprocess

    for key in ("user.email", "user.name"):
        try:
            out = subprocess.run(
                ["git", "config", "--get", key], cwd=cwd, capture_output=True, text=True,
                timeout=5,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        value = out.stdout.strip()
        if out.returncode == 0 and value:
            return value
    return None


def __getattr__(name: str) -> object:
    # The spec's parts lived here briefly; pickles in caches written then still name them.
    if name in ("Step", "Scenario", "Requirement", "Section", "Link"):
        from sdd_core import parts

        return getattr(parts, name)
    raise AttributeError(f"module 'sdd_core.basics' has no attribute {name!r}")
