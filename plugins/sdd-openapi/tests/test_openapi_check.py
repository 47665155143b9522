"""`sdd openapi check`: coverage of a document by the specs, gaps both ways, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

# GET /invoices/{invoiceId} and POST /invoices are declared by the specs (the first under
# another parameter name); GET /customers and PUT /invoices/{id} are not. The specs also
# declare GET /payments and DELETE /payments/{paymentId}, which the document lacks.
DOC = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/invoices/{invoiceId}": {
            "parameters": [{"name": "invoiceId", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "get": {"operationId": "readInvoice", "responses": {"200": {"description": "OK"}}},
            "put": {"responses": {"200": {"description": "OK"}}},
        },
        "/invoices": {"post": {"responses": {"201": {"description": "Created"}}}},
        "/customers": {"get": {"responses": {"200": {"description": "OK"}}}},
    },
}


def _doc(tmp_path: Path, data: dict = DOC, name: str = "openapi.yaml") -> Path:
    path = tmp_path / name
    text = json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data)
    path.write_text(text, encoding="utf-8")
    return path


def test_report_lists_gaps_both_ways(api_project, run_sdd, tmp_path) -> None:
    r = run_sdd("-C", str(api_project), "openapi", "check", str(_doc(tmp_path)),
                "--format", "json")
    assert r.exit_code == 0, r.output  # no --ci, no --threshold: a report only
    data = r.json()
    assert data["operations"] == 4
    assert data["covered_count"] == 2
    assert data["coverage"] == 50.0           # 2 of 4
    assert {(c["method"], c["path"]) for c in data["covered"]} == {
        ("GET", "/invoices/{invoiceId}"), ("POST", "/invoices")}
    covered_get = next(c for c in data["covered"] if c["method"] == "GET")
    assert covered_get["specs"] == ["billing/invoices", "crm/customers"]
    assert {(u["method"], u["path"]) for u in data["uncovered"]} == {
        ("GET", "/customers"), ("PUT", "/invoices/{invoiceId}")}
    assert {(m["method"], m["path"], m["spec"]) for m in data["missing"]} == {
        ("GET", "/payments", "billing/payments"),
        ("DELETE", "/payments/{paymentId}", "billing/payments")}
    missing_get = next(m for m in data["missing"] if m["method"] == "GET")
    # the `- GET /payments` line is line 15 of the payments spec (7 front matter lines,
    # blank, title, blank, "## API", blank, prose, blank)
    assert (missing_get["file"], missing_get["line"]) == (
        ".sdd/specs/billing/payments/spec.md", 15)
    assert data["passed"] is True


def test_threshold_decides_the_exit_code(api_project, run_sdd, tmp_path) -> None:
    doc = str(_doc(tmp_path))
    base = ("-C", str(api_project), "openapi", "check", doc)
    assert run_sdd(*base, "--threshold", "50").exit_code == 0
    r = run_sdd(*base, "--threshold", "50.1")
    assert r.exit_code == 1
    assert "coverage 50% is below the threshold 50.1%" in r.stderr
    assert run_sdd(*base, "--threshold", "120").exit_code == 2   # usage error


def test_ci_fails_on_any_gap(api_project, run_sdd, tmp_path) -> None:
    doc = str(_doc(tmp_path))
    base = ("-C", str(api_project), "openapi", "check", doc, "--ci")
    r = run_sdd(*base, "--format", "json")
    assert r.exit_code == 1
    data = r.json()
    assert data["passed"] is False
    assert len(data["failures"]) == 2   # uncovered operations, missing operations
    # a threshold replaces "every operation covered", but specs naming absent operations
    # still fail under --ci
    r = run_sdd(*base, "--threshold", "40")
    assert r.exit_code == 1
    assert "2 operation(s) named by specs are not in the document" in r.stderr
    assert "below the threshold" not in r.stderr


def test_full_coverage_passes_ci(openapi, sdd_project, spec_text, run_sdd, tmp_path) -> None:
    api = [{"method": "GET", "path": "/customers"},
           {"method": "put", "path": "/invoices/{x}"},
           {"method": "GET", "path": "/invoices/{y}"},
           {"method": "POST", "path": "/invoices"}]
    root = sdd_project({"a/b/spec.md": spec_text("a/b", extra={"api": api})}).root
    r = run_sdd("-C", str(root), "openapi", "check", str(_doc(tmp_path, name="o.json")),
                "--ci", "--threshold", "100")
    assert r.exit_code == 0, r.output
    assert "coverage 100%" in r.stdout
    assert "4 operation(s), 4 covered by specs, 0 uncovered" in r.stdout


def test_openapi_30_json_document(api_project, run_sdd, tmp_path) -> None:
    data = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/payments": {"get": {"responses": {"200": {"description": "OK"}}}},
                      "/other": {"get": {"responses": {"200": {"description": "OK"}}}}}}
    r = run_sdd("-C", str(api_project), "openapi", "check",
                str(_doc(tmp_path, data, "api.json")), "--format", "json")
    assert r.exit_code == 0
    assert r.json()["openapi"] == "3.0.3"
    assert r.json()["coverage"] == 50.0


def test_table_output(api_project, run_sdd, tmp_path) -> None:
    r = run_sdd("-C", str(api_project), "openapi", "check", str(_doc(tmp_path)))
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["STATE", "METHOD", "PATH", "SPECS"]
    assert any(line.split()[:3] == ["uncovered", "GET", "/customers"] for line in lines)
    assert any(line.split()[:3] == ["missing", "GET", "/payments"] for line in lines)
    assert "coverage 50%" in r.stdout


def test_unusable_documents_are_usage_errors(api_project, run_sdd, tmp_path) -> None:
    base = ("-C", str(api_project), "openapi", "check")
    r = run_sdd(*base, str(tmp_path / "nope.yaml"))
    assert r.exit_code == 2 and "no such file" in r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.1.0\npaths: [\n", encoding="utf-8")
    r = run_sdd(*base, str(bad))
    assert r.exit_code == 2 and "not valid YAML" in r.stderr
    swagger = _doc(tmp_path, {"swagger": "2.0", "paths": {}}, "sw.yaml")
    r = run_sdd(*base, str(swagger))
    assert r.exit_code == 2 and "Swagger 2.0 is not supported" in r.stderr
    assert "Traceback" not in r.output
