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


text = st.lists(st.one_of(
    st.sampled_from([*"abcXYZ 09_-.,'\n\té", "ß", "Æ", "ﬁ", "결제가", "カタカナ", "漢字", "İ",
                     "payments", "Validated"]),
    st.characters()), max_size=30).map("".join)


@given(text)
def test_terms_are_the_token_texts(value: str) -> None:
    from sdd_whoosh.schema import analyzer

    ana = analyzer()
    assert ana.terms(value) == [t.text for t in ana(value, positions=True)]


@given(text, st.sampled_from([1.0, 1.6, 3.0]))
def test_spec_positions_write_what_positions_write(value: str, boost: float) -> None:
    from sdd_whoosh.schema import SpecPositions, analyzer
    from whoosh.formats import Positions

    ana = analyzer()
    ours = list(SpecPositions(field_boost=boost).word_values(value, ana, mode="index"))
    theirs = list(Positions(field_boost=boost).word_values(value, ana, mode="index"))
    assert sorted(ours) == sorted(theirs)


def test_field_lengths_read_whole_agree_with_whoosh(tmp_path: Any) -> None:
    from sdd_whoosh import store
    from sdd_whoosh.schema import build_schema
    from whoosh import index as windex
    from whoosh.codec import whoosh3

    ix = windex.create_in(str(tmp_path), build_schema("specs"), "specs")
    writer = ix.writer()
    for i in range(40):
        writer.add_document(path=f"p{i}", spec_id=f"s{i}", title="word " * (i % 7),
                            body="" if i % 3 else "many words here " * i)
    writer.commit()
    store.speed_up_whoosh()
    patched = whoosh3.W3PerDocReader.doc_field_length
    with ix.reader() as reader:
        perdoc = reader._perdoc
        for field in ("title", "body", "requirements", "path"):
            for docnum in range(41):  # and one past the last
                assert patched(perdoc, docnum, field, default=-1) == \
                    patched.__wrapped__(perdoc, docnum, field, default=-1)
        assert [patched(perdoc, d, "title") for d in range(8)] == [None, *range(1, 7), None]
