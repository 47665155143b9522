"""Spec texts shared by the DBML plugin's tests."""

from __future__ import annotations

HEAD = """\
---
id: {id}
title: {title}
status: draft
created: 2026-01-05
constitution_version: 1.0.0
---

# {title}

## Requirements

### REQ-01: Keep data

- The system MUST keep the data.

## Scenarios

### Scenario 1: Store

- **GIVEN** data
- **WHEN** it is saved
- **THEN** it is kept

"""

CUSTOMERS = HEAD.format(id="crm/customers", title="Customers") + """\
## Data Model

### Table customers

| Field | Type | Constraints | Notes |
|-------|------|-------------|-------|
| id | integer | pk, increment | |
| email | varchar(255) | unique, not null | login e-mail |
| created_at | timestamp | default: now() | |
| tier | text | default: basic | |
"""

INVOICES = HEAD.format(id="billing/invoices", title="Invoices") + """\
## Data Model

### Table invoices (invoice headers)

| Name | Data type | Attributes | References/Notes |
|------|-----------|------------|------------------|
| id | integer | PK | |
| customer_id | integer | not null | > customers.id — who pays |
| total | decimal(10,2) | default: 0 | in cents |
| issued_on | timestamp with time zone | | |

### invoice_lines

| Column | Type | Constraints | Ref |
|---|---|---|---|
| id | integer | primary key | |
| invoice_id | integer | not null | invoices.id |
| note | text | nullable | |
"""

LEDGER = HEAD.format(id="billing/ledger", title="Ledger") + """\
## Data Model

```dbml
Table ledger_entries as LE {
  id integer [pk]
  invoice_id integer [ref: > invoices.id, note: 'the { invoice }']
  amount int [not null]
}

Ref: LE.id - ledger_audit.entry_id
Table ledger_audit {
  entry_id integer
  "at" timestamp // when
}
```
"""

TYPES = ("int", "integer", "varchar(255)", "decimal(10,2)", "timestamp with time zone", "text",
         "bool", "uuid[]")
CONSTRAINTS = ("pk", "unique", "not null", "increment", "default: 0", "default: now()",
               "default: hello", "default: 'it''s'")
NOTE_CHARS = "abcdefgh xyz'{}.,-\"é"


def random_model(rnd) -> tuple[str, dict]:
    """A random data model as a spec's text, and what it describes:
    ``{"tables": {name: [(column, type, flags)]}, "refs": {(t, c, op, t2, c2)}}``."""
    def name(prefix: str) -> str:
        return prefix + "".join(rnd.choice("abcdefghij_0123") for _ in range(rnd.randint(0, 5)))

    tables: dict[str, list[tuple[str, str, frozenset[str]]]] = {}
    for i in range(rnd.randint(1, 5)):
        cols: dict[str, tuple[str, str, frozenset[str]]] = {}
        for j in range(rnd.randint(1, 5)):
            col = name(f"c{j}")
            flags = frozenset(rnd.sample(CONSTRAINTS, rnd.randint(0, 3)))
            cols[col] = (col, rnd.choice(TYPES), flags)
        tables[name(f"t{i}")] = list(cols.values())
    refs = set()
    linked: set[frozenset[tuple[str, str]]] = set()  # DBML allows one reference per pair
    rows: dict[str, list[str]] = {}
    for table, cols in tables.items():
        rows[table] = []
        for col, typ, flags in cols:
            ref = ""
            if rnd.random() < 0.4:
                target = rnd.choice(sorted(tables))
                target_col = rnd.choice(tables[target])[0]
                pair = frozenset({(table, col), (target, target_col)})
                if len(pair) == 2 and pair not in linked:
                    linked.add(pair)
                    op = rnd.choice((">", "<", "-", "<>", ""))
                    refs.add((table, col, op or ">", target, target_col))
                    ref = f"{op} {target}.{target_col}".strip()
            note = "".join(rnd.choice(NOTE_CHARS) for _ in range(rnd.randint(0, 12))).strip()
            rows[table].append(f"| {col} | {typ} | {', '.join(sorted(flags))} | {ref} | {note} |")
    text = HEAD.format(id="r/model", title="Model") + "## Data Model\n\n"
    for table in tables:
        text += (f"### Table {table}\n\n| Field | Type | Constraints | References | Notes |\n"
                 "|---|---|---|---|---|\n" + "\n".join(rows[table]) + "\n\n")
    return text, {"tables": tables, "refs": refs}
