"""The ``sdd review`` commands: thin wrappers around :mod:`sdd_review.api`.

Only click and sdd_core's CLI helpers at module level; the API (and pydantic with it) is
imported when a command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from sdd_core.cli import SddContext, ensure_group, pass_sdd
from sdd_core.cli.output import format_option

if TYPE_CHECKING:  # pragma: no cover
    from sdd_review.api import ReviewStatus

GROUP_HELP = ("Review workflow: request reviews, approve or reject, and promote a spec along"
              " draft → review → approved → implemented when its approval gate allows.")
REVIEW_COLUMNS = ("reviewer", "state", "date", "note")
PENDING_COLUMNS = ("spec", "reviewer", "state", "status", "requested_by", "date", "title")


def _who(sdd: SddContext, value: str | None) -> str | None:
    """``@me`` (or ``me``) is the acting user."""
    if value is None:
        return None
    if value.strip().lstrip("@") == "me":
        return sdd.project.actor.name
    return value


def _show_status(fmt: str, result: "ReviewStatus") -> None:
    from sdd_core.cli import output

    if fmt == "json":
        output.emit_json(result.to_json())
        return
    spec, g = result.spec, result.gate
    author = f"@{spec.author}" if spec.author else "-"
    click.echo(f"{spec.id}: {spec.title}")
    click.echo(f"status {spec.status} · domain {spec.domain} · author {author} ·"
               f" content {result.content_hash[:12]}")
    if result.reviews:
        rows = []
        for r in result.reviews:
            note = r.review.reason or r.review.comment or ""
            if r.self_review and r.review.status != "requested":
                note = "(author: does not count) " + note
            rows.append({"reviewer": r.review.reviewer, "state": r.state,
                         "date": r.review.date, "note": note})
        click.echo("")
        output.emit_table(rows, REVIEW_COLUMNS)
    else:
        click.echo("no reviews yet")
    click.echo("")
    click.echo(f"approvals: {len(g.approvals)} of {g.required} required"
               + (f" ({', '.join(g.approvals)})" if g.approvals else ""))
    click.echo(g.explain() if g.target or g.reasons else "")
    for problem in result.problems:
        output.info(f"warning: {problem}")


@click.command("request")
@click.argument("spec_id", metavar="ID")
@click.option("--reviewers", "-r", multiple=True, required=True, metavar="@A,@B",
              help="Who should review (comma-separated or repeated).")
@click.option("--message", "-m", help="A note for the reviewers.")
@format_option("table", "json")
@pass_sdd
def request_cmd(sdd: SddContext, spec_id: str, reviewers: tuple[str, ...],
                message: str | None, fmt: str) -> None:
    """Ask reviewers to review a spec (a draft moves to review).

    A reviewer asked again (after an edit, say) starts over: their earlier decision is
    replaced by the request.

    \b
    Example:  sdd review request auth/login --reviewers @alice,@bob -m "Ready for a look"
    """
    from sdd_core.cli import output

    from sdd_review import api

    project = sdd.project
    result = api.request(project, spec_id, reviewers, message, project.actor)
    asked = [f"@{name}" for name in api.split_users(reviewers)]
    output.info(f"Requested review of {result.spec.id} from {', '.join(asked)}"
                f" (status: {result.spec.status})")
    if fmt == "json":
        output.emit_json(result.to_json())


@click.command("approve")
@click.argument("spec_id", metavar="ID")
@click.option("--comment", "-m", help="A comment kept with the approval.")
@format_option("table", "json")
@pass_sdd
def approve_cmd(sdd: SddContext, spec_id: str, comment: str | None, fmt: str) -> None:
    """Approve a spec's current content (an edit afterwards makes the approval stale).

    \b
    Example:  sdd review approve auth/login --comment "Scenarios cover lockout"
    """
    from sdd_core.cli import output

    from sdd_review import api

    project = sdd.project
    result = api.approve(project, spec_id, comment, project.actor)
    g = result.gate
    output.info(f"Approved {result.spec.id} as {project.actor.handle}"
                f" ({len(g.approvals)} of {g.required} required approvals)")
    if fmt == "json":
        output.emit_json(result.to_json())


@click.command("reject")
@click.argument("spec_id", metavar="ID")
@click.option("--reason", required=True, help="What is wrong or must change.")
@click.option("--changes-requested", is_flag=True,
              help="Record 'changes_requested' instead of 'rejected' (both block promotion).")
@format_option("table", "json")
@pass_sdd
def reject_cmd(sdd: SddContext, spec_id: str, reason: str, changes_requested: bool,
               fmt: str) -> None:
    """Reject a spec with a reason; it cannot be promoted until you approve it or are asked
    again.

    \b
    Example:  sdd review reject auth/login --reason "REQ-02 has no scenario"
    """
    from sdd_core.cli import output

    from sdd_review import api

    project = sdd.project
    result = api.reject(project, spec_id, reason, project.actor,
                        changes_requested=changes_requested)
    what = "Requested changes to" if changes_requested else "Rejected"
    output.info(f"{what} {result.spec.id} as {project.actor.handle}: {reason.strip()}")
    if fmt == "json":
        output.emit_json(result.to_json())


@click.command("status")
@click.argument("spec_id", metavar="ID")
@format_option("table", "json")
@pass_sdd
def status_cmd(sdd: SddContext, spec_id: str, fmt: str) -> None:
    """Show a spec's reviews (current or stale) and whether it may be promoted.

    \b
    Example:  sdd review status auth/login --format json
    """
    from sdd_review import api

    project = sdd.project
    _show_status(fmt, api.status(project, spec_id, project.actor))


@click.command("pending")
@click.option("--reviewer", metavar="@USER", help="Only this reviewer's (@me: yours).")
@format_option("table", "json")
@pass_sdd
def pending_cmd(sdd: SddContext, reviewer: str | None, fmt: str) -> None:
    """List reviews waiting for a decision: requested ones, and approvals made stale by an
    edit.

    \b
    Example:  sdd review pending --reviewer @me
    """
    from sdd_core.cli import output

    from sdd_review import api

    project = sdd.project
    items = api.pending(project, _who(sdd, reviewer), project.actor)
    rows = [p.to_json() for p in items]
    if fmt == "json":
        output.emit_json(rows)
        return
    if not rows:
        output.info("No pending reviews" + (f" for {reviewer}" if reviewer else ""))
        return
    output.emit_table(rows, PENDING_COLUMNS)


@click.command("promote")
@click.argument("spec_id", metavar="ID")
@format_option("table", "json")
@pass_sdd
def promote_cmd(sdd: SddContext, spec_id: str, fmt: str) -> None:
    """Move a spec one step along draft → review → approved → implemented, when its
    approval gate allows; otherwise say why not and exit 1.

    \b
    Example:  sdd review promote auth/login
    """
    from sdd_core.cli import output
    from sdd_core.errors import CheckFailed

    from sdd_review import api

    project = sdd.project
    try:
        g = api.promote(project, spec_id, project.actor)
    except CheckFailed:
        if fmt == "json":
            spec = project.get(spec_id)
            output.emit_json({"promoted": False, **api.gate(project, spec).to_json()})
        raise
    data: dict[str, Any] = {"promoted": True, **g.to_json()}
    output.info(f"Promoted {g.spec_id}: {g.status} → {g.target}"
                + (f" (approved by {', '.join(g.approvals)})" if g.approvals else ""))
    if fmt == "json":
        output.emit_json(data)


def add_commands(cli: click.Group) -> None:
    """Add the ``review`` group and its commands to ``cli``."""
    group = ensure_group(cli, "review", help=GROUP_HELP)
    for cmd in (request_cmd, approve_cmd, reject_cmd, status_cmd, pending_cmd, promote_cmd):
        group.add_command(cmd)
