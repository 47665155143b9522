#!/usr/bin/env python3
"""SDD developer entry point: needs only Python 3.11+ on a fresh machine.

    python3 dev.py demo     # install SDD and every plugin (editable, into .venv), run a demo
    python3 dev.py test     # install, then run the whole test suite
    python3 dev.py install  # install only
    python3 dev.py bench    # run every benchmark in bench/

Everything goes into ./.venv; nothing is installed system-wide.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def run(*cmd: str | Path, **kw: object) -> int:
    print("+", " ".join(str(c) for c in cmd), file=sys.stderr, flush=True)
    return subprocess.call([str(c) for c in cmd], **kw)  # type: ignore[arg-type]


def requirements() -> Path:
    return ROOT / "requirements-dev.txt"


def install() -> None:
    """Create .venv and install the core and every plugin of this repository, editable."""
    if sys.version_info < (3, 11):
        sys.exit(f"SDD needs Python 3.11 or newer (this is {sys.version.split()[0]})")
    if not PY.exists():
        if run(sys.executable, "-m", "venv", VENV) != 0:
            sys.exit("could not create .venv (on Debian: apt-get install python3-venv)")
    stamp = VENV / ".sdd-installed"
    digest = hashlib.sha256()
    for f in sorted([requirements(), ROOT / "pyproject.toml",
                     *ROOT.glob("plugins/*/pyproject.toml")]):
        digest.update(f.read_bytes())
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    quiet = [] if os.environ.get("CI") else ["-q"]
    if run(PY, "-m", "pip", "install", *quiet, "--upgrade", "pip") != 0:
        sys.exit("pip upgrade failed")
    if run(PY, "-m", "pip", "install", *quiet, "-r", requirements(), cwd=ROOT) != 0:
        sys.exit("installing SDD failed")
    stamp.write_text(digest.hexdigest())


def demo() -> int:
    """Show SDD on a fresh project and on the bundled sdd-tool sample project."""
    sdd = str(BIN / "sdd")
    work = Path(tempfile.mkdtemp(prefix="sdd-demo-"))
    try:
        proj = work / "shop"
        steps = [
            [sdd, "init", str(proj), "--name", "shop"],
            [sdd, "-C", str(proj), "new", "auth/login", "--title", "Login"],
            [sdd, "-C", str(proj), "new", "auth/session", "--title", "Session", "--depends",
             "auth/login"],
            [sdd, "-C", str(proj), "new", "billing/invoice", "--title", "Invoice",
             "--depends", "auth/session"],
            [sdd, "-C", str(proj), "validate"],
            [sdd, "-C", str(proj), "list"],
            [sdd, "-C", str(proj), "status"],
        ]
        sample = work / "sample"
        shutil.copytree(ROOT / "tests" / "fixtures" / "sdd_tool_project", sample)
        steps += [
            [sdd, "-C", str(sample), "validate"],
            [sdd, "-C", str(sample), "list", "--domain", "billing"],
        ]
        available = subprocess.run([sdd, "--help"], capture_output=True, text=True).stdout
        if " query " in available:
            steps.append([sdd, "-C", str(sample), "query", "status:approved OR status:implemented"])
        if " impact " in available:
            steps.append([sdd, "-C", str(sample), "impact", "billing/invoice-model"])
        if " quality " in available:
            steps.append([sdd, "-C", str(sample), "quality", "--all"])
        for step in steps:
            print(f"\n$ sdd {' '.join(step[1:])}", flush=True)
            rc = subprocess.call(step)
            if rc != 0:
                print(f"demo step failed with exit code {rc}", file=sys.stderr)
                return rc
        print(f"\nDemo projects are in {work}", file=sys.stderr)
        return 0
    finally:
        if os.environ.get("CI"):
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "demo"
    rest = argv[1:]
    if cmd not in ("install", "demo", "test", "bench"):
        print(__doc__)
        return 2
    install()
    if cmd == "install":
        return 0
    if cmd == "demo":
        return demo()
    if cmd == "bench":
        # timings must not include compiling the sources on every run of `sdd`
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        rc = 0
        for script in sorted([*(ROOT / "bench").glob("bench_*.py"),
                              *(ROOT / "plugins").glob("*/bench/bench_*.py")]):
            rc |= run(PY, script, *rest, cwd=ROOT)
        return rc
    rc = run(PY, "-m", "pytest", *rest, cwd=ROOT)
    if rc == 5:
        print("pytest collected no tests: that is a failure", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
