"""The ticket list: views with counts, filters, keyset pages, saved views, bulk actions."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from blueprints.inbox.list_forms import BulkForm, SaveViewForm
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.extensions import db
from helpdesk.holds import services as holds
from helpdesk.inbox import filters as list_filters
from helpdesk.inbox import queries, services
from helpdesk.inbox.cursor import CursorError, decode
from helpdesk.inbox.queries import Count
from helpdesk.queues import queries as queue_queries
from helpdesk.routing import assignment
from helpdesk.sla import queries as sla_queries
from helpdesk.tickets.vocabulary import Channel, Priority, Status, TicketType, label

routes = Routes()


@routes.get("/tickets")
def ticket_list() -> Any:
    filters = list_filters.from_query(request.args)
    cursor, stale = None, False
    if request.args.get("cursor"):
        try:
            cursor = decode(request.args["cursor"], filters.order)
        except CursorError:
            stale = True
    zone = current_user.timezone
    page = queries.ticket_page(
        db.session,
        filters,
        current_user,
        zone=zone,
        cursor=cursor,
        per_page=current_app.config["TICKETS_PER_PAGE"],
    )
    tickets = [row.ticket for row in page.rows]
    agents, tags = _agents(), _tags()
    return render_template(
        "inbox/ticket_list.html",
        filters=filters,
        page=page,
        stale_cursor=stale,
        sla=sla_queries.views_for(db.session, tickets, now=clock.now()),
        views=queries.views_with_counts(db.session, current_user, zone=zone),
        saved_views=queries.saved_views_for(db.session, current_user),
        choices=_filter_choices(agents, tags),
        bulk_form=BulkForm(formdata=None, agents=agents, tags=tags, back=filters.as_query()),
        save_form=SaveViewForm(formdata=None, query=filters.as_query()),
    )


@routes.post("/tickets/views")
def saved_view_add() -> Any:
    form = SaveViewForm()
    filters = list_filters.from_query(_parsed(form.query.data or ""))
    if not form.validate_on_submit():
        flash(_("Give the view a name (up to 80 characters)."), "error")
        return redirect(_list_url(filters.as_query()))
    try:
        view = services.save_view(
            db.session,
            current_user,
            form.name.data,
            filters.as_query(),
            shared=form.shared.data,
            now=clock.now(),
        )
    except services.InboxError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(_list_url(filters.as_query()))
    db.session.commit()
    flash(_("View “%(name)s” saved.", name=view.name), "success")
    return redirect(_list_url(filters.as_query(), saved=view.id))


@routes.post("/tickets/views/<int:view_id>/delete")
def saved_view_delete(view_id: int) -> Any:
    form = SaveViewForm()
    view = queries.saved_view_by_id(db.session, view_id)
    if view is None or not form.is_submitted() or not form.validate_csrf_token(form.csrf_token):
        flash(_("That view no longer exists."), "error")
        return redirect(url_for("inbox.ticket_list"))
    try:
        services.delete_view(db.session, view, by=current_user)
    except services.InboxError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("inbox.ticket_list"))
    db.session.commit()
    flash(_("View deleted."), "success")
    return redirect(url_for("inbox.ticket_list"))


@routes.post("/tickets/bulk")
def bulk_apply() -> Any:
    form = BulkForm(agents=_agents(), tags=_tags())
    back = list_filters.from_query(_parsed(form.back.data or "")).as_query()
    bulk = _bulk_from(form)
    if bulk is None:
        return redirect(_list_url(back))
    try:
        chosen = services.tickets_for_bulk(db.session, bulk.ticket_ids, current_user)
        if bulk.destructive and form.confirmed.data != "yes":
            return render_template(
                "inbox/bulk_confirm.html", form=form, bulk=bulk, tickets=chosen, back=back
            )
        changed = services.apply_bulk(
            db.session,
            chosen,
            bulk,
            viewer=current_user,
            grace=holds.grace_period(current_app.config),
            now=clock.now(),
        )
    except services.InboxError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(_list_url(back))
    db.session.commit()
    flash(ngettext("%(num)d ticket updated.", "%(num)d tickets updated.", changed), "success")
    return redirect(_list_url(back))


def _bulk_from(form: BulkForm) -> services.Bulk | None:
    """The bulk action the form asks for, or None (said in a flash) when it is incomplete."""
    if not form.validate_on_submit():
        flash(_("Choose an action for the selected tickets."), "error")
        return None
    kind, _sep, value = form.action.data.partition(":")
    if kind == services.BulkAction.MERGE:
        value = (form.merge_into.data or "").strip()
        if not value:
            flash(_("Type the folio of the ticket to merge into."), "error")
            return None
    ids = [int(v) for v in request.form.getlist("ticket") if v.isdigit()]
    if not ids:
        flash(_("Choose at least one ticket."), "error")
        return None
    return services.Bulk(services.BulkAction(kind), value, tuple(ids))


@routes.app_template_global("view_label")
def view_label(link: queries.ViewLink) -> str:
    if link.queue is not None:
        return link.queue.name
    return {
        list_filters.View.MINE: _("My tickets"),
        list_filters.View.UNASSIGNED: _("Unassigned"),
        list_filters.View.AT_RISK: _("SLA at risk"),
        list_filters.View.PENDING: _("Waiting on debtor"),
        list_filters.View.ON_HOLD: _("Collection paused"),
        list_filters.View.RESOLVED: _("Resolved and closed"),
        list_filters.View.ALL: _("All"),
    }.get(link.view, link.view.value)


@routes.app_template_global("count_text")
def count_text(count: Count) -> str:
    """ "1,000+" above the cap: the exact figure would cost a full count."""
    return format_decimal(count.value) + ("+" if count.capped else "")


def _filter_choices(agents: list[Any], tags: list[str]) -> dict[str, list[tuple[str, str]]]:
    """(value, label) options of every filter, for the form and the chips."""
    return {
        "status": [(s.value, label(s)) for s in Status if s != Status.MERGED],
        "priority": [(p.value, label(p)) for p in Priority],
        "type": [(t.value, label(t)) for t in TicketType],
        "channel": [(c.value, label(c)) for c in Channel],
        "queue": [(str(q.id), q.name) for q in queue_queries.queues_by_name(db.session)],
        "assignee": [(list_filters.ME, _("Me")), (list_filters.NOBODY, _("Nobody"))]
        + [(str(u.id), u.name) for u in agents],
        "tag": [(t, t) for t in tags],
    }


@routes.app_template_global("chip_text")
def chip_text(name: str, value: str, choices: dict[str, list[tuple[str, str]]]) -> str:
    """A filter in use, as a person reads it: "Status: Waiting on debtor"."""
    names = {
        "status": _("Status"),
        "priority": _("Priority"),
        "type": _("Type"),
        "channel": _("Channel"),
        "queue": _("Queue"),
        "assignee": _("Assignee"),
        "tag": _("Tag"),
        "hold": _("Collection paused"),
        "created_from": _("Created from"),
        "created_to": _("Created until"),
        "updated_from": _("Last activity from"),
        "updated_to": _("Last activity until"),
    }
    shown = dict(choices.get(name, [])).get(value)
    if name == "hold":
        shown = _("Yes") if value == "yes" else _("No")
    return f"{names.get(name, name)}: {shown or value}"


def _agents() -> list[Any]:
    return assignment.staff_members(db.session)


def _tags() -> list[str]:
    return queries.tag_names(db.session)


def _parsed(query: str) -> MultiDict[str, str]:
    return MultiDict(parse_qsl(query))


def _list_url(query: str, **extra: Any) -> str:
    url = url_for("inbox.ticket_list", **extra)
    return f"{url}{'&' if '?' in url else '?'}{query}" if query else url
