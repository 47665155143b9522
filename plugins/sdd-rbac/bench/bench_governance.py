"""Governance overhead: RBAC filtering and audit writing/verifying, for 1k and 10k.

    .venv/bin/python plugins/sdd-rbac/bench/bench_governance.py

Prints, per size: `visible()` over every spec with no access plugin, with one authorize hook
that abstains (the baseline: the cost of asking at all), and with sdd-rbac and a policy restricting one domain in three; appending N audit records; verifying
a log of N records. Ratios are against the baseline measured in the same process.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

#: The repository's bench/ folder (shared helpers and the project generator).
BENCH = next(p / "bench" for p in Path(__file__).resolve().parents
             if (p / "bench" / "benchkit.py").is_file())
sys.path.insert(0, str(BENCH))
os.environ["SDD_LOAD_PLUGINS"] = ""

from benchkit import best_time, speed_line


def main() -> None:
    import sdd_rbac
    from generate import generate  # type: ignore[import-not-found]
    from sdd_audit.chain import AuditLog, format_timestamp

    from sdd_core import Actor, hookimpl, plugins
    from sdd_core.project import Project

    print(speed_line())
    for n in (1000, 10000):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "p"
            generate(root, n, seed=1)
            plugins.reset()
            project = Project(root)
            specs = project.index().specs()
            domains = sorted({s.domain for s in specs})
            pm = plugins.get_plugin_manager()
            none = best_time(3, lambda p=project, s=specs: p.visible(s, Actor(name="u")))

            class Abstain:
                @hookimpl
                def authorize(self, actor, action, resource):  # type: ignore[no-untyped-def]
                    return None

            pm.register_plugin(Abstain(), "abstain")
            base = best_time(3, lambda p=project, s=specs: p.visible(s, Actor(name="u")))
            pm.unregister_plugin("abstain")
            pm.register_plugin(sdd_rbac, "rbac")
            restricted = domains[::3]
            lines = ["org_admins: ['@root']", "domains:"]
            for d in domains:
                lines.append(f"  {d}:")
                lines.append("    contributors: ['@u']" if d in domains[1::3] else
                             "    viewers: []")
                if d in restricted:
                    lines.append("    visibility: restricted")
            (root / ".sdd/access.yml").write_text("\n".join(lines) + "\n")
            project = Project(root)
            seen = len(project.visible(specs, Actor(name="u")))
            rbac = best_time(3, lambda p=project, s=specs: p.visible(s, Actor(name="u")))
            print(f"{n:>6} specs  visible(): no access plugin {none * 1000:5.1f} ms, baseline"
                  f" (one abstaining authorize hook) {base * 1000:6.1f} ms, with rbac"
                  f" {rbac * 1000:7.1f} ms ({rbac / base:4.1f}x; {seen} of {len(specs)} visible)")

            log = AuditLog(Path(tmp) / "audit")
            now = format_timestamp(dt.datetime.now(dt.UTC))
            t0 = time.perf_counter()
            for i in range(n):
                log.append({"id": str(i), "timestamp": now, "actor": "@u",
                            "action": "spec.updated", "resource": "a/b",
                            "details": {"diff": "x" * 200}})
            append = time.perf_counter() - t0
            verify = best_time(1, log.verify)
            print(f"{n:>6} records  append {append / n * 1e6:7.0f} us/record (fsync),"
                  f" verify {verify * 1000:7.1f} ms ({verify / n * 1e6:.1f} us/record)")
            plugins.reset()


if __name__ == "__main__":
    main()
