"""The project's data model: every spec's, in spec id order.

A spec's model is kept by its path and content hash, so the rules (which each need the whole
model) and the exporters parse each spec once per process.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sdd_dbml.model import DataModel
from sdd_dbml.parse import parse_model

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Spec

_CACHE: dict[tuple[str, str, str], DataModel] = {}
_MARKERS = ("```", "~~~", "## ")


def spec_model(spec: "Spec") -> DataModel:
    """The data model of one spec (cached by path, id and content hash)."""
    if not spec.hash:
        return parse_model(spec)
    key = (spec.path, spec.id, spec.hash)
    hit = _CACHE.get(key)
    if hit is None:
        if len(_CACHE) > 50_000:
            _CACHE.clear()
        hit = _CACHE[key] = parse_model(spec)
    return hit


def project_model(specs: "Iterable[Spec]") -> DataModel:
    """Every table, reference and problem the specs describe."""
    out = DataModel()
    for spec in sorted(specs, key=lambda s: s.id):
        if any(m in spec.body for m in _MARKERS):
            out.extend(spec_model(spec))
    return out
