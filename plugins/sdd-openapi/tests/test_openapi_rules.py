"""Rules O001 (malformed operation declarations, with their lines) and O002 (an operation
declared by two specs)."""

from __future__ import annotations

BAD = """\
---
id: a/bad
title: Bad
status: draft
created: 2026-01-05
constitution_version: 1.0.0
api:
  - method: FETCH
    path: /x
  - method: GET
    path: invoices
  - method: GET
    path: /a/{id
  - GET /fine
  - path: /nomethod
---

# Bad

## API

- GET invoices/{id}
- POST /a/{id}}/b
- PATCH /ok/{x}
- The API is versioned.
- get /lower/{a}/{a}

```
GET nothing-in-a-fence
```

## Requirements

### REQ-01: R

- It MUST work.

## Scenarios

### Scenario 1: S

- **GIVEN** a
- **WHEN** b
- **THEN** c
"""


def _findings(run_sdd, root, code):
    r = run_sdd("-C", str(root), "validate", "--format", "json")
    return r, [f for f in r.json()["findings"] if f["code"] == code]


def test_malformed_operations_are_reported_with_file_and_line(openapi, sdd_project,
                                                              run_sdd) -> None:
    root = sdd_project({"a/bad.md": BAD}).root
    r, found = _findings(run_sdd, root, "O001")
    assert r.exit_code == 1
    got = {(f["line"], f["message"].split(": ", 1)[1]) for f in found}
    assert got == {
        (8, ("'FETCH' is not an HTTP method OpenAPI describes"
             " (GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE)")),
        (10, "path 'invoices' does not start with '/'"),
        (12, "path '/a/{id' has a '{' that is never closed"),
        (15, "api entry has no 'method'"),
        (22, "path 'invoices/{id}' does not start with '/'"),
        (23, "path '/a/{id}}/b' has a '}' without its '{'"),
        (26, "path '/lower/{a}/{a}' names parameter 'a' twice"),
    }
    assert {f["path"] for f in found} == {".sdd/specs/a/bad.md"}
    assert {f["severity"] for f in found} == {"error"}


def test_well_formed_declarations_pass(openapi, api_project, run_sdd) -> None:
    r, found = _findings(run_sdd, api_project, "O001")
    assert found == []
    assert r.exit_code == 0


def test_api_that_is_not_a_list(openapi, sdd_project, spec_text, run_sdd) -> None:
    root = sdd_project({"a/b/spec.md": spec_text("a/b", extra={"api": 42})}).root
    _, found = _findings(run_sdd, root, "O001")
    assert [f["message"] for f in found] == [
        ("malformed API operation 'api': front matter 'api' must be a list of operations"
         " (method and path)")]


def test_an_operation_declared_twice_is_a_warning_on_both(openapi, api_project,
                                                          run_sdd) -> None:
    r, found = _findings(run_sdd, api_project, "O002")
    assert r.exit_code == 0  # a warning
    assert {(f["spec_id"], f["line"]) for f in found} == {
        ("billing/invoices", 8),   # its `- method: GET` entry
        ("crm/customers", 13),     # its `- GET /invoices/{invoiceId}` line
    }
    first = next(f for f in found if f["spec_id"] == "billing/invoices")
    assert first["message"] == ("GET /invoices/{id} is also declared by crm/customers"
                                " (.sdd/specs/crm/customers/spec.md:13)")


def test_the_plugin_is_listed_with_its_hooks(openapi, run_sdd) -> None:
    r = run_sdd("plugins", "--format", "json")
    assert r.exit_code == 0
    entry = next(p for p in r.json()["plugins"] if p["name"] == "openapi")
    assert entry["distribution"] == "sdd-openapi"
    assert set(entry["hooks"]) == {"register_commands", "register_rules"}
