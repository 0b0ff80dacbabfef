"""The public rating page a debtor reaches from the email's links, without signing in.

The link is the credential: signed, naming one resolution of one ticket; a link that was
altered is a 404. Opening it (GET) only shows the chosen score with a form: a mail
scanner that follows every link records nothing; the vote is the POST, with CSRF.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from blueprints.ratings.forms import CommentForm, RatingForm
from helpdesk import clock
from helpdesk.extensions import db, limiter
from helpdesk.ratings import services as ratings
from helpdesk.ratings.mail import score_words

bp = Blueprint("ratings", __name__)
POST_LIMIT = "20 per minute; 100 per hour"


def _request(token: str) -> ratings.Request:
    found = ratings.look_up(db.session, token, secret_key=current_app.config["SECRET_KEY"])
    return found or abort(404)


@bp.route("/valorar/<token>/<int:score>", methods=["GET", "POST"])
@limiter.limit(POST_LIMIT, methods=["POST"])
def rate(token: str, score: int) -> Any:
    if score not in ratings.SCORES:
        abort(404)
    found = _request(token)
    if not found.is_current:
        return render_template("ratings/reopened.html", ticket=found.ticket)
    if found.rating is not None:  # a second click: the saved rating, not a second vote
        return redirect(url_for("ratings.thanks", token=token, again=1))
    form = RatingForm(data={"score": score})
    if form.validate_on_submit():
        try:
            ratings.rate(
                db.session, found.ticket, key=found.key, score=form.score.data,
                comment=form.comment.data, channel=found.ticket.channel, now=clock.now(),
            )  # fmt: skip
        except ratings.AlreadyRated:
            db.session.rollback()
            return redirect(url_for("ratings.thanks", token=token, again=1))
        except ratings.Reopened:
            db.session.rollback()
            return render_template("ratings/reopened.html", ticket=found.ticket)
        else:
            db.session.commit()
        return redirect(url_for("ratings.thanks", token=token))
    return render_template(
        "ratings/rate.html", form=form, ticket=found.ticket, words=score_words()
    ), (400 if form.errors else 200)


@bp.route("/valorar/<token>/gracias", methods=["GET", "POST"])
@limiter.limit(POST_LIMIT, methods=["POST"])
def thanks(token: str) -> Any:
    """The saved rating; the comment may be changed (the score stays as given)."""
    found = _request(token)
    if not found.is_current:
        return render_template("ratings/reopened.html", ticket=found.ticket)
    if found.rating is None:
        return redirect(url_for("ratings.rate", token=token, score=5))
    form = CommentForm(data={"comment": found.rating.comment or ""})
    saved = False
    if form.validate_on_submit():
        ratings.change_comment(db.session, found.rating, form.comment.data, now=clock.now())
        db.session.commit()
        saved = True
    return render_template(
        "ratings/thanks.html",
        form=form,
        ticket=found.ticket,
        rating=found.rating,
        words=score_words(),
        saved=saved,
        again=request.args.get("again") == "1" and not saved,
    )
