"""Administration of SLAs: business calendars, policies, queues' assignment settings."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin.sla_forms import (
    UNIT_LABELS,
    CalendarForm,
    DeleteForm,
    PolicyForm,
    QueueSettingsForm,
)
from blueprints.forms import show_error
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.queues import queries as queue_queries
from helpdesk.queues.models import Queue
from helpdesk.routing.assignment import STRATEGY_LABELS, save_queue_settings
from helpdesk.sla import queries as sla_queries
from helpdesk.sla import services as sla_services
from helpdesk.sla.calendar import DAY_NAMES
from helpdesk.sla.models import SlaPolicy

POLICY_FIELDS = (
    "first_response_amount",
    "first_response_unit",
    "next_response_amount",
    "next_response_unit",
    "resolution_amount",
    "resolution_unit",
    "warning_percent",
    "escalate_notify",
    "escalate_raise_priority",
)

routes = Routes()


@routes.route("/sla/calendars", methods=["GET", "POST"])
@routes.route("/sla/calendars/<int:calendar_id>", methods=["GET", "POST"])
def sla_calendar_list(calendar_id: int | None = None) -> Any:
    calendar = (
        sla_queries.calendar_by_id(db.session, calendar_id) or abort(404) if calendar_id else None
    )
    form = CalendarForm(data=sla_services.form_values(calendar) if calendar else None)
    if form.validate_on_submit():
        try:
            config = sla_services.parse_calendar_input(
                timezone=form.timezone.data,
                weekly={day: getattr(form, day).data or "" for day in DAY_NAMES},
                country=form.country.data or "",
                subdiv=form.subdiv.data or "",
                extra_closed_dates=form.extra_closed_dates.data or "",
                exceptions=form.exceptions.data or "",
            )
            sla_services.save_calendar(
                db.session,
                calendar,
                name=form.name.data,
                config=config,
                actor=Actor.for_user(current_user),
                now=clock.now(),
            )
        except sla_services.CalendarInputError as error:
            show_error(form, error, default="name")
        else:
            db.session.commit()
            flash(_("Calendar saved."), "success")
            return redirect(url_for("admin.sla_calendar_list"))
    rows = sla_queries.calendars_by_name(db.session)
    return render_template(
        "admin/sla_calendar_list.html", calendars=rows, form=form, editing=calendar
    )


@routes.route("/sla/policies", methods=["GET", "POST"])
@routes.route("/sla/policies/<int:policy_id>", methods=["GET", "POST"])
def sla_policy_list(policy_id: int | None = None) -> Any:
    policy = sla_queries.policy_by_id(db.session, policy_id) or abort(404) if policy_id else None
    queues = _queues()
    stored = sla_queries.calendars_by_name(db.session)
    form = PolicyForm(obj=_policy_data(policy), queues=queues, calendars=stored)
    if form.validate_on_submit():
        try:
            sla_services.save_policy(
                db.session,
                policy,
                _policy_values(form),
                actor=Actor.for_user(current_user),
                now=clock.now(),
            )
        except sla_services.PolicyError as error:
            show_error(form, error, default="name")
        else:
            db.session.commit()
            flash(_("Policy saved."), "success")
            return redirect(url_for("admin.sla_policy_list"))
    rows = sla_queries.all_policies(db.session)
    return render_template(
        "admin/sla_policy_list.html",
        policies=rows,
        form=form,
        editing=policy,
        delete_form=DeleteForm(),
        unit_labels=UNIT_LABELS,
    )


@routes.route("/sla/policies/<int:policy_id>/delete", methods=["POST"])
def sla_policy_delete(policy_id: int) -> Any:
    policy = sla_queries.policy_by_id(db.session, policy_id) or abort(404)
    if not DeleteForm().validate_on_submit():
        abort(400)
    sla_services.delete_policy(
        db.session, policy, actor=Actor.for_user(current_user), now=clock.now()
    )
    db.session.commit()
    flash(_("Policy deleted."), "success")
    return redirect(url_for("admin.sla_policy_list"))


@routes.route("/sla/queues", methods=["GET"])
def sla_queue_list() -> Any:
    return render_template(
        "admin/sla_queue_list.html",
        queues=_queues(),
        forms={
            q.id: QueueSettingsForm(
                data={"assignment_strategy": q.assignment_strategy, "match_skills": q.match_skills}
            )
            for q in _queues()
        },
        strategy_labels=STRATEGY_LABELS,
    )


@routes.route("/sla/queues/<int:queue_id>", methods=["POST"])
def sla_queue_set(queue_id: int) -> Any:
    queue = queue_queries.queue_by_id(db.session, queue_id) or abort(404)
    form = QueueSettingsForm()
    if not form.validate_on_submit():
        abort(400)
    save_queue_settings(
        db.session,
        queue,
        strategy=form.assignment_strategy.data,
        match_skills=form.match_skills.data,
        actor=Actor.for_user(current_user),
        now=clock.now(),
    )
    db.session.commit()
    flash(_("Queue %(name)s saved.", name=queue.name), "success")
    return redirect(url_for("admin.sla_queue_list"))


def _queues() -> list[Queue]:
    return queue_queries.queues_by_name(db.session)


def _policy_data(policy: SlaPolicy | None) -> Any:
    if policy is None:
        return None

    class Data:
        pass

    data = Data()
    for name in ("name", *POLICY_FIELDS):
        setattr(data, name, getattr(policy, name))
    data.queue = str(policy.queue_id)
    data.calendar = str(policy.calendar_id)
    data.priority = policy.priority or ""
    data.ticket_type = policy.ticket_type or ""
    data.tag = policy.tag or ""
    data.escalate_queue = str(policy.escalate_queue_id or "")
    return data


def _policy_values(form: PolicyForm) -> sla_services.PolicyValues:
    values = {name: getattr(form, name).data for name in POLICY_FIELDS}
    escalate = form.escalate_queue.data
    return sla_services.PolicyValues(
        name=form.name.data,
        queue=queue_queries.queue_by_id(db.session, int(form.queue.data)) or abort(400),
        calendar=sla_queries.calendar_by_id(db.session, int(form.calendar.data)) or abort(400),
        priority=form.priority.data or None,
        ticket_type=form.ticket_type.data or None,
        tag=(form.tag.data or "").strip() or None,
        escalate_queue=queue_queries.queue_by_id(db.session, int(escalate or 0)),
        **values,
    )
