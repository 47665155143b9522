"""The spec read from the cache: a ``Spec`` whose heavy fields load on first access.

Kept apart from :mod:`sdd_sqlite.backend` because defining a ``Spec`` subclass imports the
spec model (pydantic), which commands answered from columns never need.
"""

from __future__ import annotations

from typing import Any

from pydantic import PrivateAttr

from sdd_core.model import Spec

FIELDS = _FIELDS = tuple(Spec.model_fields)
#: Fields filled from the ``specs`` columns; the others load on first access.
LIGHT = frozenset({
    "id", "path", "title", "status", "phase", "domain", "depends", "created", "updated",
    "author", "reviewers", "tags", "constitution_version", "description", "hash"})
HEAVY = _HEAVY = frozenset(_FIELDS) - LIGHT
FIELDS_SET = set(_FIELDS)


class CachedSpec(Spec):
    """A spec read from the cache; its heavy fields load on first access."""

    _sdd_src: Any = PrivateAttr(default=None)

    def __getattr__(self, name: str) -> Any:
        if name in _HEAVY:
            self._sdd_materialize()
            d = object.__getattribute__(self, "__dict__")
            if name in d:
                return d[name]
        return super().__getattr__(name)  # type: ignore[misc]

    def _sdd_materialize(self) -> None:
        private = object.__getattribute__(self, "__pydantic_private__")
        src = private.get("_sdd_src") if private else None
        if src is None:
            return
        backend, sid = src
        heavy = backend.heavy_fields(self, sid)
        d = object.__getattribute__(self, "__dict__")
        for key, value in heavy.items():
            d.setdefault(key, value)
        private["_sdd_src"] = None

    def plain(self) -> Spec:
        """This spec as a plain :class:`Spec`."""
        self._sdd_materialize()
        return Spec.model_construct(**{k: self.__dict__[k] for k in _FIELDS})

    def model_dump(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._sdd_materialize()
        return super().model_dump(*args, **kwargs)

    def model_dump_json(self, *args: Any, **kwargs: Any) -> str:
        self._sdd_materialize()
        return super().model_dump_json(*args, **kwargs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Spec):
            return NotImplemented
        for spec in (self, other):
            if isinstance(spec, CachedSpec):
                spec._sdd_materialize()
        return all(self.__dict__.get(k) == other.__dict__.get(k) for k in _FIELDS)

    __hash__ = None  # type: ignore[assignment]

    def __repr_args__(self) -> Any:
        self._sdd_materialize()
        return super().__repr_args__()

    def __reduce__(self) -> Any:
        return (_rebuild, ({k: getattr(self, k) for k in _FIELDS},))

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Spec:  # type: ignore[override]
        # a deep copy is a plain Spec (with every field loaded), not a cached one
        import copy

        return copy.deepcopy(self.plain(), memo)


def _rebuild(values: dict[str, Any]) -> Spec:
    return Spec.model_construct(**values)
