"""Writes on ratings, and the signed rating links a debtor gets when a ticket is resolved.

A link names one resolution of one ticket (its ``resolved_at``), signed with the app's
key: nothing is stored until the debtor rates, and a tampered link reads as no link.
Services flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.ratings.models import Rating
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.vocabulary import Channel, Status

SCORES = (1, 2, 3, 4, 5)
MAX_COMMENT = 2000
# The public page a rating link opens (``blueprints/ratings`` serves the same rule).
LINK_PATH = "/valorar/{token}/{score}"
# The id of a WhatsApp list row: the prefix tells a rating apart from any other reply.
WHATSAPP_PREFIX = "csat"
_SALT = "aclara.rating"
RESOLVED = (Status.RESOLVED.value, Status.CLOSED.value)


class RatingError(ValueError):
    """A rating that cannot be taken; the message says why, for the debtor."""


class AlreadyRated(RatingError):
    def __init__(self, rating: Rating) -> None:
        super().__init__(str(_l("You already rated this case. You can change your comment.")))
        self.rating = rating


class Reopened(RatingError):
    def __init__(self) -> None:
        super().__init__(
            str(
                _l(
                    "This case was reopened after this link was sent, so this rating no longer "
                    "applies. You will be able to rate it again when it is resolved."
                )
            )
        )


def resolution_key(moment: datetime) -> str:
    """A resolution's name in a link: its ``resolved_at`` to the microsecond, in UTC."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f")


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def make_token(ticket: Ticket, *, secret_key: str) -> str:
    """The signed name of the ticket's current resolution."""
    if ticket.resolved_at is None:
        raise ValueError("only a resolved ticket can be rated")
    return str(_serializer(secret_key).dumps([ticket.id, resolution_key(ticket.resolved_at)]))


def read_token(token: str, *, secret_key: str) -> tuple[int, str] | None:
    """(ticket id, resolution key), or None for a link that was not ours or was altered."""
    try:
        value = _serializer(secret_key).loads(token)
    except BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or not isinstance(value[1], str)
    ):
        return None
    return value[0], value[1]


@dataclass(frozen=True)
class Request:
    """What a rating link points at: the ticket, and whether it is still that resolution."""

    ticket: Ticket
    key: str
    rating: Rating | None

    @property
    def is_current(self) -> bool:
        return (
            self.ticket.status in RESOLVED
            and self.ticket.resolved_at is not None
            and (resolution_key(self.ticket.resolved_at) == self.key)
        )


def look_up(session: Session, token: str, *, secret_key: str) -> Request | None:
    """The request a link names; None when the link is not valid (the page is a 404)."""
    found = read_token(token, secret_key=secret_key)
    if found is None:
        return None
    ticket = session.get(Ticket, found[0])
    if ticket is None or ticket.status == Status.MERGED.value:
        return None
    rating = None
    if ticket.resolved_at is not None and resolution_key(ticket.resolved_at) == found[1]:
        rating = current_rating(session, ticket)
    return Request(ticket=ticket, key=found[1], rating=rating)


def current_rating(session: Session, ticket: Ticket) -> Rating | None:
    """The rating of the ticket's current resolution, if it was given."""
    if ticket.resolved_at is None:
        return None
    return session.scalar(
        select(Rating).where(
            Rating.ticket_id == ticket.id, Rating.resolved_at == ticket.resolved_at
        )
    )


def can_rate(session: Session, ticket: Ticket) -> bool:
    """A resolved ticket whose current resolution has no rating yet."""
    return ticket.status in RESOLVED and current_rating(session, ticket) is None


def rate(
    session: Session,
    ticket: Ticket,
    *,
    key: str | None,
    score: int,
    comment: str | None,
    channel: str,
    now: datetime,
) -> Rating:
    """Record the debtor's rating of the ticket's current resolution (``key``: the
    resolution a link named; None from the portal, which shows the current one).

    ``Reopened`` when that resolution is gone, ``AlreadyRated`` when it has a rating."""
    if score not in SCORES:
        raise RatingError(str(_l("Choose a score from 1 to 5.")))
    if ticket.status not in RESOLVED or ticket.resolved_at is None:
        raise Reopened()
    if key is not None and resolution_key(ticket.resolved_at) != key:
        raise Reopened()
    existing = current_rating(session, ticket)
    if existing is not None:
        raise AlreadyRated(existing)
    rating = Rating(
        ticket_id=ticket.id,
        resolved_at=ticket.resolved_at,
        contact_id=ticket.contact_id,
        agent_id=ticket.assignee_id,
        queue_id=ticket.queue_id,
        score=score,
        comment=_clean(comment),
        channel=Channel(channel).value,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():  # two clicks at once: one row, the other is told
            session.add(rating)
            session.flush()
    except IntegrityError:
        existing = current_rating(session, ticket)
        if existing is None:
            raise
        raise AlreadyRated(existing) from None
    record(
        session,
        Actor.for_contact(ticket.contact),
        "ticket.rated",
        ticket,
        now=now,
        ticket=ticket,
        after={"score": score, "channel": rating.channel},
    )
    return rating


def change_comment(session: Session, rating: Rating, comment: str | None, *, now: datetime) -> None:
    """The debtor may come back and change the comment; the score stays as given."""
    before, after = rating.comment, _clean(comment)
    if before == after:
        return
    rating.comment, rating.updated_at = after, now
    session.flush()
    ticket = session.get(Ticket, rating.ticket_id)
    record(
        session,
        Actor.for_contact(ticket.contact),
        "ticket.rating_comment_changed",
        ticket,
        now=now,
        ticket=ticket,
        before={"comment": before},
        after={"comment": after},
    )


def _clean(comment: str | None) -> str | None:
    text = (comment or "").strip()[:MAX_COMMENT]
    return text or None


def wants_request(before: str, after: str) -> bool:
    """A ticket was just resolved (or closed straight from being open): ask for a rating.
    Resolved → closed asks nothing: that resolution was asked about already."""
    return after in RESOLVED and before not in RESOLVED and before != Status.MERGED.value
