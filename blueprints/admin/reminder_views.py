"""Administration of payment reminders: schedules per portfolio, their steps, and the
contact rules per country."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin.forms import EmptyForm
from blueprints.admin.reminder_forms import (
    SCHEDULE_FIELDS,
    STEP_FIELDS,
    ContactRuleForm,
    ScheduleForm,
    StepForm,
)
from blueprints.forms import show_error
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.reminders import queries
from helpdesk.reminders import rules as contact_rules
from helpdesk.reminders import services as schedules
from helpdesk.sla.calendar import DAY_NAMES

routes = Routes()


@routes.route("/reminders", methods=["GET", "POST"])
@routes.route("/reminders/<int:schedule_id>", methods=["GET", "POST"])
def reminder_schedule_list(schedule_id: int | None = None) -> Any:
    schedule = (
        queries.schedule_by_id(db.session, schedule_id) or abort(404) if schedule_id else None
    )
    form = ScheduleForm(obj=schedule)
    if form.validate_on_submit():
        try:
            saved = schedules.save_schedule(
                db.session,
                schedule,
                **{name: form[name].data or _empty(name) for name in SCHEDULE_FIELDS},
                actor=Actor.for_user(current_user),
                now=clock.now(),
            )
        except schedules.ReminderError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Schedule saved."), "success")
            return redirect(url_for("admin.reminder_schedule_list", schedule_id=saved.id))
    rows = queries.all_schedules(db.session)
    return render_template(
        "admin/reminder_schedule_list.html",
        schedules=rows,
        form=form,
        editing=schedule,
        step_form=StepForm(formdata=None),
        delete_form=EmptyForm(),
    )


@routes.route("/reminders/<int:schedule_id>/steps", methods=["POST"])
def reminder_step_add(schedule_id: int) -> Any:
    schedule = queries.schedule_by_id(db.session, schedule_id) or abort(404)
    form = StepForm()
    if form.validate_on_submit():
        try:
            schedules.add_step(
                db.session,
                schedule,
                **{name: form[name].data for name in STEP_FIELDS},
                actor=Actor.for_user(current_user),
                now=clock.now(),
            )
        except schedules.ReminderError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Step added."), "success")
            return redirect(url_for("admin.reminder_schedule_list", schedule_id=schedule.id))
    flash(_("Check the step: %(errors)s", errors=_errors(form)), "error")
    return redirect(url_for("admin.reminder_schedule_list", schedule_id=schedule.id))


@routes.route("/reminders/steps/<int:step_id>/delete", methods=["POST"])
def reminder_step_delete(step_id: int) -> Any:
    step = queries.step_by_id(db.session, step_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    schedule_id = step.schedule_id
    schedules.delete_step(db.session, step, actor=Actor.for_user(current_user), now=clock.now())
    db.session.commit()
    flash(_("Step deleted."), "success")
    return redirect(url_for("admin.reminder_schedule_list", schedule_id=schedule_id))


@routes.route("/reminders/rules", methods=["GET", "POST"])
@routes.route("/reminders/rules/<country>", methods=["GET", "POST"])
def contact_rule_list(country: str | None = None) -> Any:
    rules = contact_rules.all_rules(db.session)
    editing = next((r for r in rules if r.country == country), None)
    if country and editing is None:
        abort(404)
    form = ContactRuleForm(data=schedules.rule_form_values(editing) if editing else None)
    if form.validate_on_submit():
        try:
            schedules.save_contact_rule(
                db.session,
                country=form.country.data,
                timezone=form.timezone.data,
                weekly={day: form[day].data or "" for day in DAY_NAMES},
                skip_holidays=form.skip_holidays.data,
                max_per_day=form.max_per_day.data,
                max_per_week=form.max_per_week.data,
                max_channels_per_week=form.max_channels_per_week.data,
                requires_consent=form.requires_consent.data,
                actor=Actor.for_user(current_user),
                now=clock.now(),
            )
        except schedules.ReminderError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Contact rule saved."), "success")
            return redirect(url_for("admin.contact_rule_list"))
    return render_template("admin/contact_rule_list.html", rules=rules, form=form, editing=editing)


def _empty(name: str) -> Any:
    return False if name == "is_active" else ""


def _errors(form: Any) -> str:
    return "; ".join(
        f"{form[name].label.text}: {' '.join(map(str, errors))}"
        for name, errors in form.errors.items()
    )
