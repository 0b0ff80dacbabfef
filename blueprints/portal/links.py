"""Magic links from reminders and replies: open (GET, harmless), continue (POST, uses it).

A used, expired or unknown link lands on one fallback page. For a link we issued, it
offers a fresh code to the contact's email shown masked (whoever holds an old link never
sees the address); for a token we never issued, it only points to the sign-in page.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, session, url_for

from blueprints.portal.forms import LinkForm
from blueprints.portal.guard import FALLBACK_KEY, bp, set_pending, sign_in
from blueprints.portal.signin import send_email_code
from helpdesk import clock
from helpdesk.audit.services import Actor, record
from helpdesk.contacts.models import Contact
from helpdesk.contacts.queries import contact_by_id
from helpdesk.extensions import db, limiter
from helpdesk.portal.destinations import EMAIL, destinations_of
from helpdesk.signins import links


def _link_limit() -> str:
    return current_app.config["PORTAL_LINK_RATE_LIMIT"]


def _code_limit() -> str:
    return current_app.config["PORTAL_CODE_RATE_LIMIT"]


# One budget per IP for opening, using and falling back from links: guessing tokens is
# hopeless anyway (256 bits), this keeps it from costing us anything.
def _fallback_key() -> str:
    # Per link: an old link cannot flood its debtor's mailbox with codes.
    return f"portal-link-code|{session.get(FALLBACK_KEY)}"


@bp.get("/link/<token>")
@limiter.shared_limit(_link_limit, scope="portal-link")
def link_open(token: str) -> Any:
    state = links.inspect(db.session, token, secret=_secret(), now=clock.now())
    if state.status != "valid":
        return _to_fallback(state)
    return render_template("portal/link_continue.html", form=LinkForm(), token=token)


@bp.post("/link/<token>")
@limiter.shared_limit(_link_limit, scope="portal-link")
def link_use(token: str) -> Any:
    if not LinkForm().validate_on_submit():
        return redirect(url_for("portal.link_open", token=token))
    now = clock.now()
    state = links.use(db.session, token, secret=_secret(), now=now)
    contact = contact_by_id(db.session, state.link.contact_id) if state.link else None
    if state.status != "valid" or contact is None:
        db.session.commit()
        return _to_fallback(state)
    record(db.session, Actor.for_contact(contact), "portal.signed_in_by_link", state.link,
           now=now, after={"purpose": state.link.purpose})
    db.session.commit()
    sign_in(contact)
    return redirect(url_for("portal.home"))


@bp.route("/link/expired", methods=["GET", "POST"])
@limiter.shared_limit(_link_limit, scope="portal-link", methods=["POST"])
@limiter.limit(_code_limit, key_func=_fallback_key, methods=["POST"])
def link_fallback() -> Any:
    contact = _fallback_contact()
    email = next((d for d in destinations_of(contact, whatsapp=False) if d.channel == EMAIL),
                 None) if contact else None
    form = LinkForm()
    if email is not None and contact is not None and form.validate_on_submit():
        send_email_code(contact, email.value)
        set_pending(contact.id, email.shown)
        return redirect(url_for("portal.code_verify"))
    return render_template(
        "portal/link_fallback.html", form=form, shown=email.shown if email else None
    )


def _to_fallback(state: links.LinkState) -> Any:
    if state.link is not None:
        session[FALLBACK_KEY] = state.link.id
    else:
        session.pop(FALLBACK_KEY, None)
    return redirect(url_for("portal.link_fallback"))


def _fallback_contact() -> Contact | None:
    link_id = session.get(FALLBACK_KEY)
    link = links.link_by_id(db.session, link_id) if isinstance(link_id, int) else None
    return contact_by_id(db.session, link.contact_id) if link else None


def _secret() -> str:
    return current_app.config["SECRET_KEY"]
