"""``helpdesk search reindex | status | query`` — for operators, support and scripts."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.search import services
from helpdesk.search.jobs import index_changes_job, settings_from_app
from helpdesk.tickets.models import Ticket
from helpdesk.users.models import Role, User


@click.group("search")
def search_group() -> None:
    """The search index."""


@search_group.command("reindex")
@with_appcontext
def reindex() -> None:
    """Rebuild the index from the database; searches keep working meanwhile."""
    total = db.session.scalar(select(db.func.count(Ticket.id))) or 0
    with click.progressbar(
        length=total, label="Indexing tickets", show_eta=True, show_pos=True
    ) as bar:
        count = services.rebuild(db.session, settings=settings_from_app(), progress=bar.update)
    db.session.commit()
    caught_up = index_changes_job()
    click.echo(f"{count} tickets indexed; {caught_up} changed while it ran, indexed after")


@search_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def status(as_json: bool) -> None:
    """Documents in the index, tickets, and changes waiting to be indexed."""
    figures = services.status(db.session, settings=settings_from_app())
    if as_json:
        click.echo(json.dumps(figures))
        return
    for key, value in figures.items():
        click.echo(f"{key:15} {value}")


@search_group.command("query")
@click.argument("text")
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def query(text: str, limit: int, as_json: bool) -> None:
    """Run a query as an admin would see it and print the hits."""
    admin = User(id=0, role=Role.ADMIN.value, name="cli", email="cli@localhost")
    found = services.search(
        db.session, text, viewer=admin, settings=settings_from_app(), per_page=limit
    )
    rows = [
        {"folio": r.ticket.folio, "score": round(r.hit.score, 3), "subject": r.ticket.subject,
         "snippet": r.hit.snippet}
        for r in found.results
    ]  # fmt: skip
    if found.jump_to:
        rows = [{"folio": found.jump_to, "score": None, "subject": "", "snippet": ""}]
    if as_json:
        click.echo(json.dumps({"total": found.total, "hits": rows}, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['folio']}  {row['score']}  {row['subject']}")
    click.echo(f"{found.total} found")


search_commands = [search_group]
