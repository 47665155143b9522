"""Resolving a reference to a spec: an id, or one of the path forms a ``depends`` entry or a
link may use. One function, shared by :meth:`Project.resolve_ref` and the query evaluator."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from sdd_core.basics import id_from_path

if TYPE_CHECKING:
    from sdd_core.model import Spec

SPECS_REL = ".sdd/specs"


def resolve_ref(ref: str, specs: "dict[str, Spec]", origin: "Spec | None" = None, *,
                paths: "dict[str, Spec] | None" = None) -> "Spec | None":
    """The spec a dependency reference names, as :meth:`Project.resolve_ref` does: an id, a
    path under ``specs/`` (with or without ``.md`` or ``/spec.md``), a project-relative path,
    or a path relative to ``origin``.

    :param paths: :func:`path_map` of ``specs``, for a caller that resolves many references
        (built here when needed and not given).
    """
    ref = ref.strip()
    if ref in specs:
        return specs[ref]
    by_path = paths
    for key in ref_keys(ref, origin.path if origin is not None else None):
        if key in specs:
            return specs[key]
        if by_path is None:
            by_path = path_map(specs)
        hit = by_path.get(key)
        if hit is not None:
            return hit
    return None


def ref_keys(ref: str, origin_path: str | None = None) -> list[str]:
    """The ids a reference may name, in the order :func:`resolve_ref` tries them (besides
    ``ref`` itself): the reference relative to ``origin_path`` first when it starts with
    ``./`` or ``../``, then as written, each with ``.sdd/specs/`` or ``specs/`` and ``.md``
    or a trailing ``/`` taken off. A spec is named by a key when that is its id, or the id
    its path gives (``key.md``, ``key/spec.md``)."""
    ref = ref.strip()
    candidates = [ref]
    if origin_path is not None and (ref.startswith("./") or ref.startswith("../")):
        candidates.insert(0, posixpath.normpath(posixpath.join(posixpath.dirname(origin_path),
                                                               ref)))
    keys = []
    for cand in candidates:
        key = cand.lstrip("/")
        for prefix in (f"{SPECS_REL}/", "specs/"):
            if key.startswith(prefix):
                key = key[len(prefix):]
        keys.append(id_from_path(key) if key.endswith(".md") else key.rstrip("/"))
    return keys


def path_map(specs: "dict[str, Spec]") -> "dict[str, Spec]":
    """Specs by the id their path gives (``auth/login`` for ``.sdd/specs/auth/login/spec.md``)."""
    cut = len(SPECS_REL) + 1
    return {id_from_path(s.path[cut:]): s for s in specs.values()}


