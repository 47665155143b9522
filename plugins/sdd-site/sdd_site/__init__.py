"""SDD site plugin: a static, browsable HTML site of the specs.

``sdd export --format site -o site/`` (or ``--format html`` with a folder) writes an index
page with filters (status, domain, text) and one page per spec with its requirements,
scenarios, dependencies and dependents, linked to each other. Other plugins add content
(diagrams, tables) to every page through the ``export_html_extras`` hook.

Only sdd_core's light names are imported here; jinja2 and markdown-it are imported when
the site is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sdd_core import hookimpl

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Exporter

__all__ = ["register_exporters"]


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    from sdd_core import Exporter
    from sdd_site.build import export_site

    register(Exporter("site", "a browsable static site: an index with filters and one page"
                              " per spec (-o DIR)", export_site, "text/html", directory=True))
