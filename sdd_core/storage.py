"""Where spec files live. The built-in storage is the project's folder; a storage backend
plugin (``register_storage_backends``) can serve the same operations from elsewhere."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol


class Storage(Protocol):
    """Byte-level access to spec files by path relative to the project root."""

    def read(self, rel: str) -> bytes:
        """The file's bytes (raises ``FileNotFoundError``)."""

    def write(self, rel: str, data: bytes, before_commit: Callable[[], None] | None = None) -> None:
        """Write atomically; ``before_commit`` runs after the data is staged and before it
        replaces the old file — if it raises, nothing changes."""

    def delete(self, rel: str) -> None:
        """Remove the file."""

    def exists(self, rel: str) -> bool:
        """Whether the file exists."""


@dataclass(frozen=True)
class StorageFactory:
    """A registered storage backend."""

    name: str
    open: Callable[["Path"], Storage]
    description: str = ""


def atomic_write(path: Path, data: bytes, before_commit: Callable[[], None] | None = None) -> None:
    """Write ``data`` to ``path`` so that a failure leaves the old file intact.

    The bytes go to a temporary file in the same folder, are flushed to disk, and the file is
    renamed over the target. ``before_commit`` runs between the two; if it raises, the
    temporary file is removed and the target is untouched. Stat figures read ahead by this
    process are forgotten first (:func:`sdd_core.statahead.discard`).
    """
    from sdd_core import statahead

    statahead.discard()
    created = [d for d in (path.parent, *path.parent.parents) if not d.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except BaseException:
        _remove_empty(created)
        raise
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(tmp, path.stat().st_mode & 0o777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        if before_commit is not None:
            before_commit()
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        _remove_empty(created)
        raise


def _remove_empty(folders: list[Path]) -> None:
    """Remove folders a failed write created (deepest first), leaving no trace."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def write_output(output: str | os.PathLike[str], data: str | bytes) -> None:
    """Write a command's output file (``-o FILE``) atomically, as UTF-8 text or bytes; a
    failure is an :class:`~sdd_core.errors.SddError` naming the file, and leaves any old file
    as it was."""
    from sdd_core.errors import SddError

    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        atomic_write(Path(output), raw)
    except OSError as exc:
        raise SddError(f"cannot write {output}: {exc.strerror or exc}",
                       hint="check that the folder is writable") from exc


class FileStorage:
    """Spec files in the project folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, rel: str) -> bytes:
        return (self.root / rel).read_bytes()

    def write(self, rel: str, data: bytes, before_commit: Callable[[], None] | None = None) -> None:
        atomic_write(self.root / rel, data, before_commit)

    def delete(self, rel: str) -> None:
        from sdd_core import statahead

        statahead.discard()
        (self.root / rel).unlink()

    def exists(self, rel: str) -> bool:
        return (self.root / rel).is_file()
