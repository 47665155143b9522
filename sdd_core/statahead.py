"""Stat-ahead: the stats of the spec files, read by another process while the CLI starts.

A cached read stats every spec file and folder first: about 20,000 system calls at 10,000
specs, ~60 ms that the ``sdd`` process would otherwise spend after its own start-up (~50 ms of
imports: click, pluggy, the plugins). A plugin that keeps such a list of paths records it
with :func:`save_plan`. The ``sdd`` launcher (:mod:`sdd_core.launch`) calls :func:`start`
before anything heavy is imported: it starts a worker process (a grandchild, at ``nice``
10) that stats the planned paths on another core. The plugin later asks for the figures with
:func:`results`, and stats the paths itself with :func:`stat_paths` when there are none.

Figures are given out once, only to the plan's owner (the ``key`` it recorded), only within
:data:`MAX_AGE` seconds of being read, and never after this process wrote a spec file
(:func:`discard`, called by :func:`sdd_core.storage.atomic_write` and ``FileStorage``; a
plugin that changes spec files by other means calls it too). A file changed by someone else
in between is the same race as a change made just after a stat: the next read picks it up.

This module imports only modules of the standard library's core (``os``, ``marshal``,
``array``): it runs before everything else.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
from array import array

#: Where a project's plan is kept, relative to its root.
PLAN = os.path.join(".sdd", ".cache", "stat-plan")
#: Figures older than this (seconds since the worker read them) are not given out.
MAX_AGE = 1.0
_FORMAT = 1
#: A plan file: this, the 16-byte key, then the marshalled list of paths.
_MAGIC = b"SDDSTAT1"
#: Smallest plan worth a child process, in paths of about 16 bytes (forking costs about a
#: millisecond; ``SDD_STATAHEAD=1`` starts one for any plan).
MIN_PATHS = 256

_NO_READ = frozenset(("-h", "--help", "-V", "--version"))

# (root, done pipe, figures fd) of the worker start() started, until results() or discard()
_pending: tuple[str, int, int] | None = None


def stat_paths(root: str, rels: list[str]) -> bytes:
    """``(st_mtime_ns, st_size)`` of each path (relative to ``root``), as native 64-bit
    integers packed two per path; ``(-1, -1)`` for a path that cannot be stat-ed."""
    stat = os.stat
    vals: list[int] = []
    put = vals.append
    try:
        fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        fd = -1
    try:
        for rel in rels:
            try:
                st = stat(rel, dir_fd=fd) if fd >= 0 else stat(os.path.join(root, rel))
            except (OSError, ValueError):
                put(-1)
                put(-1)
                continue
            put(st.st_mtime_ns)
            put(st.st_size)
    finally:
        if fd >= 0:
            os.close(fd)
    return array("q", vals).tobytes()


def unpack(blob: bytes) -> list[tuple[int, int]]:
    """The ``(mtime_ns, size)`` pairs of a :func:`stat_paths` result."""
    vals = array("q")
    vals.frombytes(blob)
    it = iter(vals.tolist())
    return list(zip(it, it))


def save_plan(root: str, key: bytes, rels: list[str]) -> None:
    """Record the paths (relative to ``root``) to stat ahead in the next ``sdd`` processes,
    under ``key`` (which :func:`results` must be given). Written atomically; a failure to
    write only means no stat-ahead."""
    if len(key) != 16:
        raise ValueError("a plan key has 16 bytes")
    path = os.path.join(root, PLAN)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as fh:
            fh.write(_MAGIC + bytes(key) + marshal.dumps(list(rels)))
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def plan_key(root: str) -> bytes | None:
    """The key of a project's plan, ``None`` when it has none."""
    try:
        with open(os.path.join(root, PLAN), "rb") as fh:
            head = fh.read(len(_MAGIC) + 16)
    except OSError:
        return None
    return head[len(_MAGIC):] if len(head) == len(_MAGIC) + 16 and head.startswith(_MAGIC) \
        else None


def drop_plan(root: str) -> None:
    """Remove a project's plan (no stat-ahead until one is saved again)."""
    try:
        os.unlink(os.path.join(root, PLAN))
    except OSError:
        pass


def _project_root(argv: list[str]) -> str | None:
    """The project the command line names (``-C``/``--project``, ``$SDD_PROJECT``, or the
    nearest folder holding ``.sdd/`` above the current one), as the CLI finds it."""
    start = None
    args = iter(argv)
    for arg in args:
        if arg in ("-C", "--project"):
            start = next(args, None)
            break
        if arg.startswith("--project="):
            start = arg.split("=", 1)[1]
            break
        if arg.startswith("-C"):
            start = arg[2:]
            break
        if arg == "--as":
            next(args, None)  # its value
        elif not arg.startswith("-"):
            break  # the command: options after it are the command's own
    try:
        folder = os.path.realpath(start or os.environ.get("SDD_PROJECT") or os.getcwd())
    except OSError:
        return None
    while True:
        if os.path.isdir(os.path.join(folder, ".sdd")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def enabled() -> bool:
    """Whether stat-ahead may run here: ``fork`` and ``memfd_create`` exist, more than one
    CPU, and ``SDD_STATAHEAD`` is not ``0`` (``1``: even for a small plan)."""
    return (os.environ.get("SDD_STATAHEAD", "") != "0" and hasattr(os, "fork")
            and hasattr(os, "memfd_create") and (os.cpu_count() or 1) > 1)


def start(argv: list[str] | None = None) -> bool:
    """Start the process that stats the plan of the project ``argv`` names (the CLI's own
    arguments when ``None``); returns whether one was started.

    It is a grandchild: the child forks it and exits at once, so it is never left as a
    zombie of a long-running ``sdd`` (a server that never asks for the figures). It writes
    the figures to an anonymous memory file, then one byte to a pipe; the parent keeps
    the pipe's read end to learn when they are complete."""
    global _pending
    if _pending is not None or not enabled():
        return False
    argv = sys.argv[1:] if argv is None else argv
    if any(arg in _NO_READ for arg in argv):
        return False  # help or the version: no spec is read
    root = _project_root(argv)
    if root is None:
        return False
    plan = os.path.join(root, PLAN)
    try:
        if os.stat(plan).st_size < MIN_PATHS * 16 and os.environ.get("SDD_STATAHEAD") != "1":
            return False  # a small project: the child would not save its own cost
        out = os.memfd_create("sdd-statahead", os.MFD_CLOEXEC)
    except OSError:
        return False
    try:
        done_r, done_w = os.pipe()
    except OSError:
        os.close(out)
        return False
    try:
        pid = os.fork()
    except OSError:
        for fd in (out, done_r, done_w):
            os.close(fd)
        return False
    if pid == 0:  # the child: fork the worker and leave
        code = 1
        try:
            if os.fork() == 0:
                _work(root, plan, out, done_w)
            code = 0
        except BaseException:  # noqa: BLE001 - the parent stats the files itself
            pass
        finally:
            os._exit(code)
    os.close(done_w)
    try:
        _, status = os.waitpid(pid, 0)
    except OSError:
        status = 1
    if status != 0:
        os.close(out)
        os.close(done_r)
        return False
    _pending = (root, done_r, out)
    return True


def _work(root: str, plan: str, out: int, done: int) -> None:
    """The worker: stat the plan's paths, write the figures to ``out``, a byte to ``done``,
    and leave without any clean-up. It holds no other inherited descriptor (a pipe whose
    reader waits for every writer to close it, say)."""
    code = 1
    try:
        try:
            # a command that never asks for the figures must not lose CPU to them when the
            # other cores are busy; one that does waits for them, and then the worker runs
            os.nice(10)
        except OSError:
            pass
        keep = sorted((out, done))
        os.closerange(0, keep[0])
        os.closerange(keep[0] + 1, keep[1])
        os.closerange(keep[1] + 1, 1 << 16)
        with open(plan, "rb") as fh:
            data = fh.read()
        key = data[len(_MAGIC):len(_MAGIC) + 16]
        if data.startswith(_MAGIC):
            rels = marshal.loads(data[len(_MAGIC) + 16:])
            blob = stat_paths(root, rels)
            data = marshal.dumps((_FORMAT, key, time.time(), blob))
            view = memoryview(data)
            while view:
                view = view[os.write(out, view):]
            os.write(done, b"1")
            code = 0
    except BaseException:  # noqa: BLE001 - the parent stats the files itself
        pass
    finally:
        os._exit(code)


def results(root: str, key: bytes) -> bytes | None:
    """The :func:`stat_paths` figures the worker read for ``root``'s plan, if it was saved
    under ``key``, is fresh, and nothing was written since; ``None`` otherwise. Given once:
    the first caller takes them (waiting for the worker if it is still at work)."""
    global _pending
    pending = _pending
    if pending is None or pending[0] != root:
        return None
    _pending = None
    _, done, fd = pending
    try:
        if os.read(done, 1) != b"1":
            return None  # the worker failed (the pipe closed without a word)
        size = os.fstat(fd).st_size
        fmt, got, when, blob = marshal.loads(os.pread(fd, size, 0))
    except (OSError, EOFError, ValueError, TypeError):
        return None
    finally:
        os.close(fd)
        os.close(done)
    if fmt != _FORMAT or got != key or not 0 <= time.time() - when <= MAX_AGE:
        return None
    return blob


def discard() -> None:
    """Forget the figures of the worker (this process is about to change spec files)."""
    global _pending
    pending, _pending = _pending, None
    if pending is not None:
        for fd in pending[1:]:
            try:
                os.close(fd)
            except OSError:
                pass
