"""Collection accounts on the ticket page: link, unlink, hold state, the dispute outcome."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin.forms import EmptyForm
from blueprints.inbox.account_forms import LinkAccountForm, OutcomeForm
from blueprints.inbox.views import _ticket_or_404
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.accounts.queries import account_by_id, accounts_of_contact, contact_consents
from helpdesk.audit.queries import history_of
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.holds import queries as hold_queries
from helpdesk.holds import services as holds
from helpdesk.holds.labels import outcome_label
from helpdesk.reminders.labels import reason_label, status_label, step_label
from helpdesk.reminders.queries import account_reminders, next_reminder
from helpdesk.tickets import queries as ticket_queries
from helpdesk.tickets import services as tickets

routes = Routes()


@routes.app_template_global("account_flag")
def account_flag(flag: str) -> str:
    labels = {"under_review": _("Under review"), "fraud_review": _("Fraud review")}
    return labels.get(flag, flag)


routes.add_app_template_global(step_label, "step_label")
routes.add_app_template_global(status_label, "reminder_status_label")
routes.add_app_template_global(reason_label, "reminder_reason_label")


@routes.app_template_global("consent_source_label")
def consent_source_label(source: str) -> str:
    labels = {
        "api": _("collection system (API)"),
        "import": _("import"),
        "portal": _("debtor portal"),
        "agent": _("agent"),
    }
    return labels.get(source, source)


routes.add_app_template_global(outcome_label, "outcome_label")


@routes.route("/tickets/<folio>/accounts", methods=["POST"])
def account_link(folio: str) -> Any:
    ticket = _ticket_or_404(folio)
    form = LinkAccountForm()
    form.account_id.choices = [
        (a.id, a.number) for a in accounts_of_contact(db.session, ticket.contact_id)
    ]
    if not form.validate_on_submit():
        abort(400)
    account = account_by_id(db.session, form.account_id.data)
    holds.link_account(
        db.session, ticket, account, actor=Actor.for_user(current_user), now=clock.now()
    )
    db.session.commit()
    flash(_("Account %(number)s linked.", number=account.number), "success")
    return redirect(url_for("inbox.ticket_show", folio=ticket.folio))


@routes.route("/tickets/<folio>/accounts/<int:account_id>/unlink", methods=["POST"])
def account_unlink(folio: str, account_id: int) -> Any:
    ticket = _ticket_or_404(folio)
    account = account_by_id(db.session, account_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    holds.unlink_account(
        db.session, ticket, account, actor=Actor.for_user(current_user), now=clock.now()
    )
    db.session.commit()
    flash(_("Account %(number)s unlinked.", number=account.number), "success")
    return redirect(url_for("inbox.ticket_show", folio=ticket.folio))


@routes.route("/tickets/<folio>/outcome", methods=["POST"])
def outcome_record(folio: str) -> Any:
    ticket = _ticket_or_404(folio)
    form = OutcomeForm()
    if not form.validate_on_submit():
        problems = "; ".join(
            f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items()
        )
        flash(_("Check the outcome form: %(errors)s", errors=problems), "error")
        return redirect(url_for("inbox.ticket_show", folio=ticket.folio))
    actor, now = Actor.for_user(current_user), clock.now()
    holds.record_outcome(
        db.session,
        ticket,
        form.outcome.data,
        grace=holds.grace_period(current_app.config),
        actor=actor,
        now=now,
        adjusted_balance=form.adjusted_balance.data,
        closes_account=form.closes_account.data,
        note=form.note.data or None,
    )
    tickets.set_status(db.session, ticket, "resolved", actor=actor, now=now)
    db.session.commit()
    flash(_("Outcome recorded; the ticket is resolved."), "success")
    return redirect(url_for("inbox.ticket_show", folio=ticket.folio))


@routes.route("/accounts/<int:account_id>")
def account_show(account_id: int) -> Any:
    account = account_by_id(db.session, account_id) or abort(404)
    account_tickets = ticket_queries.tickets_of_account(db.session, account)
    account_holds = hold_queries.holds_of_account(db.session, account.id)
    outcomes = hold_queries.outcomes_by_ticket(db.session, [t.id for t in account_tickets])
    history = history_of(db.session, "collection_accounts", account.id, limit=50)
    return render_template(
        "inbox/account_show.html",
        account=account,
        tickets=account_tickets,
        holds=account_holds,
        outcomes=outcomes,
        history=history,
        hold=hold_queries.hold_state(db.session, account, now=clock.now()),
        reminders=account_reminders(db.session, account.id),
        next_reminder=next_reminder(db.session, account, now=clock.now()),
        consents=contact_consents(db.session, account.contact_id),
    )
