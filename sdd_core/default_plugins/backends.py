"""Built-in backends: the file-scan index and file storage."""

from __future__ import annotations

from sdd_core import hookimpl


@hookimpl(trylast=True)
def register_index_backends(register):  # type: ignore[no-untyped-def]
    from sdd_core.index import FileIndex, IndexBackendFactory

    register(IndexBackendFactory("files", FileIndex, priority=0,
                                 description="reads and parses every spec file on each run"))


@hookimpl(trylast=True)
def register_storage_backends(register):  # type: ignore[no-untyped-def]
    from sdd_core.storage import FileStorage, StorageFactory

    register(StorageFactory("files", FileStorage, "spec files in the project folder"))
