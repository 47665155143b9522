"""Fixtures of the OpenAPI plugin's tests: projects whose specs declare operations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

INVOICES = """\
---
id: billing/invoices
title: Invoices
status: approved
created: 2026-01-05
constitution_version: 1.0.0
api:
  - method: GET
    path: /invoices/{id}
    operationId: getInvoice
    summary: Fetch one invoice
  - method: POST
    path: /invoices
---

# Invoices

> Issue and read invoices.

## Requirements

### REQ-01: Read an invoice

- The API MUST return the invoice at `/invoices/{id}` with its lines.
- The API MUST respond 404 when `/invoices/{id}` names no invoice.

### REQ-02: Issue an invoice

- The API MUST respond 201 when `/invoices` creates an invoice.

### REQ-03: Audit

- Every change SHALL be audited.

## Scenarios

### Scenario 1: Read

- **GIVEN** an invoice
- **WHEN** a client reads it
- **THEN** it gets the invoice
"""

PAYMENTS = """\
---
id: billing/payments
title: Payments
status: draft
created: 2026-01-05
constitution_version: 1.0.0
---

# Payments

## API

The payments API is versioned by header.

- GET /payments — list payments
- `DELETE /payments/{paymentId}`

## Requirements

### REQ-01: List

- The API MUST page the payments list.

## Scenarios

### Scenario 1: List

- **GIVEN** payments
- **WHEN** a client lists them
- **THEN** it gets a page
"""

CUSTOMERS = """\
---
id: crm/customers
title: Customers
status: review
created: 2026-01-05
constitution_version: 1.0.0
---

# Customers

## API

- GET /invoices/{invoiceId} — a customer's invoice

## Requirements

### REQ-01: Show

- The API MUST show a customer's invoice.

## Scenarios

### Scenario 1: Show

- **GIVEN** a customer
- **WHEN** they ask for an invoice
- **THEN** they get it
"""


@pytest.fixture
def openapi(sdd_entrypoints: Callable[..., None]) -> None:
    """Load the installed ``openapi`` entry point (and only it)."""
    sdd_entrypoints("openapi")


@pytest.fixture
def api_project(openapi: None, sdd_project: Callable[..., Any]) -> Path:
    """A project of three specs: two declare GET /invoices/{...} (structurally equal)."""
    return sdd_project({
        "billing/invoices/spec.md": INVOICES,
        "billing/payments/spec.md": PAYMENTS,
        "crm/customers/spec.md": CUSTOMERS,
    }).root
