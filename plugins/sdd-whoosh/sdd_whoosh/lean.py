"""Loading Whoosh without the standard-library weight it never uses here.

Two of Whoosh's modules import far more than a search needs: ``whoosh.compat`` imports
``urllib.request`` for a download helper (which pulls in ``http.client``, ``email``, ``ssl``
and ``socket``), and ``whoosh.reading`` imports the ``cached_property`` package, which imports
``asyncio``. Together that is a third of the cost of importing Whoosh, paid by every
``sdd search``. :func:`load` imports those two modules while light stand-ins sit in
``sys.modules`` (a ``urlretrieve`` that imports the real module when called, and the standard
``functools.cached_property``), then takes the stand-ins away, so any later import of
``urllib.request`` or ``cached_property`` gets the real module.

Every module of this package that imports Whoosh calls :func:`load` first.
"""

from __future__ import annotations

import sys
import types
from typing import Any


def _urlretrieve(*args: Any, **kwargs: Any) -> Any:
    """``urllib.request.urlretrieve``, imported when first called."""
    import importlib

    return importlib.import_module("urllib.request").urlretrieve(*args, **kwargs)


def load() -> None:
    """Import ``whoosh.compat`` and ``whoosh.reading`` without ``urllib.request`` and
    ``asyncio`` (a no-op once Whoosh is loaded)."""
    if "whoosh.reading" in sys.modules:
        return
    import functools
    import importlib

    stubs: dict[str, types.ModuleType] = {}
    if "urllib.request" not in sys.modules:
        request = types.ModuleType("urllib.request")
        request.urlretrieve = _urlretrieve  # type: ignore[attr-defined]
        stubs["urllib.request"] = request
    if "cached_property" not in sys.modules:
        cached = types.ModuleType("cached_property")
        cached.cached_property = functools.cached_property  # type: ignore[attr-defined]
        stubs["cached_property"] = cached
    sys.modules.update(stubs)
    try:
        importlib.import_module("whoosh.compat")
        importlib.import_module("whoosh.reading")
    finally:
        for name, module in stubs.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
