"""Keeping the index: incremental updates, lost manifests, corrupt files, locks, lazy imports."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from whoosh_support import rewrite, search

pytestmark = pytest.mark.usefixtures("whoosh")


@pytest.fixture
def project(sdd_project: Callable[..., Any], spec_text: Callable[..., str]) -> Any:
    return sdd_project({
        "ops/runbook/spec.md": spec_text(title="Runbook", requirements=[
            "Operators SHOULD restart the worker when the queue is stuck."]),
        "ops/backup/spec.md": spec_text(title="Backups", requirements=[
            "Backups MUST be encrypted at rest."]),
        "billing/invoice/spec.md": spec_text(title="Invoices", requirements=[
            "Invoices MUST carry a sequential number."]),
    })


def backend(project: Any) -> Any:
    from sdd_core.project import Project
    from sdd_core.search import open_search_backend

    return open_search_backend(Project(project.root), "whoosh")


def refreshed(project: Any) -> tuple[int, int]:
    """(specs re-indexed, files removed) by a refresh in a fresh backend."""
    b = backend(project)
    b.refresh()
    return b.stores["specs"].last_changes


def ids(hits: list[Any]) -> set[str]:
    return {h.spec_id for h in hits}


def test_first_refresh_indexes_everything_then_nothing(project: Any) -> None:
    assert refreshed(project) == (3, 0)
    assert refreshed(project) == (0, 0)
    assert (project.sdd_dir / ".cache/whoosh/manifest-specs.json").is_file()


def test_add_edit_delete_between_searches(project: Any, spec_text: Callable[..., str]) -> None:
    specs = project.specs_dir
    assert ids(search(project, "worker")) == {"ops/runbook"}
    # edit: only that spec is re-indexed
    rewrite(specs / "ops/runbook/spec.md",
            spec_text(title="Runbook", requirements=["Page the on-call engineer."]))
    assert refreshed(project) == (1, 0)
    assert search(project, "worker") == []
    assert ids(search(project, "engineer")) == {"ops/runbook"}
    # add
    (specs / "ops/pool").mkdir()
    (specs / "ops/pool/spec.md").write_text(spec_text(title="Worker pool"), encoding="utf-8")
    assert ids(search(project, "worker")) == {"ops/pool"}
    # delete
    (specs / "ops/backup/spec.md").unlink()
    assert refreshed(project) == (0, 1)
    assert search(project, "encrypted") == []
    assert ids(search(project, "MUST")) == {"billing/invoice"}


def test_edits_reach_the_requirement_index(project: Any, spec_text: Callable[..., str]) -> None:
    hits = search(project, "encrypted", type="requirement")
    assert [(h.spec_id, h.item_id) for h in hits] == [("ops/backup", "REQ-01")]
    rewrite(project.specs_dir / "ops/backup/spec.md", spec_text(
        title="Backups", requirements=["Backups MUST be tested.", "Backups MUST be encrypted."]))
    hits = search(project, "encrypted", type="requirement")
    assert [(h.spec_id, h.item_id) for h in hits] == [("ops/backup", "REQ-02")]
    b = backend(project)
    b.refresh()  # both indexes exist now: both are refreshed, nothing changed
    assert b.stores["items"].last_changes == (0, 0)


def test_a_touched_file_is_reparsed_not_reindexed(project: Any) -> None:
    import time

    refreshed(project)
    path = project.specs_dir / "ops/runbook/spec.md"
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")  # same content
    old = time.time_ns() - 10_000_000_000
    os.utime(path, ns=(old, old))
    assert refreshed(project) == (0, 0)
    manifest = json.loads((project.sdd_dir / ".cache/whoosh/manifest-specs.json").read_text())
    st = path.stat()
    assert manifest["files"][".sdd/specs/ops/runbook/spec.md"][0] == \
        f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}"


def test_an_edit_within_the_same_mtime_tick_is_seen(project: Any) -> None:
    # A file read just after it was written may change again with the same size and mtime;
    # it is read again on the next refresh.
    path = project.specs_dir / "ops/backup/spec.md"
    text = path.read_text(encoding="utf-8")
    st = path.stat()
    assert ids(search(project, "encrypted")) == {"ops/backup"}
    with open(path, "r+", encoding="utf-8") as fh:  # in place: same inode, same size
        fh.write(text.replace("encrypted", "decrypted"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_ino == st.st_ino and path.stat().st_size == st.st_size
    assert search(project, "encrypted") == []
    assert ids(search(project, "decrypted")) == {"ops/backup"}


def test_lost_manifest_is_rebuilt_from_the_index(project: Any,
                                                 spec_text: Callable[..., str]) -> None:
    refreshed(project)
    (project.sdd_dir / ".cache/whoosh/manifest-specs.json").unlink()
    assert refreshed(project) == (0, 0)  # hashes and signatures come from the index
    rewrite(project.specs_dir / "ops/backup/spec.md", spec_text(title="Snapshots"))
    (project.sdd_dir / ".cache/whoosh/manifest-specs.json").write_text("{not json")
    assert refreshed(project) == (1, 0)
    assert ids(search(project, "snapshots")) == {"ops/backup"}


def test_a_spec_that_stops_parsing_leaves_the_index(project: Any) -> None:
    assert ids(search(project, "invoices")) == {"billing/invoice"}
    rewrite(project.specs_dir / "billing/invoice/spec.md", "---\ntitle: [unclosed\n---\n# x\n")
    assert search(project, "invoices") == []
    assert refreshed(project) == (0, 0)  # remembered as unparsable: not read again


def _index_files(project: Any) -> list[Path]:
    return sorted((project.sdd_dir / ".cache/whoosh").iterdir())


def test_corrupt_index_is_rebuilt_with_one_warning(project: Any,
                                                   run_sdd: Callable[..., Any]) -> None:
    refreshed(project)
    for f in _index_files(project):
        if f.name.startswith(("_specs_", "specs_")) and f.name.endswith((".toc", ".seg")):
            f.write_bytes(b"\x00garbage" * 7)
    r = run_sdd("search", "worker", "--backend", "whoosh", "--format", "json", cwd=project.root)
    assert r.exit_code == 0, r.output
    assert [h["id"] for h in r.json()] == ["ops/runbook"]
    assert r.stderr.count("warning") == 1 and "rebuilding" in r.stderr
    r = run_sdd("search", "worker", "--backend", "whoosh", "--format", "json", cwd=project.root)
    assert r.stderr == "" and [h["id"] for h in r.json()] == ["ops/runbook"]


def test_truncated_segment_files_are_rebuilt(project: Any, capsys: Any) -> None:
    refreshed(project)
    for f in _index_files(project):
        if f.name.startswith("specs_") and not f.name.endswith("WRITELOCK"):
            f.write_bytes(f.read_bytes()[:10])
    assert ids(search(project, "encrypted")) == {"ops/backup"}
    assert capsys.readouterr().err.count("unreadable") == 1


def test_index_of_another_schema_version_is_rebuilt(project: Any) -> None:
    refreshed(project)
    path = project.sdd_dir / ".cache/whoosh/manifest-specs.json"
    data = json.loads(path.read_text())
    data["schema"] = -1
    path.write_text(json.dumps(data))
    assert refreshed(project) == (3, 0)


@pytest.mark.parametrize("stale", ["parser", "analysis"])
def test_index_of_another_parser_or_analysis_version_is_rebuilt(project: Any,
                                                                stale: str) -> None:
    """The indexed text is what the core's parser made of each file, stemmed by the core's
    analysis: an index written with the same layout by another version of either is
    rebuilt."""
    from sdd_core.basics import ANALYSIS_VERSION, PARSE_VERSION
    from sdd_whoosh.schema import LAYOUT_VERSION

    refreshed(project)
    path = project.sdd_dir / ".cache/whoosh/manifest-specs.json"
    data = json.loads(path.read_text())
    assert data["schema"] == f"{LAYOUT_VERSION}.{PARSE_VERSION}.{ANALYSIS_VERSION}"
    data["schema"] = (f"{LAYOUT_VERSION}.{PARSE_VERSION - 1}.{ANALYSIS_VERSION}"
                      if stale == "parser" else
                      f"{LAYOUT_VERSION}.{PARSE_VERSION}.{ANALYSIS_VERSION - 1}")
    path.write_text(json.dumps(data))
    assert refreshed(project) == (3, 0)
    assert refreshed(project) == (0, 0)


def test_a_live_lock_searches_the_index_as_it_is(project: Any, monkeypatch: Any, capsys: Any,
                                                 spec_text: Callable[..., str]) -> None:
    from sdd_whoosh import store

    refreshed(project)
    monkeypatch.setattr(store, "LOCK_TIMEOUT", 0.2)
    lock = backend(project).stores["specs"].index().lock("WRITELOCK")
    assert lock.acquire()
    try:
        rewrite(project.specs_dir / "ops/runbook/spec.md", spec_text(title="Pager"))
        # the edit cannot be indexed while another writer holds the lock: the old index answers
        assert ids(search(project, "worker")) == {"ops/runbook"}
        assert "being updated by another process" in capsys.readouterr().err
    finally:
        lock.release()
    assert search(project, "worker") == []
    assert ids(search(project, "pager")) == {"ops/runbook"}


def test_a_lock_left_by_a_dead_process_is_cleared(project: Any,
                                                  spec_text: Callable[..., str]) -> None:
    refreshed(project)
    folder = project.sdd_dir / ".cache/whoosh"
    code = textwrap.dedent(f"""
        import sys, time
        from whoosh import index
        ix = index.open_dir({str(folder)!r}, "specs")
        assert ix.lock("WRITELOCK").acquire()
        print("locked", flush=True)
        time.sleep(60)
    """)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert (folder / "specs_WRITELOCK").exists()  # the file stays; its lock died with it
    rewrite(project.specs_dir / "ops/runbook/spec.md", spec_text(title="Pager"))
    assert refreshed(project) == (1, 0)
    assert ids(search(project, "pager")) == {"ops/runbook"}


def test_whoosh_is_not_imported_by_help(tmp_path: Path) -> None:
    code = textwrap.dedent("""
        import sys
        from sdd_core.cli import build_cli
        cli = build_cli()
        for args in (["--help"], ["search", "--help"]):
            try:
                cli.main(args, standalone_mode=False)
            except SystemExit:
                pass
        from sdd_core.search import search_backends
        print("whoosh" in sys.modules, "sdd_whoosh" in sys.modules)
    """)
    env = {**os.environ, "SDD_LOAD_PLUGINS": "whoosh"}
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], check=False, capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False True"


def test_whoosh_imports_without_warnings() -> None:
    code = ("import whoosh.index, whoosh.qparser, whoosh.analysis, whoosh.highlight,"
            " whoosh.spelling, whoosh.multiproc, sdd_whoosh.backend")
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], check=False, capture_output=True,
                         text=True, timeout=60, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert out.returncode == 0, out.stderr


def test_a_search_of_a_fresh_index_stays_light(project: Any) -> None:
    """A search whose index is current answers from the index's stored fields: no spec
    parser, no spec model, no YAML; and Whoosh loads without urllib.request or asyncio,
    which still import for real afterwards."""
    import time

    old = time.time_ns() - 60_000_000_000  # no file or folder changed "just now"
    for path in [project.specs_dir, *project.specs_dir.rglob("*")]:
        os.utime(path, ns=(old, old))
    refreshed(project)
    code = textwrap.dedent("""
        import sys
        from sdd_core.project import Project
        from sdd_core.search import SearchQuery, parse_search
        from sdd_whoosh.backend import WhooshBackend

        backend = WhooshBackend(Project(sys.argv[1]))
        hits = backend.search(SearchQuery(text="worker", terms=parse_search("worker")))
        assert [h.spec_id for h in hits] == ["ops/runbook"], hits
        assert backend.store.last_changes == (0, 0)
        heavy = ("sdd_core.parsing", "sdd_core.index", "sdd_core.model", "yaml", "pydantic",
                 "urllib.request", "asyncio", "cached_property")
        print(sorted(m for m in heavy if m in sys.modules))
        import urllib.request
        print(callable(urllib.request.urlopen))
    """)
    out = subprocess.run([sys.executable, "-W", "error", "-c", code, str(project.root)],
                         check=False, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["[]", "True"]


def test_lean_load_leaves_no_stand_ins() -> None:
    code = textwrap.dedent("""
        import sys
        from sdd_whoosh import lean
        lean.load()
        import whoosh.reading
        assert "urllib.request" not in sys.modules and "cached_property" not in sys.modules
        from whoosh.compat import urlretrieve
        import cached_property, urllib.request
        print(cached_property.__file__.endswith(".py"), hasattr(urllib.request, "Request"),
              whoosh.reading.SegmentReader.deleted_docs_set.__class__.__name__)
    """)
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], check=False,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True", "cached_property"]


def _corpus(spec_text: Callable[..., str], n: int, word: str = "hold") -> dict[str, str]:
    return {f"d{i % 3}/s{i:02d}/spec.md": spec_text(
        title=f"Spec {i} {'payments' if i % 4 == 0 else 'orders'}",
        requirements=[f"Item {i} MUST {word} {'even' if i % 2 else 'odd'} values.",
                      f"Failures SHOULD be retried {i % 5} times."])
        for i in range(n)}


def _answers(project: Any, ties: bool = True) -> dict[str, Any]:
    """Everything a search shows, for a few queries, plus the vocabulary and the manifest
    (``ties=False``: hits of equal score in any order)."""
    out: dict[str, Any] = {}
    for text, options in (("even", {}), ("must values", {}), ("payments failures", {}),
                          ("retri*", {}), ("hold", {"type": "requirement"}),
                          ("odd", {"type": "requirement"}), ("spec", {"match": "any"})):
        hits = [(h.spec_id, h.item_id, h.score, h.snippet)
                for h in search(project, text, limit=100, **options)]
        out[text] = hits if ties else sorted(hits, key=lambda h: (-h[2], h[:2]))
    cache = project.sdd_dir / ".cache/whoosh"
    out["words"] = json.loads((cache / "words-specs.json").read_text())["words"]
    out["files"] = {p: v[1:] for p, v in
                    json.loads((cache / "manifest-specs.json").read_text())["files"].items()}
    return out


def _segments(project: Any) -> int:
    return sum(1 for f in _index_files(project)
               if f.name.startswith("specs_") and f.name.endswith(".seg"))


def test_parallel_build_matches_a_single_writer(sdd_project: Callable[..., Any],
                                                spec_text: Callable[..., str],
                                                monkeypatch: Any, tmp_path: Path) -> None:
    """Indexing in forked processes (one segment each) answers every search exactly as one
    writer does: the first build, and a refresh that edits, adds, breaks and deletes."""
    from sdd_whoosh import store

    monkeypatch.setattr(store, "cores", lambda: 2)
    files = _corpus(spec_text, 24)
    serial = sdd_project(files, root=tmp_path / "serial")
    parallel = sdd_project(files, root=tmp_path / "parallel")
    monkeypatch.setattr(store, "PARALLEL_FROM", 10**9)
    assert refreshed(serial) == (24, 0)
    assert _segments(serial) == 1
    monkeypatch.setattr(store, "PARALLEL_FROM", 10)
    assert refreshed(parallel) == (24, 0)
    assert _segments(parallel) == 2  # one per process
    first = _answers(parallel)
    assert first["even"] and first["retri*"] and first["hold"]
    assert first == _answers(serial)

    # 12 specs edited, 2 deleted, 1 added, 1 broken: a parallel refresh of a built index
    for project in (serial, parallel):
        specs = project.specs_dir
        for path, text in _corpus(spec_text, 12, word="keep").items():
            rewrite(specs / path, text)
        shutil.rmtree(specs / "d0/s03")
        (specs / "d1/s04/spec.md").unlink()
        (specs / "d2/s30").mkdir()
        (specs / "d2/s30/spec.md").write_text(spec_text(title="Late payments"), encoding="utf-8")
        rewrite(specs / "d1/s13/spec.md", "---\nid: [unclosed\n---\n# Broken\n")
    monkeypatch.setattr(store, "PARALLEL_FROM", 10**9)
    serial_changes = refreshed(serial)
    monkeypatch.setattr(store, "PARALLEL_FROM", 10)
    assert refreshed(parallel) == serial_changes == (11, 3)
    second = _answers(parallel, ties=False)
    assert second == _answers(serial, ties=False)
    assert second["hold"] != first["hold"]
    assert second["files"][".sdd/specs/d2/s30/spec.md"][0] == "d2/s30"
    assert second["files"][".sdd/specs/d1/s13/spec.md"] == [None, None]  # does not parse
    assert "d1/s13" in {h[0] for h in first["spec"]} - {h[0] for h in second["spec"]}


def test_a_failing_indexing_process_leaves_the_index_as_it_was(
        sdd_project: Callable[..., Any], spec_text: Callable[..., str], monkeypatch: Any) -> None:
    from sdd_whoosh import schema, store

    monkeypatch.setattr(store, "cores", lambda: 2)
    monkeypatch.setattr(store, "PARALLEL_FROM", 10)
    project = sdd_project(_corpus(spec_text, 12))
    real = schema.spec_documents

    def failing(spec: Any, sig: str) -> Any:
        if spec.id == "d1/s07":
            raise ValueError("cannot index this one")
        return real(spec, sig)

    b = backend(project)
    b.stores["specs"].documents = failing
    with pytest.raises(RuntimeError, match="cannot index this one"):
        b.stores["specs"].refresh()
    b.stores["specs"].close()
    assert _segments(project) == 0  # the other process's segment is not kept
    # the lock was released: a good refresh builds it all, and keeps only its segments
    assert refreshed(project) == (12, 0)
    assert len(search(project, "values", limit=50)) == 12
    assert _segments(project) == 2


def test_vocabulary_follows_edits(project: Any, spec_text: Callable[..., str]) -> None:
    specs = project.specs_dir
    assert backend(project).suggest("encryptd") == ["encrypted"]
    rewrite(specs / "ops/backup/spec.md", spec_text(title="Backups", requirements=[
        "Backups MUST be compressed."]))
    b = backend(project)
    assert b.suggest("encryptd") == []
    assert b.suggest("compresed") == ["compressed"]
    words = project.sdd_dir / ".cache/whoosh/words-specs.json"
    counts = json.loads(words.read_text())["words"]
    # "backups" is in the title and requirement of one spec: counted once per spec
    assert counts["backups"] == 1 and "encrypted" not in counts
    assert counts["must"] == 2  # backup and invoice; the runbook says SHOULD
    # a lost vocabulary is rebuilt from the stored text
    words.unlink()
    (specs / "billing/invoice/spec.md").unlink()
    b = backend(project)
    assert b.suggest("compresed") == ["compressed"]
    assert json.loads(words.read_text())["words"]["must"] == 1


def test_unchanged_folders_are_not_listed_again(project: Any, monkeypatch: Any,
                                                spec_text: Callable[..., str]) -> None:
    import time

    old = time.time_ns() - 60_000_000_000
    for folder in [project.specs_dir, *(p for p in project.specs_dir.rglob("*") if p.is_dir())]:
        os.utime(folder, ns=(old, old))
    refreshed(project)  # lists every folder once and remembers their mtimes
    listed: list[str] = []
    real = os.scandir

    def counting(path: Any = ".") -> Any:
        if isinstance(path, str) and path.startswith(str(project.specs_dir)):
            listed.append(os.path.relpath(path, project.specs_dir))
        return real(path)

    monkeypatch.setattr(os, "scandir", counting)
    assert refreshed(project) == (0, 0)
    assert listed == []
    # a new spec in an existing folder changes that folder's mtime: only it is listed
    (project.specs_dir / "ops/runbook/extra.md").write_text(spec_text(title="Extra worker"),
                                                            encoding="utf-8")
    assert refreshed(project) == (1, 0)
    assert listed == ["ops/runbook"]
    assert ids(search(project, "extra")) == {"ops/runbook/extra"}
    # an edit in place changes no folder, and is still seen (files are always stat'ed)
    listed.clear()
    rewrite(project.specs_dir / "ops/backup/spec.md", spec_text(title="Snapshots"))
    assert refreshed(project) == (1, 0)
    assert "ops/backup" not in listed
    # a deleted folder changes its parent
    shutil.rmtree(project.specs_dir / "billing")
    assert refreshed(project) == (0, 1)
    assert search(project, "invoices") == []
    # a broken folder cache is ignored
    for junk in (b"not marshal", __import__("marshal").dumps((1, "x", 3))):
        (project.sdd_dir / ".cache/whoosh/scan.bin").write_bytes(junk)
        assert refreshed(project) == (0, 0)


@pytest.mark.parametrize("parallel_from", [10**9, 10])
def test_indexing_shows_progress_on_a_terminal(sdd_project: Callable[..., Any],
                                               spec_text: Callable[..., str], monkeypatch: Any,
                                               tmp_path: Path, capsys: Any,
                                               parallel_from: int) -> None:
    """Indexing counts its files on stderr (``SDD_PROGRESS=1`` stands in for a terminal),
    whether one writer or forked processes index them (they count in shared memory)."""
    from sdd_whoosh import store

    monkeypatch.setattr(store, "cores", lambda: 2)
    monkeypatch.setattr(store, "PARALLEL_FROM", parallel_from)
    monkeypatch.setenv("SDD_PROGRESS", "1")
    import time

    import sdd_core.index
    from sdd_core.progress import Progress

    read = sdd_core.index.read_spec_file

    def slow_read(*args: Any, **kwargs: Any) -> Any:  # long enough to be seen midway
        time.sleep(0.03)
        return read(*args, **kwargs)

    seen: list[int] = []
    update = Progress.update

    def record(self: Progress, done: int) -> None:
        seen.append(done)
        update(self, done)

    monkeypatch.setattr(sdd_core.index, "read_spec_file", slow_read)
    monkeypatch.setattr(Progress, "update", record)
    project = sdd_project(_corpus(spec_text, 24), root=tmp_path / "p")
    assert refreshed(project) == (24, 0)
    err = capsys.readouterr().err
    assert "sdd: indexing specs for search" in err and "24/24 files" in err
    assert err.endswith("\r")  # erased at the end
    assert any(0 < n < 24 for n in seen), seen  # counted while the work ran
    monkeypatch.setenv("SDD_PROGRESS", "0")
    (project.specs_dir / "d0" / "s00" / "spec.md").write_text(
        spec_text(title="Spec zero edited"), encoding="utf-8")
    assert refreshed(project) == (1, 0)
    assert "indexing" not in capsys.readouterr().err
