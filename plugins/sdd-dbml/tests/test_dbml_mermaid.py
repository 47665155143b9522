"""`sdd dbml export --format mermaid` and the HTML export's ER diagrams (Mermaid text: no
import of any other plugin)."""

from __future__ import annotations

import html

from dbml_helpers import HEAD


def test_er_diagram_of_the_whole_model(model_project, run_sdd) -> None:
    r = run_sdd("-C", str(model_project), "dbml", "export", "--format", "mermaid")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == "erDiagram"
    start = lines.index("    invoices {")
    assert lines[start:start + 6] == [
        "    invoices {",
        "        integer id PK",
        '        integer customer_id FK "who pays"',
        '        decimal(10_2) total "in cents"',
        "        timestamp_with_time_zone issued_on",
        "    }",
    ]
    assert '        varchar(255) email UK "login e-mail"' in lines
    # many invoices to one customer; one ledger entry to one audit row (through an alias)
    assert sorted(line for line in lines if "--" in line) == [
        '    invoice_lines }o--|| invoices : "invoice_id"',
        '    invoices }o--|| customers : "customer_id"',
        '    ledger_entries ||--|| ledger_audit : "id"',
        '    ledger_entries }o--|| invoices : "invoice_id"',
    ]
    assert "        integer id PK, FK" in lines  # ledger_entries.id is both


def test_awkward_names_are_made_safe(dbml, sdd_project, run_sdd, tmp_path) -> None:
    text = HEAD.format(id="a/b", title="B") + """\
## Data Model

```dbml
Table "line item" {
  "unit price" "numeric(10, 2)"
  "2nd" int
}
Table billing.accounts {
  id int [pk]
}
Ref: "line item"."2nd" <> billing.accounts.id
```
"""
    root = sdd_project({"a/b/spec.md": text}).root
    out = tmp_path / "er.mmd"
    r = run_sdd("-C", str(root), "dbml", "export", "--format", "mermaid", "-o", str(out))
    assert r.exit_code == 0, r.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert "    line_item {" in lines and "    billing_accounts {" in lines
    assert "        numeric(10__2) unit_price" in lines
    assert "        int c_2nd FK" in lines
    assert '    line_item }o--o{ billing_accounts : "2nd"' in lines


def _extras(project, spec):
    from sdd_core import get_plugin_manager

    return [x for x in get_plugin_manager().hook.export_html_extras(project=project, spec=spec)
            if x]


def test_html_extras_embed_er_diagrams(dbml, sdd_project, spec_text) -> None:
    from dbml_helpers import CUSTOMERS, INVOICES, LEDGER

    project = sdd_project({"crm/customers/spec.md": CUSTOMERS,
                           "billing/invoices/spec.md": INVOICES,
                           "billing/ledger/spec.md": LEDGER,
                           "misc/none/spec.md": spec_text("misc/none")})
    index = _extras(project, None)
    assert len(index) == 1
    assert index[0].count('<pre class="mermaid">') == 1
    diagram = html.unescape(index[0].split('<pre class="mermaid">')[1].split("</pre>")[0])
    assert diagram.startswith("erDiagram\n")
    assert diagram.count(" {\n") == 5
    assert '    invoices }o--|| customers : "customer_id"' in diagram   # quotes escaped in HTML
    assert '&quot;customer_id&quot;' in index[0]

    specs = {s.id: s for s in project.specs()}
    page = html.unescape(_extras(project, specs["crm/customers"])[0])
    assert "customers {" in page and "invoices {" not in page
    # a spec's page shows its tables and the tables they reference
    page = html.unescape(_extras(project, specs["billing/invoices"])[0])
    assert {"invoices {", "invoice_lines {", "customers {"} <= {
        line.strip() for line in page.splitlines()}
    assert "ledger_entries {" not in page
    assert _extras(project, specs["misc/none"]) == []


def test_the_html_export_embeds_the_diagrams(model_project, run_sdd, tmp_path) -> None:
    out = tmp_path / "specs.html"
    r = run_sdd("-C", str(model_project), "export", "--format", "html", "-o", str(out))
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    # the index's diagram and one per spec page (all three specs define tables)
    assert page.count('<figure class="sdd-diagram" data-diagram="er">') == 4
    assert "<figcaption>Data model of billing/ledger</figcaption>" in page
    assert '<pre class="mermaid">erDiagram\n' in page


def test_no_tables_no_extras(dbml, sdd_project, spec_text) -> None:
    project = sdd_project({"a/b/spec.md": spec_text("a/b")})
    assert _extras(project, None) == []
