"""The web form's two signed tokens (itsdangerous, the app's secret key, a salt each,
times from ``helpdesk.clock``, so tests move them):

* the moment the form was shown, in a hidden field: the minimum fill time is measured
  from it, and it is the form's anti-forgery token (the form needs no session cookie,
  which a browser may drop inside a creditor's iframe: see docs/webform.md);
* the confirmation page's key to one ticket's folio and acuse, for a day: never a bare
  id, so nobody reaches another ticket by counting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from helpdesk.tickets.models import Ticket
from helpdesk.tickets.vocabulary import Channel

FORM_SALT = "aclara.webform.form"
ACUSE_SALT = "aclara.webform.acuse"
ACUSE_LIFETIME = timedelta(hours=24)
FORM_LIFETIME = timedelta(hours=12)  # a form left open longer is shown again, text kept


def form_token(secret: str, *, now: datetime) -> str:
    """The hidden field that says when the form was shown (signed: not forgeable)."""
    return URLSafeSerializer(secret, salt=FORM_SALT).dumps({"at": now.timestamp()})


def form_shown_at(secret: str, token: str) -> datetime | None:
    """When the form with this token was shown; None for a missing or altered token."""
    try:
        payload = URLSafeSerializer(secret, salt=FORM_SALT).loads(token or "")
        return datetime.fromtimestamp(float(payload["at"]), tz=UTC)
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def acuse_token(secret: str, ticket: Ticket, *, mailed: bool, now: datetime) -> str:
    """The confirmation page's key to one ticket's folio and acuse, for a day."""
    payload = {"t": ticket.id, "m": int(mailed), "at": int(now.timestamp())}
    return URLSafeSerializer(secret, salt=ACUSE_SALT).dumps(payload)


def ticket_for_token(
    session: Session, secret: str, token: str, *, now: datetime
) -> tuple[Ticket, bool] | None:
    """The ticket a token opens and whether its acuse was mailed; None when the token is
    altered, expired or names no ticket (the caller answers 404)."""
    try:
        payload = URLSafeSerializer(secret, salt=ACUSE_SALT).loads(token)
        ticket_id, mailed, issued = int(payload["t"]), bool(payload["m"]), int(payload["at"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    age = now.timestamp() - issued
    if not 0 <= age <= ACUSE_LIFETIME.total_seconds():
        return None
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.channel != Channel.WEBFORM.value:
        return None
    return ticket, mailed


