#!/usr/bin/env python3
"""DBML benchmark: the cost of sdd-dbml at 1k and 10k specs.

Generates a project with the repository's ``bench/generate.py`` and gives one spec in four a
``## Data Model`` section (a table of five fields, one referencing a table of an earlier
spec) and one in twenty a fenced dbml block, then measures, against baselines from the same
process and project:

- rules D001-D004 against the core's own rules over the same loaded specs;
- the DBML export and the Mermaid ER diagram against loading the specs;
- whole-process ``sdd dbml export`` against ``sdd list``.

    python plugins/sdd-dbml/bench/bench_dbml.py [--sizes 1000,10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: The repository's bench/ folder (shared helpers and the project generator).
BENCH = next(p / "bench" for p in Path(__file__).resolve().parents
             if (p / "bench" / "benchkit.py").is_file())
sys.path.insert(0, str(BENCH))

from benchkit import SDD, best_time, speed_line, wall
from generate import generate


def describe(root: Path) -> int:
    """Add data models to the generated specs; return how many tables were added."""
    tables = 0
    for i, path in enumerate(sorted((root / ".sdd" / "specs").rglob("spec.md"))):
        if i % 4 == 0:
            ref = f"> t{i - 4}.id" if i >= 4 else ""
            block = (f"\n## Data Model\n\n### Table t{i}\n\n"
                     "| Field | Type | Constraints | References/Notes |\n|---|---|---|---|\n"
                     "| id | integer | pk, increment | |\n"
                     f"| parent_id | integer | not null | {ref} |\n"
                     "| name | varchar(80) | unique | the name |\n"
                     "| created_at | timestamp | default: now() | |\n"
                     "| total | decimal(10,2) | default: 0 | in cents |\n")
        elif i % 20 == 1:
            block = (f"\n```dbml\nTable d{i} {{\n  id int [pk]\n  t_id int [ref: > t0.id]\n}}\n```\n")
        else:
            continue
        with path.open("a", encoding="utf-8") as fh:
            fh.write(block)
        tables += 1
    return tables


def run(size: int, runs: int) -> None:
    from sdd_core.plugins import get_plugin_manager, reset
    from sdd_core.project import Project
    from sdd_core.validation import run_rules

    os.environ["SDD_LOAD_PLUGINS"] = "dbml"
    reset()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "proj"
        generate(root, size, seed=1)
        tables = describe(root)
        project = Project(root, pm=get_plugin_manager())
        result = project.load()
        specs = result.specs
        rules = project.rules
        core = [r for c, r in rules.items.items() if rules.providers[c].startswith("sdd.")]
        mine = [rules[c] for c in ("D001", "D002", "D003", "D004")]

        from sdd_dbml import collect
        from sdd_dbml.export import to_dbml, to_mermaid

        def cold(fn: Callable[[], Any]) -> Callable[[], Any]:
            def call() -> Any:
                collect._CACHE.clear()  # measure parsing too, not only the cache
                return fn()
            return call

        t_core = best_time(runs, lambda: run_rules(project, result, core))
        t_mine = best_time(runs, cold(lambda: run_rules(project, result, mine)))
        t_load = best_time(runs, lambda: Project(root, pm=get_plugin_manager()).load())
        t_dbml = best_time(runs, cold(lambda: to_dbml(collect.project_model(specs))))
        t_er = best_time(runs, cold(lambda: to_mermaid(collect.project_model(specs))))
        env = {**os.environ, "SDD_LOAD_PLUGINS": "dbml", "NO_COLOR": "1"}

        def cli(*args: str) -> float:
            return wall([SDD, "-C", str(root), *args], runs, env, check=True)

        t_cli, t_list = cli("dbml", "export"), cli("list")
        print(f"\n{size} specs ({tables} tables)")
        print(f"  rules D001-D004   {t_mine * 1000:8.1f} ms   core rules {t_core * 1000:8.1f} ms"
              f"   ratio {t_mine / t_core:5.2f}")
        print(f"  DBML export       {t_dbml * 1000:8.1f} ms   load specs {t_load * 1000:8.1f} ms"
              f"   ratio {t_dbml / t_load:5.2f}")
        print(f"  Mermaid ER        {t_er * 1000:8.1f} ms   load specs {t_load * 1000:8.1f} ms"
              f"   ratio {t_er / t_load:5.2f}")
        print(f"  sdd dbml export   {t_cli * 1000:8.1f} ms   sdd list   {t_list * 1000:8.1f} ms"
              f"   ratio {t_cli / t_list:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(speed_line())
    for size in (int(s) for s in args.sizes.split(",")):
        run(size, args.runs)


if __name__ == "__main__":
    main()
