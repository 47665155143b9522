"""The progress line of long work (sdd_core.progress): on a terminal only, after a moment,
erased at the end; SDD_PROGRESS forces or hides it."""

from __future__ import annotations

import io

import pytest

from sdd_core.progress import SHOW_AFTER, Progress, progress


class _Terminal(io.StringIO):
    encoding = "utf-8"

    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SDD_PROGRESS", raising=False)


def test_a_terminal_sees_the_bar_after_a_moment_and_not_after_the_end() -> None:
    out, clock = _Terminal(), _Clock()
    with progress("Indexing", 10, stream=out, clock=clock) as bar:
        bar.advance(2)
        assert out.getvalue() == ""  # quick work shows nothing
        clock.now += SHOW_AFTER + 0.01
        bar.advance(3)
        assert out.getvalue().startswith("\rIndexing ")
        assert "5/10 files" in out.getvalue() and "█" * 12 + "░" * 12 in out.getvalue()
        clock.now += 0.01
        bar.advance(1)  # too soon to redraw
        assert "6/10" not in out.getvalue()
        clock.now += 1
        bar.advance(100)  # never past the total
        assert out.getvalue().endswith("10/10 files (1.5 s)")
        drawn = len(out.getvalue().rsplit("\r", 1)[1])
    # erased: the last write blanks the line and returns to its start
    assert out.getvalue().endswith("\r" + " " * drawn + "\r")


def test_the_last_step_is_always_drawn() -> None:
    out, clock = _Terminal(), _Clock()
    bar = Progress("Export", 4, "specs", stream=out, clock=clock)
    clock.now += 1
    bar.advance(1)
    bar.advance(3)  # within the redraw interval, but the end
    assert out.getvalue().rsplit("\r", 1)[1].startswith("Export ") and "4/4 specs" in out.getvalue()


def test_nothing_on_a_pipe_or_when_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe, clock = io.StringIO(), _Clock()
    bar = Progress("Indexing", 10, stream=pipe, clock=clock)
    clock.now += 5
    bar.advance(10)
    bar.close()
    assert pipe.getvalue() == ""
    monkeypatch.setenv("SDD_PROGRESS", "0")
    term = _Terminal()
    bar = Progress("Indexing", 10, stream=term, clock=clock)
    clock.now += 5
    bar.advance(10)
    assert term.getvalue() == ""


def test_forced_shows_at_once_and_plain_characters_without_utf8(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDD_PROGRESS", "1")
    out = io.StringIO()  # no encoding attribute of its own: plain characters
    bar = Progress("Rebuild", 3, stream=out, clock=_Clock())
    bar.advance(1)
    assert out.getvalue() == "\rRebuild " + "#" * 8 + "-" * 16 + " 1/3 files (0.0 s)"


def test_a_shorter_line_is_padded_over_the_longer_one() -> None:
    out, clock = _Terminal(), _Clock()
    bar = Progress("A long label", 10, stream=out, clock=clock)
    clock.now += 1
    bar.advance(5)
    longer = out.getvalue()
    bar.label = "Short"
    clock.now += 1
    bar.advance(5)
    shorter = out.getvalue()[len(longer):]
    assert len(shorter) == len(longer) and shorter.endswith(" ")
