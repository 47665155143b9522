"""Rules D001 (a reference to an unknown table or column), D002 (a table defined twice) and
D003 (a data model that cannot be read), each with file and line."""

from __future__ import annotations

from dbml_helpers import HEAD

ORDERS = HEAD.format(id="shop/orders", title="Orders") + """\
## Data Model

### Table orders

| Field | Type | Constraints | References |
|---|---|---|---|
| id | int | pk | |
| customer_id | int | not null | > customer.id |
| item_id | int | | items.code |

### Table items

| Field | Type |
|---|---|
| id | int |

```dbml
Table shipments {
  id int [pk]
  order_id int [ref: > orders.number]
}
Ref: shipments.id > carriers.id
```
"""

DUPLICATE = HEAD.format(id="stock/items", title="Stock") + """\
## Data Model

### Table items

| Field | Type |
|---|---|
| id | int |
"""

CUSTOMERS = HEAD.format(id="crm/customers", title="Customers") + """\
## Data Model

### Table customers

| Field | Type |
|---|---|
| id | int |
"""


def _line(text: str, needle: str) -> int:
    """The 1-based line of the first line of ``text`` containing ``needle``."""
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


def _findings(run_sdd, root, code):
    r = run_sdd("-C", str(root), "validate", "--format", "json")
    return r, sorted((f["path"], f["line"], f["message"]) for f in r.json()["findings"]
                      if f["code"] == code)


def test_unknown_tables_and_columns(dbml, sdd_project, run_sdd) -> None:
    root = sdd_project({"shop/orders/spec.md": ORDERS, "crm/customers/spec.md": CUSTOMERS}).root
    r, found = _findings(run_sdd, root, "D001")
    assert r.exit_code == 1
    path = ".sdd/specs/shop/orders/spec.md"
    assert found == sorted([
        (path, _line(ORDERS, "| customer_id |"),
         ("reference orders.customer_id > customer.id: unknown table 'customer'"
          " (did you mean 'customers'?)")),
        (path, _line(ORDERS, "| item_id |"),
         "reference orders.item_id > items.code: table 'items' has no column 'code'"),
        (path, _line(ORDERS, "order_id int"),
         ("reference shipments.order_id > orders.number: table 'orders' has no column"
          " 'number'")),
        (path, _line(ORDERS, "Ref: shipments.id"),
         "reference shipments.id > carriers.id: unknown table 'carriers'"),
    ])


def test_references_that_resolve_are_not_flagged(model_project, run_sdd) -> None:
    r = run_sdd("-C", str(model_project), "validate", "--format", "json")
    assert r.exit_code == 0, r.output
    assert [f for f in r.json()["findings"] if f["code"].startswith("D")] == []


def test_a_table_defined_by_two_specs(dbml, sdd_project, run_sdd) -> None:
    root = sdd_project({"shop/orders/spec.md": ORDERS, "stock/items/spec.md": DUPLICATE,
                        "crm/customers/spec.md": CUSTOMERS}).root
    _, found = _findings(run_sdd, root, "D002")
    # shop/orders comes first by id: the stock/items definition is the duplicate
    assert found == [(".sdd/specs/stock/items/spec.md", _line(DUPLICATE, "### Table items"),
                      ("table 'items' is already defined by shop/orders"
                       f" (.sdd/specs/shop/orders/spec.md:{_line(ORDERS, '### Table items')})"))]


def test_a_table_defined_twice_in_one_spec(dbml, sdd_project, run_sdd) -> None:
    text = DUPLICATE + """
```dbml
Table items {
  id int
}
```
"""
    root = sdd_project({"stock/items/spec.md": text}).root
    _, found = _findings(run_sdd, root, "D002")
    assert [(line, message.split(" (")[0]) for _, line, message in found] == [
        (_line(text, "Table items {"), "table 'items' is already defined earlier in this spec")]


def test_unreadable_data_models_are_warnings(dbml, sdd_project, run_sdd) -> None:
    text = HEAD.format(id="a/b", title="B") + """\
## Data Model

| Field | Type |
|---|---|
| id | int |

### Table empty

Nothing here yet.

### Table typeless

| Field | Type |
|---|---|
| id | |
| | |

```dbml
Table open {
  id int
```
"""
    root = sdd_project({"a/b/spec.md": text}).root
    r, found = _findings(run_sdd, root, "D003")
    assert r.exit_code == 0  # warnings only
    assert [(line, message) for _, line, message in found] == [
        (_line(text, "| Field | Type |"),
         "a field table in the data model needs a '### Table name' heading above it"),
        (_line(text, "### Table empty"), "table 'empty' has no field table"),
        (_line(text, "| id | |"), "table 'typeless': field 'id' has no type"),
        (_line(text, "Table open {"), "a '{' opened here is never closed"),
    ]


def test_prose_headings_under_data_model_are_not_tables(dbml, sdd_project, run_sdd) -> None:
    text = CUSTOMERS + """
### Notes

Customers are never deleted.
"""
    root = sdd_project({"crm/customers/spec.md": text}).root
    r, found = _findings(run_sdd, root, "D003")
    assert found == [] and r.exit_code == 0


LINKS = HEAD.format(id="shop/links", title="Links") + """\
## Data Model

### Table a

| Field | Type | Ref |
|---|---|---|
| id | int | |
| b_id | int | > b.id |
| me | int | a.me |

### Table b

| Field | Type | Ref |
|---|---|---|
| id | int | - a.b_id |

```dbml
Table c {
  id int [ref: > b.id]
}
Ref: b.id < c.id
```
"""


def test_two_references_between_the_same_columns(dbml, sdd_project, run_sdd) -> None:
    root = sdd_project({"shop/links/spec.md": LINKS}).root
    r, found = _findings(run_sdd, root, "D004")
    path = ".sdd/specs/shop/links/spec.md"
    assert r.exit_code == 1
    # references in DBML blocks count first (they are exported as written), then by line
    assert found == sorted([
        (path, _line(LINKS, "Ref: b.id < c.id"),
         (f"reference b.id < c.id links the same columns as c.id > b.id ({path}:"
          f"{_line(LINKS, 'id int [ref: > b.id]')})")),
        (path, _line(LINKS, "| id | int | - a.b_id |"),
         (f"reference b.id - a.b_id links the same columns as a.b_id > b.id ({path}:"
          f"{_line(LINKS, '| b_id |')})")),
    ])
    _, self_ref = _findings(run_sdd, root, "D001")
    assert self_ref == [(path, _line(LINKS, "| me |"),
                         "reference a.me > a.me: both ends are the same column")]
    r = run_sdd("-C", str(root), "dbml", "export")
    assert [line for line in r.stdout.splitlines() if line.startswith("Ref: ")] == [
        "Ref: b.id < c.id", "Ref: a.b_id > b.id"]
    assert "reference b.id - a.b_id left out" in r.stderr
    assert "reference a.me > a.me left out: both ends are the same column" in r.stderr
