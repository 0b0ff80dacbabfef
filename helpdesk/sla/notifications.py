"""In-app notices for staff, and the same notice by email (a job, after the commit).

``send_notification_emails(ids)`` is the job entry (its body in ``sla/jobs.py``): ids
only, idempotent (a notice with ``emailed_at`` is not sent again). Mail goes through
``helpdesk.mail.deliver``: the configured SMTP server, or the development outbox folder.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any, NamedTuple

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, aliased

from helpdesk import clock
from helpdesk.jobs import enqueue_after_commit
from helpdesk.mail import DeliveryError, deliver
from helpdesk.sla.models import Notification
from helpdesk.text import clean_line
from helpdesk.tickets.models import Message, Ticket
from helpdesk.users.models import User

log = logging.getLogger(__name__)
EMAIL_BATCH = 500
EXCERPT_LENGTH = 80  # of a mentioning note, in its notice
# Python's folding of a long non-ASCII header into encoded words drops a space now and
# then ("000001:«@Ana…"): a mention's subject is long and Spanish, so headers are written
# on one line (up to the 998 characters RFC 5322 allows) and stay exact.
_UNFOLDED = policy.default.clone(max_line_length=998)


class Notice(NamedTuple):
    """A notice with what its words need: the ticket's folio and, for a mention, who wrote
    the note and the note's text."""

    notification: Notification
    folio: str | None
    author: str | None = None
    note: str | None = None

    @property
    def text(self) -> str:
        n = self.notification
        return describe(n.kind, n.target, self.folio, author=self.author, note=self.note)

    @property
    def anchor(self) -> str | None:
        """The note on the ticket page a mention links to (its ``id``)."""
        message_id = self.notification.message_id
        return f"message-{message_id}" if message_id else None


def notify(session: Session, rows: Sequence[dict[str, Any]], *, email: bool = True) -> list[int]:
    """Insert notices (``user_id``, ``ticket_id``, ``kind``, ``target``, ``created_at``, and
    ``message_id`` for a mention) in one statement; their emails are queued for after the
    commit."""
    if not rows:
        return []
    ids = list(session.scalars(insert(Notification).returning(Notification.id), list(rows)))
    if email:
        for start in range(0, len(ids), EMAIL_BATCH):
            batch = ids[start : start + EMAIL_BATCH]
            enqueue_after_commit(session, send_notification_emails, batch, queue="mail")
    return ids


def unread_count(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def recent(session: Session, user_id: int, *, limit: int = 100) -> list[Notice]:
    """The user's latest notices with the folio of their ticket (and a mention's note)."""
    rows = session.execute(
        _with_words(select(Notification, Ticket.folio))
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ).all()
    return [Notice(n, folio, name, note) for n, folio, name, note in rows]


def open_notice(
    session: Session, user_id: int, notification_id: int, *, now: datetime
) -> Notice | None:
    """One of the user's notices, marked read: following it is reading it. None when the
    user has no such notice."""
    row = session.execute(
        _with_words(select(Notification, Ticket.folio)).where(
            Notification.id == notification_id, Notification.user_id == user_id
        )
    ).first()
    if row is None:
        return None
    notification, folio, name, note = row
    if notification.read_at is None:
        notification.read_at = now
        session.flush()
    return Notice(notification, folio, name, note)


def _with_words(query: Any) -> Any:
    """``query`` on notices joined to what their words need (the ticket for its folio, a
    mention's note), with the note's author's name and text added as the last two columns."""
    author = aliased(User)
    return (
        query.add_columns(author.name, Message.text)
        .outerjoin(Ticket, Ticket.id == Notification.ticket_id)
        .outerjoin(Message, Message.id == Notification.message_id)
        .outerjoin(author, author.id == Message.author_user_id)
    )


def mark_all_read(session: Session, user_id: int, *, now: datetime) -> int:
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def describe(
    kind: str,
    target: str | None,
    folio: str | None,
    *,
    author: str | None = None,
    note: str | None = None,
) -> str:
    """A notice in words, in the current locale (one line: it is also an email's subject)."""
    what = target_label(target) if target else ""
    folio = folio or "—"
    if kind == "mention":
        return _(
            "%(name)s mentioned you on %(folio)s: “%(excerpt)s”",
            name=clean_line(author or "") or _("Someone"),
            folio=folio,
            excerpt=clean_line(note or "", EXCERPT_LENGTH),
        )
    if kind == "sla.warning":
        return _("%(folio)s: the %(target)s deadline is close", folio=folio, target=what)
    if kind == "sla.breached":
        return _("%(folio)s: the %(target)s deadline has passed", folio=folio, target=what)
    if kind == "reassigned":
        return _("%(folio)s was assigned to you", folio=folio)
    return f"{folio}: {kind}"


def target_label(target: str) -> str:
    return {
        "first_response": _("first response"),
        "next_response": _("next response"),
        "resolution": _("resolution"),
    }.get(target, target)


def send_notification_emails(notification_ids: list[int]) -> int:
    """The job's name queued RQ jobs hold; the job is ``sla.jobs.send_notification_emails``."""
    from helpdesk.sla import jobs

    return jobs.send_notification_emails(notification_ids)


def email_notifications(
    session: Session, notification_ids: list[int], *, config: Mapping[str, Any]
) -> int:
    """Email each notice not emailed yet, as the app's settings (``config``) say. Returns
    how many were sent; the caller commits."""
    sent = 0
    for notice, user in _unsent(session, notification_ids):
        notification = notice.notification
        try:
            _send(user, notice, config)
        except DeliveryError as error:
            log.warning("notification %s not emailed: %s", notification.id, error)
            continue
        notification.emailed_at = clock.now()
        sent += 1
    return sent


def _unsent(session: Session, ids: list[int]) -> list[tuple[Notice, User]]:
    rows = session.execute(
        _with_words(select(Notification, User, Ticket.folio))
        .join(User, User.id == Notification.user_id)
        .where(Notification.id.in_(ids), Notification.emailed_at.is_(None), User.is_active_user)
    ).all()
    return [(Notice(n, folio, name, note), u) for n, u, folio, name, note in rows]


def _send(user: User, notice: Notice, config: Mapping[str, Any]) -> None:
    sender = config["MAIL_FROM"] or f"helpdesk@{config['MAIL_DOMAIN']}"
    folio = notice.folio or "—"
    with force_locale(user.locale):
        subject = notice.text
        body = _("Open the ticket %(folio)s in Aclara to act on it.", folio=folio)
        if notice.notification.kind == "mention":
            # The note's first words only, as on the notifications page: the rest stays
            # in Aclara, behind its sign-in, like the debtor's data it may hold.
            body = f"{subject}\n\n" + _(
                "Open the ticket %(folio)s in Aclara to read the note.", folio=folio
            )
    mail = EmailMessage(policy=_UNFOLDED)
    mail["From"] = formataddr(("Aclara", sender))
    mail["To"] = user.email
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain=config["MAIL_DOMAIN"])
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(body)
    deliver(mail, config)
