"""`sdd openapi import`: skeletons through the core's write path, never over an existing spec."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sdd_core import hookimpl

DOC = """\
openapi: 3.1.0
info: {title: Billing, version: "1"}
tags:
  - name: invoices
    description: Issue and read invoices.
paths:
  /invoices:
    get:
      tags: [invoices]
      operationId: listInvoices
      summary: List invoices
      parameters:
        - {name: limit, in: query}
      responses:
        200: {description: OK}
    post:
      tags: [invoices]
      operationId: createInvoice
      requestBody:
        required: true
        content:
          application/json: {}
      responses:
        201: {description: Created}
        422: {description: The invoice is invalid}
  /invoices/{id}:
    parameters:
      - {name: id, in: path, required: true}
    get:
      tags: [invoices]
      operationId: getInvoice
      summary: Fetch one invoice
      responses:
        200: {description: OK}
        404: {$ref: '#/components/responses/NotFound'}
  /customers:
    get:
      tags: [Customers]
      responses:
        200: {description: The customers}
  /health:
    get:
      responses:
        204: {description: No content}
components:
  responses:
    NotFound: {description: No such invoice}
"""


class Recorder:
    """A test plugin that records every event and may refuse spec creation."""

    def __init__(self, deny_create: bool = False) -> None:
        self.events: list[Any] = []
        self.deny_create = deny_create

    @hookimpl
    def on_event(self, project: Any, event: Any) -> None:
        self.events.append(event)

    @hookimpl
    def authorize(self, actor: Any, action: str, resource: Any) -> bool | None:
        if self.deny_create and action == "spec.create":
            return False
        return None


def _doc(tmp_path: Path) -> Path:
    path = tmp_path / "openapi.yaml"
    path.write_text(DOC, encoding="utf-8")
    return path


def _front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def _specs_dir(root: Path) -> Path:
    return root / ".sdd" / "specs"


def test_import_by_tag_writes_through_the_core(openapi, sdd_project, sdd_plugin, run_sdd,
                                               tmp_path) -> None:
    recorder = sdd_plugin(Recorder(), "recorder")
    root = sdd_project({}).root
    r = run_sdd("-C", str(root), "openapi", "import", str(_doc(tmp_path)), "--domain",
                "billing", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = {row["spec"]: row for row in r.json()["specs"]}
    assert set(rows) == {"billing/invoices", "billing/customers", "billing/health"}
    assert {row["action"] for row in rows.values()} == {"created"}
    assert rows["billing/invoices"]["operations"] == [
        "GET /invoices", "POST /invoices", "GET /invoices/{id}"]
    # one spec.created event per spec, from Project.write_spec
    assert sorted((e.type, e.resource) for e in recorder.events) == [
        ("spec.created", "billing/customers"), ("spec.created", "billing/health"),
        ("spec.created", "billing/invoices")]
    assert all(e.details["source"] == "openapi" for e in recorder.events)

    fm = _front_matter(_specs_dir(root) / "billing/invoices/spec.md")
    assert fm["status"] == "draft" and fm["tags"] == ["invoices"]
    assert fm["constitution_version"] == "1.0.0"
    assert fm["api"] == [
        {"method": "GET", "path": "/invoices", "operationId": "listInvoices",
         "summary": "List invoices"},
        {"method": "POST", "path": "/invoices", "operationId": "createInvoice"},
        {"method": "GET", "path": "/invoices/{id}", "operationId": "getInvoice",
         "summary": "Fetch one invoice"},
    ]


def test_requirements_and_scenarios_derive_from_the_operations(openapi, sdd_project, run_sdd,
                                                               tmp_path) -> None:
    root = sdd_project({}).root
    run_sdd("-C", str(root), "openapi", "import", str(_doc(tmp_path)), "--domain", "billing")
    r = run_sdd("-C", str(root), "show", "billing/invoices", "--format", "json")
    spec = r.json()
    assert spec["description"] == "Issue and read invoices."
    reqs = {q["title"]: q["text"] for q in spec["requirements"]}
    assert set(reqs) == {"GET /invoices — List invoices", "POST /invoices — createInvoice",
                         "GET /invoices/{id} — Fetch one invoice"}
    assert "The API MAY accept query parameter `limit`." in reqs["GET /invoices — List invoices"]
    post = reqs["POST /invoices — createInvoice"]
    assert "The API MUST accept a request body (application/json)." in post
    assert "The API MUST respond 201 on success." in post
    assert "The API MUST respond 422 when the invoice is invalid." in post
    one = reqs["GET /invoices/{id} — Fetch one invoice"]
    assert "The API MUST accept path parameter `id`." in one   # from the path item
    assert "The API MUST respond 404 when no such invoice." in one  # through a $ref
    assert [s["name"] for s in spec["scenarios"]] == [
        "List invoices", "createInvoice", "Fetch one invoice"]
    assert all(len(s["steps"]) == 3 for s in spec["scenarios"])


def test_imported_specs_validate_and_cover_the_document(openapi, sdd_project, run_sdd,
                                                        tmp_path) -> None:
    root = sdd_project({}).root
    doc = str(_doc(tmp_path))
    run_sdd("-C", str(root), "openapi", "import", doc)
    r = run_sdd("-C", str(root), "validate", "--format", "json")
    assert r.exit_code == 0, r.output
    assert r.json()["errors"] == 0 and r.json()["warnings"] == 0
    r = run_sdd("-C", str(root), "openapi", "check", doc, "--ci", "--format", "json")
    assert r.exit_code == 0, r.output
    assert r.json()["coverage"] == 100.0
    # the status codes survive the round trip: generate reads them from the requirements
    r = run_sdd("-C", str(root), "openapi", "generate")
    paths = yaml.safe_load(r.stdout)["paths"]
    assert set(paths["/invoices"]["post"]["responses"]) == {"201", "422", "default"}
    assert set(paths["/invoices/{id}"]["get"]["responses"]) == {"200", "404", "default"}
    assert paths["/health"]["get"]["x-sdd-spec"][0]["id"] == "api/health"


def test_existing_specs_are_never_overwritten(openapi, sdd_project, sdd_plugin, spec_text,
                                              run_sdd, tmp_path) -> None:
    mine = spec_text("billing/invoices", title="Mine")
    root = sdd_project({"billing/invoices/spec.md": mine}).root
    recorder = sdd_plugin(Recorder(), "recorder")
    r = run_sdd("-C", str(root), "openapi", "import", str(_doc(tmp_path)), "--domain",
                "billing", "--format", "json")
    assert r.exit_code == 0, r.output
    actions = {row["spec"]: row["action"] for row in r.json()["specs"]}
    assert actions == {"billing/invoices": "skipped", "billing/customers": "created",
                       "billing/health": "created"}
    assert (_specs_dir(root) / "billing/invoices/spec.md").read_text(encoding="utf-8") == mine
    assert "billing/invoices" not in {e.resource for e in recorder.events}
    assert "1 skipped" in r.stderr and "2 created" in r.stderr
    # importing again creates nothing
    r = run_sdd("-C", str(root), "openapi", "import", str(_doc(tmp_path)), "--domain",
                "billing", "--format", "json")
    assert {row["action"] for row in r.json()["specs"]} == {"skipped"}


def test_a_spec_with_the_same_id_elsewhere_is_not_shadowed(openapi, sdd_project, spec_text,
                                                           run_sdd, tmp_path) -> None:
    # a flat file whose id is api/invoices: the importer must not create a second one
    root = sdd_project({"legacy.md": spec_text("api/invoices")}).root
    r = run_sdd("-C", str(root), "openapi", "import", str(_doc(tmp_path)), "--format", "json")
    actions = {row["spec"]: row["action"] for row in r.json()["specs"]}
    assert actions["api/invoices"] == "skipped"
    assert not (_specs_dir(root) / "api/invoices/spec.md").exists()


def test_dry_run_writes_nothing(openapi, sdd_project, sdd_plugin, run_sdd, tmp_path) -> None:
    root = sdd_project({}).root
    recorder = sdd_plugin(Recorder(), "recorder")
    r = run_sdd("-C", str(root), "openapi", "import", str(_doc(tmp_path)), "--dry-run")
    assert r.exit_code == 0, r.output
    assert r.stdout.count("would create") == 3
    assert list(_specs_dir(root).rglob("*.md")) == []
    assert recorder.events == []


def test_a_refused_write_stops_the_import(openapi, sdd_project, sdd_plugin, run_sdd,
                                          tmp_path) -> None:
    root = sdd_project({}).root
    sdd_plugin(Recorder(deny_create=True), "recorder")
    r = run_sdd("-C", str(root), "openapi", "import", str(_doc(tmp_path)))
    assert r.exit_code == 4
    assert "may not spec.create" in r.stderr
    assert list(_specs_dir(root).rglob("*.md")) == []


def test_import_by_operation(openapi, sdd_project, run_sdd, tmp_path) -> None:
    root = sdd_project({}).root
    r = run_sdd("-C", str(root), "openapi", "import", str(_doc(tmp_path)), "--by",
                "operation", "--domain", "Billing API", "--format", "json")
    assert r.exit_code == 0, r.output
    assert sorted(row["spec"] for row in r.json()["specs"]) == [
        "billing-api/create-invoice", "billing-api/get-customers", "billing-api/get-health",
        "billing-api/get-invoice", "billing-api/list-invoices"]
    fm = _front_matter(_specs_dir(root) / "billing-api/get-invoice/spec.md")
    assert fm["title"] == "Fetch one invoice"
    assert fm["api"] == [{"method": "GET", "path": "/invoices/{id}",
                          "operationId": "getInvoice", "summary": "Fetch one invoice"}]
