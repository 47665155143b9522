"""Progress of long work on stderr (``docs/cli.md``): rebuilding a cache, indexing, importing
or exporting many specs.

A one-line bar, redrawn in place, shown only when stderr is a terminal and only once the work
has run longer than a moment (:data:`SHOW_AFTER`), so that quick runs, pipes, logs and
``--format json`` output stay clean. ``SDD_PROGRESS=0`` hides it; ``SDD_PROGRESS=1`` shows
it at once whatever stderr is (for tests and for logs that want it). The line is erased when
the work ends.

Plugins use it as::

    with progress("Indexing for search", total=len(paths)) as bar:
        for chunk in chunks:
            ...
            bar.advance(len(chunk))

No thread and no import beyond the standard library: it is safe to use around ``os.fork``
and costs nothing when hidden.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any, Self, TextIO

#: Seconds of work before the bar appears (quick work shows none).
SHOW_AFTER = 0.5
#: Seconds between two redraws at most (the last step is always drawn).
REDRAW_EVERY = 0.1
#: Characters of the bar itself.
BAR_WIDTH = 24


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class Progress:
    """A progress line for ``total`` steps of ``unit`` (see the module's docstring)."""

    def __init__(self, label: str, total: int, unit: str = "files", *,
                 stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.total = max(0, int(total))
        self.unit = unit
        self.stream: TextIO = stream if stream is not None else sys.stderr
        self.clock = clock
        self.done = 0
        self.started = clock()
        self.shown = False
        self._drawn_at = 0.0
        self._width = 0  # characters of the line last drawn (to erase it)
        mode = os.environ.get("SDD_PROGRESS", "").strip()
        forced = mode == "1"
        self.enabled = mode != "0" and self.total > 0 and (forced or _is_terminal(self.stream))
        self.delay = 0.0 if forced else SHOW_AFTER
        encoding = (getattr(self.stream, "encoding", None) or "").lower().replace("-", "")
        self._fill, self._empty = ("█", "░") if encoding == "utf8" else ("#", "-")

    def advance(self, steps: int = 1) -> None:
        """``steps`` more are done."""
        self.done = min(self.total, self.done + max(0, steps))
        if not self.enabled:
            return
        now = self.clock()
        if now - self.started < self.delay:
            return
        if self.shown and self.done < self.total and now - self._drawn_at < REDRAW_EVERY:
            return
        self._draw(now)

    def update(self, done: int) -> None:
        """``done`` steps are done in all (for work counted elsewhere, as by workers)."""
        self.advance(done - self.done)

    def line(self, now: float | None = None) -> str:
        """The text of the progress line (without the carriage return)."""
        if now is None:
            now = self.clock()
        filled = BAR_WIDTH * self.done // self.total if self.total else BAR_WIDTH
        bar = self._fill * filled + self._empty * (BAR_WIDTH - filled)
        return (f"{self.label} {bar} {self.done:,}/{self.total:,} {self.unit}"
                f" ({now - self.started:.1f} s)")

    def _draw(self, now: float) -> None:
        text = self.line(now)
        pad = " " * max(0, self._width - len(text))
        try:
            self.stream.write(f"\r{text}{pad}")
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False
            return
        self.shown = True
        self._drawn_at = now
        self._width = len(text)

    def close(self) -> None:
        """Erase the line (if it was drawn)."""
        if self.shown and self.enabled:
            try:
                self.stream.write("\r" + " " * self._width + "\r")
                self.stream.flush()
            except (OSError, ValueError):
                pass
        self.shown = False
        self.enabled = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress(label: str, total: int, unit: str = "files", **kwargs: Any) -> Progress:
    """A :class:`Progress` line for long work (a context manager)."""
    return Progress(label, total, unit, **kwargs)
