"""An internal note that @mentions colleagues: the note, and a notice to each one named.

Here, with the staff notices, because ``tickets`` (the note) and ``users`` (who a handle
names, ``users/mentions.py``) are both below ``sla`` and neither may know notices.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from helpdesk.sla.notifications import notify
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Message, Ticket
from helpdesk.users.mentions import mentioned_users
from helpdesk.users.models import User

KIND = "mention"


def add_note(
    session: Session,
    ticket: Ticket,
    *,
    author: User,
    text: str,
    files: Sequence[tickets.IncomingFile] = (),
    attachments: Path | None = None,
    now: datetime,
) -> Message:
    """``tickets.services.add_note``, then one notice (in the app and by email, after the
    commit) to each active colleague the note mentions; the author is not notified."""
    message = tickets.add_note(
        session, ticket, author=author, text=text, files=files, attachments=attachments, now=now
    )
    notify_mentioned(session, message, author=author, now=now)
    return message


def notify_mentioned(session: Session, message: Message, *, author: User, now: datetime) -> int:
    """Notify the staff ``message`` mentions; returns how many."""
    rows = [
        {
            "user_id": user.id,
            "ticket_id": message.ticket_id,
            "message_id": message.id,
            "kind": KIND,
            "target": None,
            "created_at": now,
        }
        for user in mentioned_users(session, message.text, author=author)
    ]
    return len(notify(session, rows))
