"""An agent's reply by email from the ticket page: to the debtor, with the Cc the agent
chose, the agent's and the queue's signature, and optionally the ticket's next status in
the same action ("send and set pending", "send and resolve").

The message is stored ``queued`` by ``tickets.reply``; the mail queue's job sends it
(``outbound.send_email_job``) and its status shows on the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from helpdesk.audit.services import Actor
from helpdesk.errors import FieldError
from helpdesk.holds import services as holds
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Message, Ticket
from helpdesk.tickets.services import IncomingFile
from helpdesk.tickets.vocabulary import Channel, Status
from helpdesk.users.models import User

MAX_CC = 10
AFTER_SENDING = (Status.PENDING, Status.RESOLVED)


class ReplyRefused(FieldError):
    """The reply cannot go as written; ``field`` names what to fix."""


@dataclass(frozen=True)
class EmailReply:
    text: str
    cc: Sequence[str] = ()
    files: Sequence[IncomingFile] = field(default_factory=tuple)
    then: str | None = None  # a status from AFTER_SENDING, set in the same action
    # The newest message from the debtor the agent's page showed (None: not asked): a
    # newer one stops the reply, status change included (``tickets.NewMessageArrived``).
    seen_message_id: int | None = None


def parse_addresses(typed: str) -> list[str]:
    """``a@b.mx, c@d.mx; e@f.mx`` -> the addresses, each checked (no DNS lookup)."""
    found = []
    for part in typed.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            found.append(validate_email(part, check_deliverability=False).normalized.lower())
        except EmailNotValidError:
            raise ReplyRefused("cc", _l("Not an email address: %(value)s", value=part)) from None
    if len(found) > MAX_CC:
        raise ReplyRefused("cc", _l("At most %(n)d addresses in Cc.", n=MAX_CC))
    return list(dict.fromkeys(found))


def signature_for(author: User, ticket: Ticket) -> str:
    parts = [author.signature.strip()]
    if ticket.queue is not None:
        parts.append(ticket.queue.signature.strip())
    return "\n".join(p for p in parts if p)


# Tickets an agent answers by email: mail, and the public web form (whoever wrote there
# left an address; the answer goes to the one on the contact, never to an address the
# anonymous form merely typed for a contact who already had one).
EMAIL_ANSWERED = frozenset({Channel.EMAIL.value, Channel.WEBFORM.value})


def answers_by_email(ticket: Ticket) -> bool:
    """Whether the composer offers "Reply by email" on this ticket."""
    return ticket.channel in EMAIL_ANSWERED and bool(ticket.contact and ticket.contact.email)


def reply_by_email(
    session,
    ticket: Ticket,
    reply: EmailReply,
    *,
    author: User,
    attachments: Path | None = None,
    now: datetime,
) -> Message:
    """``attachments``: the file store's directory, needed when the reply has files."""
    if ticket.channel not in EMAIL_ANSWERED:
        raise ReplyRefused("text", _l("This case did not come by email: answer it on its channel."))
    if not ticket.contact.email:
        raise ReplyRefused("text", _l("This debtor has no email address."))
    if reply.then is not None and Status(reply.then) not in AFTER_SENDING:
        raise ReplyRefused("then", _l("Choose pending or resolved."))
    tickets.require_seen(session, ticket, reply.seen_message_id)
    text = reply.text.rstrip()
    signature = signature_for(author, ticket)
    if signature:
        text = f"{text}\n\n-- \n{signature}"  # "-- " is the standard signature separator
    message = tickets.reply(
        session,
        ticket,
        author=author,
        text=text,
        files=reply.files,
        attachments=attachments,
        now=now,
    )
    message.recipients = {"to": [ticket.contact.email], "cc": list(reply.cc)}
    if reply.then is not None:
        # Resolving a ticket that holds accounts needs the dispute's outcome: refused here
        # (the caller rolls back the reply too) so the agent records it in the status card.
        holds.change_status(session, ticket, reply.then, actor=Actor.for_user(author), now=now)
    return message
