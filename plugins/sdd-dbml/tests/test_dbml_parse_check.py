"""The exported DBML parses with the reference parser, @dbml/core (npm), run by node.

Setup: ``(cd plugins/sdd-dbml/tests/js && npm install --no-audit --no-fund)``. Without node or
the package the tests are skipped locally; with ``CI`` set they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from dbml_helpers import HEAD, random_model

JS = Path(__file__).parent / "js"


def _parser() -> list[str]:
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not installed"
    elif not (JS / "node_modules" / "@dbml" / "core").is_dir():
        missing = ("@dbml/core is not installed: run"
                   " `(cd plugins/sdd-dbml/tests/js && npm install --no-audit --no-fund)`")
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI: {missing}")
        pytest.skip(missing)
    return [node, str(JS / "parse.js")]  # type: ignore[list-item]


def _parse(text: str) -> dict:
    out = subprocess.run(_parser(), input=text, capture_output=True, text=True, cwd=JS,
                         timeout=60, check=False)
    data = json.loads(out.stdout or "{}")
    assert out.returncode == 0 and data.get("ok"), f"DBML does not parse: {data} {out.stderr}"
    return data


def test_the_parser_rejects_bad_dbml() -> None:
    """The check is real: an undefined table in a Ref fails to parse."""
    out = subprocess.run(_parser(), input="Table a {\n  id int\n}\nRef: a.id > b.id\n",
                         capture_output=True, text=True, cwd=JS, timeout=60,
                         check=False)
    assert out.returncode == 1
    assert json.loads(out.stdout)["ok"] is False


def test_exported_model_parses(model_project, run_sdd) -> None:
    r = run_sdd("-C", str(model_project), "dbml", "export")
    assert r.exit_code == 0, r.output
    data = _parse(r.stdout)
    assert sorted(t["name"] for t in data["tables"]) == [
        "customers", "invoice_lines", "invoices", "ledger_audit", "ledger_entries"]
    # two Ref lines from field tables, one Ref line and one inline ref in the block
    assert data["refs"] == 4
    fields = {t["name"]: t["fields"] for t in data["tables"]}
    assert fields["invoices"] == ["id", "customer_id", "total", "issued_on"]


def test_export_with_duplicates_unknown_refs_and_odd_names_parses(dbml, sdd_project,
                                                                   run_sdd) -> None:
    one = HEAD.format(id="a/one", title="One") + """\
## Data Model

### Table items

| Field | Type | Constraints | Ref / Notes |
|---|---|---|---|
| id | int | pk | it's the id |
| owner | int | default: 'o''k' | > ghosts.id |
| self | int | | > items.self |
| other_id | int | | > other.id |
| "line total" | money amount | default: now() | |
| flag | bool | default: true | |

### Table billing.accounts

| Field | Type | Constraints |
|---|---|---|
| id | int | pk |
| item | int | ref: > items.id |
"""
    two = HEAD.format(id="b/two", title="Two") + """\
## Data Model

```dbml
Table items {
  id int
}

Table other {
  id int [pk, note: 'braces { } in a note']
  item int [ref: > items.id]
}
Ref: items.other_id > other.id
```
"""
    root = sdd_project({"a/one/spec.md": one, "b/two/spec.md": two}).root
    r = run_sdd("-C", str(root), "dbml", "export")
    assert r.exit_code == 0, r.output
    data = _parse(r.stdout)
    assert sorted(t["name"] for t in data["tables"]) == ["billing.accounts", "items", "other"]
    # accounts.item > items.id, other.item > items.id, items.other_id > other.id (once: the
    # field table's copy is left out, and so is the self reference)
    assert data["refs"] == 3


def test_random_models_parse(dbml) -> None:
    """Forty random data models (names, types, settings, notes with quotes and braces,
    references of every kind), exported and parsed in one node process."""
    import random

    from sdd_dbml.export import to_dbml
    from sdd_dbml.parse import parse_model

    from sdd_core import parse_spec

    docs, expected = [], []
    for seed in range(40):
        text, model = random_model(random.Random(seed))
        spec = parse_spec(text, ".sdd/specs/r/model.md", "r/model.md").spec
        assert spec is not None
        docs.append(to_dbml(parse_model(spec)).text)
        expected.append(model)
    out = subprocess.run([*_parser(), "--many"], input=json.dumps(docs), capture_output=True,
                         text=True, cwd=JS, timeout=120, check=False)
    results = json.loads(out.stdout)
    for doc, result, model in zip(docs, results, expected):
        assert result["ok"], f"{result['errors']}\n{doc}"
        assert sorted(t["name"] for t in result["tables"]) == sorted(model["tables"])
        assert result["refs"] == len(model["refs"])
