"""Property: after any sequence of adds, edits and deletes, the incrementally kept index
finds exactly the specs that hold a word (computed here from the files we wrote)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh_support import search

WORDS = ("ledger", "quota", "webhook", "tenant", "bucket", "falcon", "copper", "harbor")

op = st.tuples(st.sampled_from(["write", "delete"]), st.integers(0, 3),
               st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, min_size=1, max_size=6))
def test_index_matches_the_files_after_any_changes(ops: list[tuple[str, int, list[str]]],
                                                   sdd_entrypoints: Callable[..., None],
                                                   spec_text: Callable[..., str]) -> None:
    from sdd_core.project import Project
    from sdd_core.testing import write_project

    sdd_entrypoints("whoosh")
    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(Path(tmp), {})
        model: dict[int, set[str]] = {}
        tick = 0
        for kind, slot, words in ops:
            path = root / f".sdd/specs/d/s{slot}/spec.md"
            if kind == "delete":
                if path.exists():
                    path.unlink()
                model.pop(slot, None)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(spec_text(title=f"Spec {slot}", requirements=["It SHALL run."],
                                          body_extra="## Notes\n\n" + " ".join(words)),
                                encoding="utf-8")
                tick += 1
                st_ = path.stat()
                os.utime(path, ns=(st_.st_atime_ns, st_.st_mtime_ns + tick * 3_000_000_000))
                model[slot] = set(words)
            project: Any = Project(root)
            for word in WORDS:
                got = {h.spec_id for h in search(project, word, limit=50)}
                want = {f"d/s{s}" for s, ws in model.items() if word in ws}
                assert got == want, (word, ops)
