"""Administration of ticket types: what each one does to the linked accounts."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin.effect_forms import EFFECT_LABELS, TicketTypeEffectForm
from blueprints.forms import show_error
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.holds import effects
from helpdesk.holds.services import effect_for
from helpdesk.tickets.vocabulary import TicketType

routes = Routes()


@routes.route("/ticket-types")
def ticket_type_effect_list() -> Any:
    return render_template(
        "admin/ticket_type_effects.html",
        rows=effects.all_effects(db.session),
        effect_labels=EFFECT_LABELS,
    )


@routes.route("/ticket-types/<ticket_type>", methods=["GET", "POST"])
def ticket_type_effect_edit(ticket_type: str) -> Any:
    if ticket_type not in {t.value for t in TicketType}:
        abort(404)
    current = effect_for(db.session, ticket_type)
    form = TicketTypeEffectForm(
        data={"effect": current.effect, "channel": current.channel or "", "flag": current.flag}
    )
    if form.validate_on_submit():
        try:
            effects.set_effect(
                db.session,
                ticket_type,
                effect=form.effect.data,
                channel=form.channel.data or None,
                flag=form.flag.data or None,
                actor=Actor.for_user(current_user),
                now=clock.now(),
            )
        except effects.EffectError as error:
            show_error(form, error, default="effect")
        else:
            db.session.commit()
            flash(_("Effect saved. It applies to accounts linked from now on."), "success")
            return redirect(url_for("admin.ticket_type_effect_list"))
    status = 400 if form.errors else 200
    return render_template(
        "admin/ticket_type_effect.html", ticket_type=ticket_type, form=form
    ), status
