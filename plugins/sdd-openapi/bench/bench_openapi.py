#!/usr/bin/env python3
"""OpenAPI benchmark: the cost of sdd-openapi at 1k and 10k specs.

Generates a project with the repository's ``bench/generate.py``, gives one spec in three an
``## API`` section and one in five ``api:`` front matter (two operations each, a few shared
between specs), then measures, against baselines from the same process and project:

- rules O001 + O002 against the core's own rules over the same loaded specs;
- ``generate`` (the whole OpenAPI document) against loading the specs;
- ``check`` (coverage of the generated document) against loading the specs;
- whole-process ``sdd openapi generate`` against ``sdd list``.

    python plugins/sdd-openapi/bench/bench_openapi.py [--sizes 1000,10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

#: The repository's bench/ folder (shared helpers and the project generator).
BENCH = next(p / "bench" for p in Path(__file__).resolve().parents
             if (p / "bench" / "benchkit.py").is_file())
sys.path.insert(0, str(BENCH))

from benchkit import SDD, best_time, speed_line, wall
from generate import generate


def declare(root: Path) -> int:
    """Add operation declarations to the generated specs; return how many specs declare."""
    n = 0
    for i, path in enumerate(sorted((root / ".sdd" / "specs").rglob("spec.md"))):
        text = path.read_text(encoding="utf-8")
        res = f"r{i // 2}"  # neighbours share a resource: some operations are declared twice
        if i % 3 == 0:
            text += (f"\n## API\n\n- GET /{res}/{{id}} — read one\n- POST /{res} — create\n")
        elif i % 5 == 0:
            head, sep, rest = text.partition("\n---\n")
            text = (head + f"\napi:\n  - method: GET\n    path: /{res}\n"
                    f"  - method: DELETE\n    path: /{res}/{{rid}}\n" + sep + rest)
        else:
            continue
        path.write_text(text, encoding="utf-8")
        n += 1
    return n


def run(size: int, runs: int) -> None:
    from sdd_core.plugins import get_plugin_manager, reset
    from sdd_core.project import Project
    from sdd_core.validation import run_rules

    os.environ["SDD_LOAD_PLUGINS"] = "openapi"
    reset()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "proj"
        generate(root, size, seed=1)
        declaring = declare(root)
        project = Project(root, pm=get_plugin_manager())
        result = project.load()
        specs = result.specs
        rules = project.rules
        core = [r for c, r in rules.items.items() if rules.providers[c].startswith("sdd.")]
        mine = [rules["O001"], rules["O002"]]

        from sdd_openapi.coverage import compare
        from sdd_openapi.document import DocOperation, Document
        from sdd_openapi.generate import generate as make_doc
        from sdd_openapi.operations import METHODS

        t_core = best_time(runs, lambda: run_rules(project, result, core))
        t_mine = best_time(runs, lambda: run_rules(project, result, mine))
        t_load = best_time(runs, lambda: Project(root, pm=get_plugin_manager()).load())
        t_gen = best_time(runs, lambda: make_doc(specs, title="t", version="1"))
        doc_data = make_doc(specs, title="t", version="1").document
        ops = [DocOperation(m, p, op) for p, item in doc_data["paths"].items()
               for m, op in item.items() if m in METHODS]
        document = Document("bench.yaml", "3.1.0", doc_data, ops)
        t_check = best_time(runs, lambda: compare(document, specs))
        env = {**os.environ, "SDD_LOAD_PLUGINS": "openapi", "NO_COLOR": "1"}

        def cli(*args: str) -> float:
            return wall([SDD, "-C", str(root), *args], runs, env, check=True)

        t_cli_gen, t_cli_list = cli("openapi", "generate"), cli("list")
        print(f"\n{size} specs ({declaring} declaring, {len(ops)} operations)")
        print(f"  rules O001+O002      {t_mine * 1000:8.1f} ms   core rules {t_core * 1000:8.1f} ms"
              f"   ratio {t_mine / t_core:5.2f}")
        print(f"  generate document    {t_gen * 1000:8.1f} ms   load specs {t_load * 1000:8.1f} ms"
              f"   ratio {t_gen / t_load:5.2f}")
        print(f"  check coverage       {t_check * 1000:8.1f} ms   load specs {t_load * 1000:8.1f} ms"
              f"   ratio {t_check / t_load:5.2f}")
        print(f"  sdd openapi generate {t_cli_gen * 1000:8.1f} ms   sdd list   {t_cli_list * 1000:8.1f} ms"
              f"   ratio {t_cli_gen / t_cli_list:5.2f}")


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
