"""Loading Whoosh without the standard-library weight it never uses here.

Two of Whoosh's modules import far more than a search needs: ``whoosh.compat`` imports
``urllib.request`` for a download helper (which pulls in ``http.client``, ``email``, ``ssl``
and ``socket``), and ``whoosh.reading`` imports the ``cached_property`` package, which imports
``asyncio``. Together that is a third of the cost of importing Whoosh, paid by every
``sdd search``. :func:`load` imports those two modules while light stand-ins sit in
``sys.modules`` (a ``urlretrieve`` that imports the real module when called, and the standard
``functools.cached_property``), then takes the stand-ins away, so any later import of
``urllib.request`` or ``cached_property`` gets the real module.

It also stops Whoosh from copying every segment file it opens: its ``BufferFile`` (a file
read through the memory map of a compound segment) wraps the buffer in a ``BytesIO``, which
copies it whole, though a reader only seeks and reads a header there (the postings of 10,000
specs are tens of megabytes). :class:`BufferReader` seeks and reads the buffer in place.

Every module of this package that imports Whoosh calls :func:`load` first.
"""

from __future__ import annotations

import sys
import types
from io import BytesIO
from typing import Any


def _urlretrieve(*args: Any, **kwargs: Any) -> Any:
    """``urllib.request.urlretrieve``, imported when first called."""
    import importlib

    return importlib.import_module("urllib.request").urlretrieve(*args, **kwargs)


class BufferReader:
    """A read-only file over a buffer (``seek``, ``tell``, ``read``) that does not copy it;
    any other file method first makes the ``BytesIO`` copy Whoosh would have made."""

    __slots__ = ("_buf", "_io", "_pos")

    def __init__(self, buf: Any) -> None:
        self._buf = buf
        self._pos = 0
        self._io: BytesIO | None = None

    def seek(self, offset: int, whence: int = 0) -> int:
        if self._io is not None:
            return self._io.seek(offset, whence)
        if whence == 0:
            if offset < 0:
                raise ValueError(f"negative seek value {offset}")
            pos = offset
        else:  # relative to here or to the end; BytesIO stops at 0
            pos = max(0, (self._pos if whence == 1 else len(self._buf)) + offset)
        self._pos = pos
        return pos

    def tell(self) -> int:
        return self._io.tell() if self._io is not None else self._pos

    def read(self, size: int | None = -1) -> bytes:
        if self._io is not None:
            return self._io.read(size)
        start, end = self._pos, len(self._buf)
        if size is not None and size >= 0:
            end = min(end, start + size)
        if end <= start:
            return b""
        self._pos = end
        return bytes(self._buf[start:end])

    def close(self) -> None:
        if self._io is not None:
            self._io.close()

    def _copy(self) -> BytesIO:
        if self._io is None:
            self._io = BytesIO(self._buf)
            self._io.seek(self._pos)
        return self._io

    def __iter__(self) -> Any:
        return iter(self._copy())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._copy(), name)


def _buffer_file_init(self: Any, buf: Any, name: str | None = None, onclose: Any = None) -> None:
    """``whoosh.filedb.structfile.BufferFile.__init__``, reading the buffer in place."""
    self._buf = buf
    self._name = name
    self.file = BufferReader(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def load() -> None:
    """Import ``whoosh.compat`` and ``whoosh.reading`` without ``urllib.request`` and
    ``asyncio`` (unless Whoosh is loaded already), and make Whoosh read memory-mapped
    segment files in place."""
    if "whoosh.reading" not in sys.modules:
        _import_without_extras()
    from whoosh.filedb.structfile import BufferFile

    BufferFile.__init__ = _buffer_file_init


def _import_without_extras() -> None:
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
