"""SDD plugin: data models in specs, exported as DBML.

Specs describe tables in a ``## Data Model`` section (a ``### Table name`` heading and a
Markdown field table each) or in fenced ```dbml blocks. ``sdd dbml export`` writes one DBML
document (or, with ``--format mermaid``, a Mermaid ``erDiagram``); ``sdd export --format
dbml`` does too. Rules D001 (unknown table or column in a reference), D002 (a table defined
twice), D003 (an unreadable data model), D004 (two references between the same columns). The HTML export shows an ER diagram per spec.

Only click and sdd_core's light names are imported here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sdd_core import hookimpl

if TYPE_CHECKING:  # pragma: no cover
    import click

    from sdd_core import Exporter, Project, Rule, Spec

__version__ = "0.1.0"
__all__ = ["export_html_extras", "register_commands", "register_exporters", "register_rules"]


@hookimpl
def register_commands(cli: "click.Group") -> None:
    """Add the ``sdd dbml`` group."""
    from sdd_dbml.commands import add_commands

    add_commands(cli)


@hookimpl
def register_rules(register: "Callable[[Rule], None]") -> None:
    """D001 unknown reference targets, D002 duplicate tables, D003 unreadable models, D004
    two references between the same columns."""
    from sdd_dbml.rules import rules

    for rule in rules():
        register(rule)


@hookimpl
def register_exporters(register: "Callable[[Exporter], None]") -> None:
    """``sdd export --format dbml``."""
    from sdd_core import Exporter

    def export(project: "Project", specs: "list[Spec]", options: dict[str, Any]) -> str:
        from sdd_dbml.collect import project_model
        from sdd_dbml.export import to_dbml

        name = project.settings("project").name or project.root.name
        return to_dbml(project_model(specs), title=f"{name}: data model").text

    register(Exporter("dbml", "the data model of the specs as one DBML document", export,
                      "text/plain"))


@hookimpl
def export_html_extras(project: "Project", spec: "Spec | None") -> str | None:
    """An ER diagram (Mermaid) of the whole model on the index page, and of each spec's
    tables (with the tables they reference) on its page."""
    from html import escape

    from sdd_dbml.export import spec_tables, to_mermaid

    model = _html_model(project)
    if not model.tables:
        return None
    tables = None if spec is None else spec_tables(model, spec.id)
    if tables is not None and not tables:
        return None
    diagram = to_mermaid(model, tables)
    caption = "Data model" if spec is None else f"Data model of {spec.id}"
    return (f'<figure class="sdd-diagram" data-diagram="er">'
            f"<figcaption>{escape(caption)}</figcaption>"
            f'<pre class="mermaid">{escape(diagram)}</pre></figure>')


_HTML_CACHE: list[Any] = []  # [load result, actor, model]: one export renders many pages


def _html_model(project: "Project") -> Any:
    from sdd_dbml.collect import project_model

    result, actor = project.load(), project.actor
    if _HTML_CACHE and _HTML_CACHE[0] is result and _HTML_CACHE[1] == actor:
        return _HTML_CACHE[2]
    model = project_model(project.specs())
    _HTML_CACHE[:] = [result, actor, model]
    return model
