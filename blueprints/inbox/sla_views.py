"""SLA and routing in the inbox: countdowns, a ticket's routing card, notifications, and
the supervisors' team page (availability, capacity, skills, reassigning)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, has_request_context, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.inbox.sla_forms import ActionForm, AgentProfileForm, TicketRoutingForm
from blueprints.routes import Routes
from blueprints.security import role_required
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.queues import queries as queue_queries
from helpdesk.queues.models import Queue
from helpdesk.routing import assignment
from helpdesk.routing.services import update_ticket_routing
from helpdesk.sla import notifications
from helpdesk.tickets.queries import ticket_by_folio
from helpdesk.tickets.services import TicketError, assign
from helpdesk.users.models import Role, User
from helpdesk.users.queries import user_by_id

routes = Routes()


def staff_top_bar() -> dict[str, Any]:
    """What the staff top bar shows on every page (the unread notifications), counted
    here for the layout so the template receives the number instead of fetching it."""
    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return {}
    return {"unread_notifications": notifications.unread_count(db.session, current_user.id)}


@routes.route("/tickets/<folio>/routing", methods=["POST"])
def ticket_routing_set(folio: str) -> Any:
    ticket = ticket_by_folio(db.session, folio) or abort(404)
    form = TicketRoutingForm(queues=_queues(), agents=assignment.staff_members(db.session))
    if not form.validate_on_submit():
        abort(400)
    try:
        update_ticket_routing(
            db.session,
            ticket,
            queue=queue_queries.queue_by_id(db.session, int(form.queue.data or 0)),
            priority=form.priority.data,
            ticket_type=form.type.data,
            assignee=user_by_id(db.session, int(form.assignee.data or 0)),
            actor=Actor.for_user(current_user),
            now=clock.now(),
        )
    except TicketError as error:
        flash(str(error), "error")
        return redirect(url_for("inbox.ticket_show", folio=ticket.folio))
    db.session.commit()
    flash(_("Ticket updated; its deadlines were recomputed."), "success")
    return redirect(url_for("inbox.ticket_show", folio=ticket.folio))


@routes.route("/tickets/<folio>/assign-to-me", methods=["POST"])
def assign_to_me(folio: str) -> Any:
    """One click (or the "a" key) instead of finding oneself in the assignee list."""
    ticket = ticket_by_folio(db.session, folio) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    me = current_user._get_current_object()
    try:
        assign(db.session, ticket, me, actor=Actor.for_user(me), now=clock.now())
    except TicketError as error:
        flash(str(error), "error")
        return redirect(url_for("inbox.ticket_show", folio=ticket.folio))
    db.session.commit()
    flash(_("Ticket %(folio)s assigned to you.", folio=ticket.folio), "success")
    return redirect(url_for("inbox.ticket_show", folio=ticket.folio))


@routes.route("/notifications")
def notification_list() -> Any:
    notices = notifications.recent(db.session, current_user.id)
    items = [(n.notification, n.folio, n.text) for n in notices]
    return render_template("inbox/notification_list.html", items=items, form=ActionForm())


@routes.route("/notifications/<int:notification_id>")
def notification_open(notification_id: int) -> Any:
    """Follow a notice to its ticket (a mention: to the note), marking it read."""
    notice = notifications.open_notice(
        db.session, current_user.id, notification_id, now=clock.now()
    ) or abort(404)
    db.session.commit()
    if not notice.folio:
        return redirect(url_for("inbox.notification_list"))
    return redirect(url_for("inbox.ticket_show", folio=notice.folio, _anchor=notice.anchor))


@routes.route("/notifications/read", methods=["POST"])
def notification_read() -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    notifications.mark_all_read(db.session, current_user.id, now=clock.now())
    db.session.commit()
    return redirect(url_for("inbox.notification_list"))


@routes.route("/team")
@role_required(Role.SUPERVISOR)
def team_list() -> Any:
    agents = assignment.staff_members(db.session)
    ids = [a.id for a in agents]
    return render_template(
        "inbox/team_list.html",
        agents=agents,
        load=assignment.open_load(db.session, ids),
        skills=assignment.skills_of(db.session, ids),
        form=ActionForm(),
        profile_form=AgentProfileForm(),
    )


@routes.route("/team/<int:user_id>/availability", methods=["POST"])
@role_required(Role.SUPERVISOR)
def team_availability_set(user_id: int) -> Any:
    agent = _agent_or_404(user_id, ActionForm())
    assignment.set_availability(
        db.session,
        agent,
        not agent.is_available,
        actor=Actor.for_user(current_user),
        now=clock.now(),
    )
    db.session.commit()
    return redirect(url_for("inbox.team_list"))


@routes.route("/team/<int:user_id>/reassign", methods=["POST"])
@role_required(Role.SUPERVISOR)
def team_reassign(user_id: int) -> Any:
    agent = _agent_or_404(user_id, ActionForm())
    if agent.is_available:
        flash(_("Mark %(name)s as unavailable first.", name=agent.name), "error")
        return redirect(url_for("inbox.team_list"))
    moved = assignment.reassign_unavailable(
        db.session, agent, actor=Actor.for_user(current_user), now=clock.now()
    )
    db.session.commit()
    flash(_("%(count)d tickets of %(name)s reassigned.", count=moved, name=agent.name), "success")
    return redirect(url_for("inbox.team_list"))


@routes.route("/team/<int:user_id>/profile", methods=["POST"])
@role_required(Role.SUPERVISOR)
def team_profile_set(user_id: int) -> Any:
    form = AgentProfileForm()
    agent = _agent_or_404(user_id, form)
    assignment.save_profile(
        db.session,
        agent,
        capacity=form.capacity.data or 0,
        skills=_words(form.skills.data),
        languages=[w[:2] for w in _words(form.languages.data)],
        actor=Actor.for_user(current_user),
        now=clock.now(),
    )
    db.session.commit()
    flash(_("Profile of %(name)s saved.", name=agent.name), "success")
    return redirect(url_for("inbox.team_list"))


def _agent_or_404(user_id: int, form: Any) -> User:
    agent = user_by_id(db.session, user_id) or abort(404)
    if not form.validate_on_submit():
        abort(400)
    return agent


def _queues() -> list[Queue]:
    return queue_queries.active_queues(db.session)


def _words(text: str | None) -> list[str]:
    return [w.strip().lower() for w in (text or "").split(",") if w.strip()]
