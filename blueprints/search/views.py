"""The search results page (the top bar's box sends here)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from blueprints.security import require_staff
from helpdesk import clock
from helpdesk.extensions import db
from helpdesk.jobs import enqueue_after_commit
from helpdesk.search.jobs import index_changes_job, settings_from_app
from helpdesk.search.services import search
from helpdesk.sla.queries import views_for
from helpdesk.users.models import Role

bp = Blueprint("search", __name__)
bp.before_request(require_staff(Role.AGENT))


@bp.get("/search")
def results() -> Any:
    text = request.args.get("q", "")
    page = request.args.get("page", 1, type=int) or 1
    found = search(db.session, text, viewer=current_user, settings=settings_from_app(), page=page)
    if found.rebuilding:  # every ticket is in the change log: index them into the new one
        enqueue_after_commit(db.session, index_changes_job, queue="search")
        db.session.commit()
    if found.jump_to:
        return redirect(url_for("inbox.ticket_show", folio=found.jump_to))
    if found.account_id and not found.results:
        return redirect(url_for("inbox.account_show", account_id=found.account_id))
    tickets = [r.ticket for r in found.results]
    sla = views_for(db.session, tickets, now=clock.now()) if tickets else {}
    return render_template("search/results.html", found=found, q=text, sla=sla)
