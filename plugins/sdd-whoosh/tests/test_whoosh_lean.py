"""Whoosh loaded lean: segment files read in place behave as the BytesIO copy they replace."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sdd_whoosh.lean import BufferReader

ops = st.lists(st.one_of(
    st.tuples(st.just("read"), st.one_of(st.none(), st.integers(-2, 40))),
    st.tuples(st.just("seek"), st.integers(0, 40), st.integers(0, 2)),
    st.tuples(st.just("tell")),
    st.tuples(st.just("readline")),  # not implemented in place: makes the copy
), max_size=25)


@given(st.binary(max_size=30), ops)
def test_buffer_reader_reads_like_bytesio(data: bytes, steps: list[tuple[Any, ...]]) -> None:
    mapped = memoryview(bytearray(data))
    ours, theirs = BufferReader(mapped), BytesIO(data)
    for op, *args in steps:
        if op == "seek":
            offset, whence = args
            offset = offset if whence == 0 else offset - 20
            try:
                expected = theirs.seek(offset, whence)
            except ValueError:
                continue
            assert ours.seek(offset, whence) == expected
        elif op == "read":
            assert ours.read(*args) == theirs.read(*args)
        else:
            assert getattr(ours, op)() == getattr(theirs, op)()
        assert ours.tell() == theirs.tell()


def test_whoosh_buffer_files_do_not_copy_the_segment() -> None:
    from sdd_whoosh import lean

    lean.load()
    from whoosh.filedb.structfile import BufferFile

    big = memoryview(bytearray(b"\x00\x00\x00\x07header" + b"x" * 100))
    f = BufferFile(big, name="t.pst")
    assert isinstance(f.file, BufferReader)
    f.seek(4)
    assert f.read(6) == b"header" and f.tell() == 10
    assert f.get_int(0) == 7 and f.get(4, 6) == b"header"
    assert f.file._io is None  # nothing was copied
    f.close()
    assert f.is_closed
