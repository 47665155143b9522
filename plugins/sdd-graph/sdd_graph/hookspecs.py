"""The hooks the graph plugin adds to SDD's plugin manager.

They are declared with ``pm.add_hookspecs(sdd_graph.hookspecs)`` when the plugin runs
(:func:`sdd_graph.ensure_hookspecs`); any plugin, including a project's
``.sdd/plugins/*.py``, may implement them with ``@sdd_core.hookimpl``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sdd_core import hookspec

if TYPE_CHECKING:  # pragma: no cover
    from sdd_core import Project
    from sdd_graph.quality import Criterion


@hookspec
def register_quality_criteria(register: Callable[[Criterion], None],
                              project: Project) -> None:
    """Register quality criteria for ``sdd quality``.

    Called once per ``sdd quality`` run. Call ``register(Criterion(name, max_points, score))``
    once per criterion; ``score(spec)`` returns ``(points, note)`` with ``0 <= points <=
    max_points``. A criterion with the name of a built-in one replaces it. When the maximum
    points of all criteria do not add up to 100, a spec's score is scaled to 100.

    :param register: the callback collecting criteria.
    :param project: the project being scored (its constitution, its specs), for criteria
        that need more than the spec itself.
    """
