"""The parts of a spec the parser builds: steps, scenarios, requirements, sections and links.

Slotted dataclasses (re-exported by :mod:`sdd_core.model`, whose ``Spec`` holds them), kept
apart from :mod:`sdd_core.basics` so that commands that never parse do not define them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Step:
    """One GIVEN/WHEN/THEN/AND line of a scenario."""

    kind: str
    text: str
    line: int


@dataclass(slots=True)
class Scenario:
    """A ``### Scenario N: name`` block with its steps."""

    name: str
    line: int
    steps: list[Step] = field(default_factory=list)

    def count(self, kind: str) -> int:
        """How many steps of ``kind`` (GIVEN, WHEN, THEN, AND) the scenario has."""
        return sum(1 for s in self.steps if s.kind == kind)

    @property
    def complete(self) -> bool:
        """True when the scenario has at least one GIVEN, WHEN and THEN."""
        kinds = {s.kind for s in self.steps}
        return {"GIVEN", "WHEN", "THEN"} <= kinds


@dataclass(slots=True)
class Requirement:
    """A requirement: a ``### REQ-01: Name`` heading and its text."""

    id: str
    title: str
    text: str
    keywords: list[str] = field(default_factory=list)
    line: int = 0

    def full_id(self, spec_id: str) -> str:
        """``<spec id>#REQ-01``: unique across the project."""
        return f"{spec_id}#{self.id}"


@dataclass(slots=True)
class Section:
    """A heading of the body with the line it starts on."""

    title: str
    level: int
    line: int


@dataclass(slots=True)
class Link:
    """A Markdown link found in the body."""

    target: str
    text: str
    line: int
