"""nox sessions. `python3 dev.py test` is the quick path; nox gives isolated runs.

    nox -s tests          # core and every plugin, one environment
    nox -s plugin-graph   # one plugin alone on top of the core (proves it installs alone)
    nox -s lint typecheck bench docs demo
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests"]
ROOT = Path(__file__).parent
PLUGINS = sorted(p.name.removeprefix("sdd-") for p in (ROOT / "plugins").glob("sdd-*")
                 if (p / "pyproject.toml").exists())


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """Every test of the core and all plugins."""
    session.install("-r", "requirements-dev.txt")
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
@nox.parametrize("plugin", PLUGINS)
def plugin(session: nox.Session, plugin: str) -> None:
    """One plugin installed alone on the core, with its own tests."""
    session.install("-e", ".[test]", "-e", f"plugins/sdd-{plugin}")
    session.run("pytest", f"plugins/sdd-{plugin}", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff over everything."""
    session.install("ruff")
    session.run("ruff", "check", "sdd_core", "plugins", "tests", "bench")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    """mypy over the core."""
    session.install("-e", ".[test]", "mypy", "types-PyYAML")
    session.run("mypy", "sdd_core")


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Every benchmark in bench/ (prints figures for 1k and 10k specs)."""
    session.install("-r", "requirements-dev.txt")
    for script in sorted([*(ROOT / "bench").glob("bench_*.py"),
                          *(ROOT / "plugins").glob("*/bench/bench_*.py")]):
        session.run("python", str(script), *session.posargs)


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """The docs checks (every hook and core command documented)."""
    session.install("-r", "requirements-dev.txt")
    session.run("pytest", "tests/test_docs.py")


@nox.session(python="3.11")
def demo(session: nox.Session) -> None:
    """The README's demo."""
    session.run("python", "dev.py", "demo", external=True)
