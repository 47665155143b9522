"""`sdd openapi generate`: an OpenAPI 3.1 document that openapi-spec-validator accepts, with
one operation per declared operation and links back to the specs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

validator = pytest.importorskip("openapi_spec_validator")


def _generate(run_sdd, root: Path, *args: str) -> dict:
    r = run_sdd("-C", str(root), "openapi", "generate", *args)
    assert r.exit_code == 0, r.output
    return yaml.safe_load(r.stdout)


def test_document_is_valid_openapi_31(api_project, run_sdd) -> None:
    doc = _generate(run_sdd, api_project, "--title", "Billing API", "--version", "2.1.0")
    validator.validate(doc)  # raises on an invalid document
    assert doc["openapi"] == "3.1.0"
    assert doc["info"] == {"title": "Billing API", "version": "2.1.0"}
    # four operations: GET /invoices/{id} is declared twice (once as {invoiceId}) but is one
    # operation, spelled as the first spec (by id) wrote it
    assert set(doc["paths"]) == {"/invoices", "/invoices/{id}", "/payments",
                                 "/payments/{paymentId}"}
    methods = {(p, m) for p, item in doc["paths"].items() for m in item}
    assert methods == {("/invoices", "post"), ("/invoices/{id}", "get"), ("/payments", "get"),
                       ("/payments/{paymentId}", "delete")}
    assert [t["name"] for t in doc["tags"]] == ["billing", "crm"]


def test_operation_ids_summaries_and_parameters(api_project, run_sdd) -> None:
    paths = _generate(run_sdd, api_project)["paths"]
    get_invoice = paths["/invoices/{id}"]["get"]
    assert get_invoice["operationId"] == "getInvoice"            # given
    assert get_invoice["summary"] == "Fetch one invoice"          # given
    assert paths["/invoices"]["post"]["operationId"] == "postInvoices"       # derived
    assert paths["/invoices"]["post"]["summary"] == "Invoices"               # spec title
    assert paths["/payments"]["get"]["summary"] == "list payments"           # section line
    delete = paths["/payments/{paymentId}"]["delete"]
    assert delete["operationId"] == "deletePaymentsByPaymentId"
    assert delete["parameters"] == [{"name": "paymentId", "in": "path", "required": True,
                                     "schema": {"type": "string"}}]
    assert get_invoice["parameters"][0]["name"] == "id"
    assert "parameters" not in paths["/invoices"]["post"]


def test_descriptions_come_from_the_requirements(api_project, run_sdd) -> None:
    paths = _generate(run_sdd, api_project)["paths"]
    get_desc = paths["/invoices/{id}"]["get"]["description"]
    post_desc = paths["/invoices"]["post"]["description"]
    assert get_desc.startswith("Issue and read invoices.")
    # REQ-01 names /invoices/{id}: only the GET carries it; REQ-02 names /invoices: only
    # the POST; REQ-03 names no path: both
    assert "The API MUST return the invoice" in get_desc
    assert "The API MUST return the invoice" not in post_desc
    assert "MUST respond 201" in post_desc and "MUST respond 201" not in get_desc
    assert "Every change SHALL be audited." in get_desc
    assert "Every change SHALL be audited." in post_desc
    # status codes named by a requirement become responses, next to the default one
    assert set(paths["/invoices/{id}"]["get"]["responses"]) == {"404", "default"}
    assert set(paths["/invoices"]["post"]["responses"]) == {"201", "default"}
    assert set(paths["/payments"]["get"]["responses"]) == {"default"}


def test_x_sdd_spec_links_back_and_keeps_both_specs(api_project, run_sdd) -> None:
    r = run_sdd("-C", str(api_project), "openapi", "generate")
    paths = yaml.safe_load(r.stdout)["paths"]
    assert paths["/invoices/{id}"]["get"]["x-sdd-spec"] == [
        {"id": "billing/invoices", "path": ".sdd/specs/billing/invoices/spec.md",
         "status": "approved"},
        {"id": "crm/customers", "path": ".sdd/specs/crm/customers/spec.md", "status": "review"},
    ]
    assert paths["/invoices/{id}"]["get"]["tags"] == ["billing", "crm"]
    assert paths["/payments"]["get"]["x-sdd-spec"] == [
        {"id": "billing/payments", "path": ".sdd/specs/billing/payments/spec.md",
         "status": "draft"}]
    # the duplicate is reported, on stderr only
    assert "GET /invoices/{id} is declared by 2 specs" in r.stderr
    assert "declared by" not in r.stdout


def test_output_file_json_and_yaml(api_project, run_sdd, tmp_path) -> None:
    out = tmp_path / "out" / "openapi.json"
    r = run_sdd("-C", str(api_project), "openapi", "generate", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    doc = json.loads(out.read_text(encoding="utf-8"))
    validator.validate(doc)
    assert "Wrote 4 operation(s)" in r.stderr
    out_yaml = tmp_path / "openapi.yaml"
    run_sdd("-C", str(api_project), "openapi", "generate", "-o", str(out_yaml))
    assert yaml.safe_load(out_yaml.read_text(encoding="utf-8")) == doc


def test_malformed_declarations_are_skipped_with_a_warning(openapi, sdd_project, spec_text,
                                                           run_sdd) -> None:
    text = spec_text("a/b", extra={"api": [{"method": "FETCH", "path": "/x"},
                                           {"method": "GET", "path": "/ok"}]})
    root = sdd_project({"a/b/spec.md": text}).root
    r = run_sdd("-C", str(root), "openapi", "generate")
    assert r.exit_code == 0
    doc = yaml.safe_load(r.stdout)
    validator.validate(doc)
    assert list(doc["paths"]) == ["/ok"]
    assert "'FETCH' is not an HTTP method" in r.stderr


def test_no_declared_operations_is_still_a_valid_document(openapi, sdd_project, spec_text,
                                                          run_sdd) -> None:
    root = sdd_project({"a/b/spec.md": spec_text("a/b")}).root
    doc = _generate(run_sdd, root)
    validator.validate(doc)
    assert doc["paths"] == {} and doc["tags"] == []


def test_clashing_operation_ids_are_made_unique(openapi, sdd_project, spec_text,
                                                run_sdd) -> None:
    api = [{"method": "GET", "path": "/a", "operationId": "fetch"},
           {"method": "GET", "path": "/b", "operationId": "fetch"}]
    root = sdd_project({"a/b/spec.md": spec_text("a/b", extra={"api": api})}).root
    r = run_sdd("-C", str(root), "openapi", "generate")
    doc = yaml.safe_load(r.stdout)
    validator.validate(doc)
    assert doc["paths"]["/a"]["get"]["operationId"] == "fetch"
    assert doc["paths"]["/b"]["get"]["operationId"] == "fetch2"
    assert "operationId 'fetch'" in r.stderr


def test_deprecated_specs_and_domain_filter(openapi, sdd_project, spec_text, run_sdd) -> None:
    old = spec_text("a/old", status="deprecated", extra={"api": ["GET /old", "GET /shared"]})
    new = spec_text("b/new", extra={"api": ["GET /shared"]})
    root = sdd_project({"a/old/spec.md": old, "b/new/spec.md": new}).root
    paths = _generate(run_sdd, root)["paths"]
    assert paths["/old"]["get"]["deprecated"] is True
    assert "deprecated" not in paths["/shared"]["get"]   # b/new still declares it
    paths = _generate(run_sdd, root, "--domain", "b")["paths"]
    assert list(paths) == ["/shared"]
    assert [x["id"] for x in paths["/shared"]["get"]["x-sdd-spec"]] == ["b/new"]
