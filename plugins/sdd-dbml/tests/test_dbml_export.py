"""`sdd dbml export`: one DBML document of every table, with settings, notes and Ref lines,
in a deterministic order."""

from __future__ import annotations

from dbml_helpers import HEAD


def _export(run_sdd, root, *args):
    r = run_sdd("-C", str(root), "dbml", "export", *args)
    assert r.exit_code == 0, r.output
    return r


def _blocks(text: str) -> dict[str, list[str]]:
    """Table name -> its lines (without the braces)."""
    out: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("Table "):
            current = line.split()[1]
            out[current] = []
        elif line.startswith("}"):
            current = None
        elif current is not None:
            out[current].append(line)
    return out


def test_tables_columns_and_settings(model_project, run_sdd) -> None:
    text = _export(run_sdd, model_project).stdout
    tables = _blocks(text)
    assert tables["customers"] == [
        "  id integer [pk, increment]",
        "  email varchar(255) [unique, not null, note: 'login e-mail']",
        "  created_at timestamp [default: `now()`]",
        "  tier text [default: 'basic']",
        "  Note: 'spec crm/customers'",
    ]
    assert tables["invoices"] == [
        "  id integer [pk]",
        "  customer_id integer [not null, note: 'who pays']",
        "  total decimal(10,2) [default: 0, note: 'in cents']",
        '  issued_on "timestamp with time zone"',
        "  Note: 'spec billing/invoices: invoice headers'",
    ]
    assert tables["invoice_lines"] == [
        "  id integer [pk]",
        "  invoice_id integer [not null]",
        "  note text [null]",
        "  Note: 'spec billing/invoices'",
    ]


def test_order_refs_and_passed_through_blocks(model_project, run_sdd) -> None:
    text = _export(run_sdd, model_project).stdout
    lines = text.splitlines()
    # field tables sorted by name, then the DBML block of billing/ledger, then the Refs
    starts = [line.split()[1] for line in lines if line.startswith("Table ")]
    assert starts == ["customers", "invoice_lines", "invoices", "ledger_entries", "ledger_audit"]
    assert [line for line in lines if line.startswith("Ref:")] == [
        "Ref: LE.id - ledger_audit.entry_id",            # from the block, as written
        "Ref: invoice_lines.invoice_id > invoices.id",
        "Ref: invoices.customer_id > customers.id",
    ]
    assert "  invoice_id integer [ref: > invoices.id, note: 'the { invoice }']" in lines
    assert "// spec billing/ledger (.sdd/specs/billing/ledger/spec.md:28)" in lines
    assert lines[-2:] == ["Ref: invoice_lines.invoice_id > invoices.id",
                          "Ref: invoices.customer_id > customers.id"]


def test_export_is_deterministic_and_writes_files(model_project, run_sdd, tmp_path) -> None:
    first = _export(run_sdd, model_project).stdout
    assert _export(run_sdd, model_project).stdout == first
    out = tmp_path / "db" / "schema.dbml"
    r = _export(run_sdd, model_project, "-o", str(out))
    assert r.stdout == "" and "Wrote 5 table(s)" in r.stderr
    assert out.read_text(encoding="utf-8") == first
    # the same document through the core's export command
    r = run_sdd("-C", str(model_project), "export", "--format", "dbml")
    assert r.exit_code == 0, r.output
    assert r.stdout == first


def test_domain_filter(model_project, run_sdd) -> None:
    text = _export(run_sdd, model_project, "--domain", "crm").stdout
    assert [line.split()[1] for line in text.splitlines() if line.startswith("Table ")] == [
        "customers"]
    assert "Ref:" not in text


def test_tolerant_column_names_and_reference_forms(dbml, sdd_project, run_sdd) -> None:
    spec = HEAD.format(id="a/shop", title="Shop") + """\
## Data Model

### `users`

| Column name | Datatype | Settings |
|---|---|---|
| **id** | `uuid` | PK |
| manager_id | uuid | ref: > users.id |

### Table: orders

| Attribute | Type | Required | Foreign key | Description |
|---|---|---|---|---|
| id | bigint | yes | | |
| user_id | uuid | yes | → users.id | buyer |
| parent | bigint | no | orders(id) | |
| twin | bigint | | - orders.id | |
"""
    root = sdd_project({"a/shop/spec.md": spec}).root
    text = _export(run_sdd, root).stdout
    tables = _blocks(text)
    assert tables["users"][:2] == ["  id uuid [pk]", "  manager_id uuid"]
    assert tables["orders"][:4] == ["  id bigint [not null]",
                                    "  user_id uuid [not null, note: 'buyer']",
                                    "  parent bigint [null]", "  twin bigint"]
    assert sorted(line for line in text.splitlines() if line.startswith("Ref:")) == [
        "Ref: orders.parent > orders.id", "Ref: orders.twin - orders.id",
        "Ref: orders.user_id > users.id", "Ref: users.manager_id > users.id"]


def test_notes_are_not_mistaken_for_references(dbml, sdd_project, run_sdd) -> None:
    spec = HEAD.format(id="a/b", title="B") + """\
## Data Model

### Table things

| Field | Type | References/Notes |
|---|---|---|
| id | int | e.g. an id, see docs.example for more |
"""
    root = sdd_project({"a/b/spec.md": spec}).root
    text = _export(run_sdd, root).stdout
    assert "Ref:" not in text
    assert "  id int [note: 'e.g. an id, see docs.example for more']" in text


def test_duplicates_and_unknown_refs_are_left_out_with_warnings(dbml, sdd_project,
                                                                run_sdd) -> None:
    one = HEAD.format(id="a/one", title="One") + """\
## Data Model

### Table items

| Field | Type | Ref |
|---|---|---|
| id | int | |
| owner | int | ghosts.id |
"""
    two = HEAD.format(id="b/two", title="Two") + """\
## Data Model

```dbml
Table items {
  id int
}

Table other {
  id int [pk]
}
```
"""
    root = sdd_project({"a/one/spec.md": one, "b/two/spec.md": two}).root
    r = _export(run_sdd, root)
    assert r.stdout.count("Table items {") == 1
    assert "Table other {" in r.stdout
    assert "ghosts" not in r.stdout
    assert "table 'items' is already defined by a/one" in r.stderr
    assert "reference items.owner > ghosts.id left out: unknown table 'ghosts'" in r.stderr


def test_no_data_model(dbml, sdd_project, spec_text, run_sdd) -> None:
    root = sdd_project({"a/b/spec.md": spec_text("a/b")}).root
    r = _export(run_sdd, root)
    assert [line for line in r.stdout.splitlines() if line and not line.startswith("//")] == []
