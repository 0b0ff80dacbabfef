"""The rating prompt on a resolved case: five buttons (one click rates) and an optional
comment, for the debtor's own cases only (anyone else's is a 404 like every portal page)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from blueprints.portal.guard import bp, current_contact
from helpdesk import clock
from helpdesk.extensions import db
from helpdesk.intake.text import clean_text
from helpdesk.portal import queries
from helpdesk.ratings import services as ratings
from helpdesk.tickets.vocabulary import Channel


class PortalRatingForm(FlaskForm):
    score = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=5)])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)])


def rating_prompt(ticket: Any) -> dict[str, Any]:
    """What the case page shows: the prompt while the resolution is unrated, else the
    rating given (nothing while the case is open)."""
    return {
        "form": PortalRatingForm(),
        "can_rate": ratings.can_rate(db.session, ticket),
        "given": ratings.current_rating(db.session, ticket),
    }


@bp.post("/cases/<folio>/rating")
def ticket_rate(folio: str) -> Any:
    ticket = queries.ticket_of(db.session, current_contact().id, clean_text(folio)) or abort(404)
    form = PortalRatingForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        ratings.rate(
            db.session, ticket, key=None, score=form.score.data, comment=form.comment.data,
            channel=Channel.PORTAL.value, now=clock.now(),
        )  # fmt: skip
    except ratings.RatingError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Thank you for your rating."), "success")
    return redirect(url_for("portal.ticket_show", folio=ticket.folio))
