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
