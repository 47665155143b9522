"""Stat-ahead (``sdd_core.statahead``): the child forked by the launcher stats a plugin's plan
of paths while the CLI starts. Each start runs in a fresh Python process, as the ``sdd``
launcher does, so the fork happens in a process of one thread."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sdd_core import statahead

KEY = bytes(range(16))


def _project(tmp_path: Path, files: int = 5) -> tuple[str, list[str]]:
    root = tmp_path / "proj"
    rels = []
    for i in range(files):
        folder = root / ".sdd" / "specs" / f"f{i}"
        folder.mkdir(parents=True)
        (folder / "spec.md").write_text("x" * i, encoding="utf-8")
        rels += [f".sdd/specs/f{i}/", f".sdd/specs/f{i}/spec.md"]
    (root / ".sdd" / ".cache").mkdir()
    return str(root), rels


def test_stat_paths_packs_mtime_and_size_relative_to_the_root(tmp_path: Path) -> None:
    root, rels = _project(tmp_path)
    got = statahead.unpack(statahead.stat_paths(root, [*rels, "missing.md", "."]))
    want = []
    for rel in rels:
        st = os.stat(os.path.join(root, rel))
        want.append((st.st_mtime_ns, st.st_size))
    assert got[:-2] == want
    assert got[-2] == (-1, -1)  # cannot be stat-ed
    assert got[-1] == ((os.stat(root).st_mtime_ns, os.stat(root).st_size))


def test_plan_round_trip(tmp_path: Path) -> None:
    root, rels = _project(tmp_path)
    assert statahead.plan_key(root) is None
    statahead.save_plan(root, KEY, rels)
    assert statahead.plan_key(root) == KEY
    with pytest.raises(ValueError):
        statahead.save_plan(root, b"short", rels)
    statahead.drop_plan(root)
    assert statahead.plan_key(root) is None
    # a plan that cannot be written is no plan, and no error
    statahead.save_plan(str(tmp_path / "nowhere"), KEY, rels)
    assert statahead.plan_key(str(tmp_path / "nowhere")) is None


PROBE = """
import json, os, sys, time
from sdd_core import statahead
root, key = sys.argv[1], bytes(range(16))
started = statahead.start(json.loads(sys.argv[2]))
out = {"started": started}
{extra}
print(json.dumps(out))
"""


def _probe(root: str, argv: list[str], extra: str, cwd: str | None = None,
           **env: str) -> dict:  # type: ignore[type-arg]
    script = PROBE.replace("{extra}", textwrap.dedent(extra))
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SDD_")}
    full_env.update(env)
    out = subprocess.run([sys.executable, "-c", script, root, json.dumps(argv)],
                         cwd=cwd or root, env=full_env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


TAKE = """
blob = statahead.results(root, key)
out["figures"] = statahead.unpack(blob) if blob is not None else None
out["again"] = statahead.results(root, key)
"""


def test_child_figures_equal_a_direct_stat_and_are_given_once(tmp_path: Path) -> None:
    root, rels = _project(tmp_path)
    statahead.save_plan(root, KEY, rels)
    got = _probe(root, ["-C", root, "query", "x"], TAKE, SDD_STATAHEAD="1")
    assert got["started"] is True
    assert [tuple(f) for f in got["figures"]] == statahead.unpack(
        statahead.stat_paths(root, rels))
    assert got["again"] is None


@pytest.mark.parametrize("extra", [
    # another key: the plan is not the caller's
    'out["figures"] = statahead.results(root, bytes(16))',
    # another project
    'out["figures"] = statahead.results(root + "x", key)',
    # the process wrote a spec file (through the core's writer) in between
    'from pathlib import Path\n'
    'from sdd_core.storage import atomic_write\n'
    'atomic_write(Path(root, ".sdd/specs/f1/spec.md"), b"new")\n'
    'out["figures"] = statahead.results(root, key)',
    # figures older than MAX_AGE
    'statahead.MAX_AGE = 0.05\ntime.sleep(0.3)\nout["figures"] = statahead.results(root, key)',
    # discarded
    'statahead.discard()\nout["figures"] = statahead.results(root, key)',
])
def test_figures_are_withheld(tmp_path: Path, extra: str) -> None:
    root, rels = _project(tmp_path)
    statahead.save_plan(root, KEY, rels)
    got = _probe(root, ["-C", root, "list"], extra, SDD_STATAHEAD="1")
    assert got["started"] is True
    assert got["figures"] is None


def test_atomic_write_discards_figures_taken_before_it(tmp_path: Path) -> None:
    """The writer forgets the figures, so a refresh after a write stats the files itself
    and sees the new size."""
    root, rels = _project(tmp_path)
    statahead.save_plan(root, KEY, rels)
    got = _probe(root, ["-C", root], """
        from pathlib import Path
        from sdd_core.storage import FileStorage
        FileStorage(Path(root)).write(".sdd/specs/f1/spec.md", b"much longer now")
        out["figures"] = statahead.results(root, key)
        out["size"] = statahead.unpack(statahead.stat_paths(root, [".sdd/specs/f1/spec.md"]))
    """, SDD_STATAHEAD="1")
    assert got["figures"] is None
    assert got["size"][0][1] == len(b"much longer now")


def test_no_child_when_off_small_or_without_a_plan(tmp_path: Path) -> None:
    root, rels = _project(tmp_path)
    assert _probe(root, ["-C", root], "")["started"] is False  # no plan
    statahead.save_plan(root, KEY, rels)
    assert _probe(root, ["-C", root], "")["started"] is False  # ten paths: not worth it
    assert _probe(root, ["-C", root], "", SDD_STATAHEAD="0")["started"] is False
    assert _probe(root, ["-C", root], "", SDD_STATAHEAD="1")["started"] is True
    big = [f".sdd/specs/f{i % 5}/../f{i % 5}/spec.md" for i in range(statahead.MIN_PATHS * 2)]
    statahead.save_plan(root, KEY, big)
    assert _probe(root, ["-C", root], "")["started"] is True
    for no_read in (["--version"], ["-V"], ["list", "--help"], ["-h"]):
        assert _probe(root, ["-C", root, *no_read], "")["started"] is False
    # a damaged plan: the child fails, the caller gets nothing and stats itself
    Path(root, statahead.PLAN).write_bytes(b"SDDSTAT1" + KEY + b"\x00garbage" * 1000)
    got = _probe(root, ["-C", root], TAKE)
    assert got["started"] is True and got["figures"] is None


def test_the_project_is_found_as_the_cli_finds_it(tmp_path: Path) -> None:
    root, _ = _project(tmp_path)
    sub = Path(root, ".sdd", "specs", "f1")
    find = statahead._project_root
    assert find(["-C", str(sub), "list"]) == root
    assert find([f"--project={sub}", "list"]) == root
    assert find([f"-C{sub}"]) == root
    assert find(["--as", "bob", "--debug", "--project", root, "query"]) == root
    # options after the command are the command's own
    assert find(["query", "-C", root]) != root
    os.environ["SDD_PROJECT"] = str(sub)
    try:
        assert find(["list"]) == root
    finally:
        del os.environ["SDD_PROJECT"]
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert find(["-C", str(outside)]) is None


def test_the_worker_holds_no_descriptor_of_the_caller_and_is_no_child(tmp_path: Path
                                                                      ) -> None:
    """A caller that reads the output of ``sdd`` until it is closed must not wait for the
    worker: it closes every descriptor it inherited (stdin, stdout, stderr, ...). And it is
    not a child of the ``sdd`` process, so a long-running one never keeps a zombie."""
    root, _ = _project(tmp_path)
    statahead.save_plan(root, KEY, [f"missing/{i}" for i in range(300_000)])  # ~0.5 s
    got = _probe(root, ["-C", root], """
        import glob, time
        try:
            os.waitpid(-1, os.WNOHANG)
            out["children"] = True
        except ChildProcessError:
            out["children"] = False
        me, seen = f"/proc/{os.getpid()}/", None
        deadline = time.time() + 10
        while seen is None and time.time() < deadline:
            for link in glob.glob("/proc/[0-9]*/fd/*"):
                if link.startswith(me):
                    continue
                try:
                    if "sdd-statahead" not in os.readlink(link):
                        continue
                    fds = {int(n) for n in os.listdir(os.path.dirname(link))}
                except OSError:
                    continue
                if not fds & {0, 1, 2}:
                    seen = sorted(fds)
                    pid = int(link.split("/")[2])
                    out["nice"] = os.getpriority(os.PRIO_PROCESS, pid) - os.nice(0)
            time.sleep(0.001)
        out["fds"] = seen
        out["figures"] = statahead.results(root, key) is not None
    """, SDD_STATAHEAD="1")
    assert got["figures"]
    assert got["children"] is False
    assert got["fds"] is not None and len(got["fds"]) == 2  # its result file and pipe
    assert got["nice"] == 10  # yields the CPU to the command when the cores are busy


def test_the_console_script_starts_the_child_before_click_is_imported() -> None:
    """The launcher's stat-ahead must overlap the CLI's imports, so it runs first."""
    out = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import sys
        from sdd_core import statahead
        seen = []
        real = statahead.start
        def start(argv=None):
            seen.append(sorted(m for m in ("click", "pluggy") if m in sys.modules))
            return real(argv)
        statahead.start = start
        from sdd_core import launch
        sys.argv = ["sdd", "--version"]
        try:
            launch.main()
        except SystemExit:
            pass
        print(seen)
    """)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[[]]"
    assert "sdd 0." in out.stdout
