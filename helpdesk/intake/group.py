"""Receiving a group of messages with one flush (the email poller's FETCH group).

``receive`` asks the database a handful of questions per message: was it stored, which
stored messages does it name or name it, who sent it, which accounts and rules apply.
Asked once per message, with a flush before each to learn ids, that is most of the cost
of intake. ``prepare_group`` asks each question once for the whole group, reserves the
ids and folios the group may use, and leaves the answers in transaction caches that
``receive`` consults and keeps current (a reply in the same group as its parent threads
on it). The caller then receives every message with autoflush off and flushes once:
the group is written by a few multi-row INSERTs.

What the caches do not hold is asked of the database as usual; since the group is not
flushed yet, such questions see only what was there before the group, which is why
everything a later message of the group could need from an earlier one is cached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, joinedload, selectinload

from helpdesk.accounts.queries import prefetch_accounts
from helpdesk.contacts.models import Contact, ContactIdentity
from helpdesk.contacts.services import prefetch_contacts
from helpdesk.db import (
    caches_intact,
    forget_transaction_caches,
    release_ids,
    reserve_ids,
    transaction_cache,
)
from helpdesk.intake import threading
from helpdesk.intake.inbound import Inbound, with_fitted_ids
from helpdesk.intake.text import clean_inbound
from helpdesk.routing.services import prefetch_rules
from helpdesk.sla import deadlines
from helpdesk.tickets.folio import release_folios, reserve_folios
from helpdesk.tickets.models import Attachment, Message, MessageReference, Ticket


def prepare_group(
    session: Session,
    inbounds: Sequence[Inbound],
    *,
    now: datetime,
    more_ids: Mapping[type[Any], int] | None = None,
) -> list[Contact]:
    """Load what receiving ``inbounds`` will ask, reserve their ids (and ``more_ids``, the
    channel's own rows) and folios; returns the contacts already known among the senders
    and participants."""
    inbounds = [with_fitted_ids(clean_inbound(i)) for i in inbounds]
    _prefetch_messages(session, inbounds)
    _prefetch_early_replies(session, inbounds)
    _prefetch_deadlines(session)
    people = [(i.sender.kind, i.sender.value) for i in inbounds]
    people += [(p.kind, p.value) for i in inbounds for p in i.participants]
    known = prefetch_contacts(session, people)
    ids = reserve_ids(
        session,
        {
            Contact: len(people),
            ContactIdentity: len(people),
            Ticket: len(inbounds),
            Message: 2 * len(inbounds),  # each may get an acknowledgement
            Attachment: sum(len(i.files) for i in inbounds),
            **(more_ids or {}),
        },
    )
    prefetch_accounts(session, [c.id for c in known], new_contact_ids=ids.get(Contact, []))
    prefetch_rules(session)
    reserve_folios(session, len(inbounds), now=now)
    return known


def finish_group(session: Session) -> None:
    """Give back the folios the group did not use and stop handing out reserved ids.

    Raises GroupInterrupted when the caches vanished on the way (a savepoint rolled back
    inside intake): later messages were then received without them, blind to the earlier
    ones, and the group must be done again one message at a time.
    """
    if not caches_intact(session, threading.MESSAGES, threading.EARLY_REPLIES):
        raise GroupInterrupted("the group's lookups were dropped by a rollback")
    release_folios(session)
    release_ids(session)
    forget_transaction_caches(session)  # they describe this group; the next asks afresh


class GroupInterrupted(RuntimeError):
    """The group cannot be trusted as a whole; receive its messages one by one."""


def _prefetch_messages(session: Session, inbounds: Sequence[Inbound]) -> None:
    """Stored messages with the group's own ids (duplicates) or the ids they name."""
    wanted = {i.external_id for i in inbounds if i.external_id}
    wanted |= {n for i in inbounds for n in threading.named_ids(i)}
    known = transaction_cache(session, threading.MESSAGES)
    wanted -= set(known)
    if not wanted:
        return
    for message_id in wanted:
        known[message_id] = None
    rows = session.scalars(
        select(Message)
        .options(
            defer(Message.text), defer(Message.new_text), defer(Message.html),  # not read
            joinedload(Message.ticket).options(*_THREAD_LOADS),
        )
        .where(Message.external_id.in_(wanted))
        .order_by(Message.id)
    )
    for message in rows:
        if known[message.external_id] is None:
            known[message.external_id] = message


# What appending to a ticket reads, loaded with the tickets the group threads on.
_THREAD_LOADS = (joinedload(Ticket.contact), selectinload(Ticket.participants))


def _prefetch_deadlines(session: Session) -> None:
    """The SLA history and deadline rows of the tickets found above."""
    tickets = {m.ticket for m in transaction_cache(session, threading.MESSAGES).values() if m}
    tickets |= {t for t in transaction_cache(session, threading.EARLY_REPLIES).values() if t}
    if tickets:
        deadlines.prefetch(session, [t.id for t in tickets])


def _prefetch_early_replies(session: Session, inbounds: Sequence[Inbound]) -> None:
    """For each message of the group, the ticket of a stored message that names it."""
    wanted = {i.external_id for i in inbounds if i.external_id}
    known = transaction_cache(session, threading.EARLY_REPLIES)
    wanted -= set(known)
    if not wanted:
        return
    for message_id in wanted:
        known[message_id] = None
    rows = session.execute(
        select(MessageReference.referenced, Ticket)
        .join(Message, MessageReference.message_id == Message.id)
        .join(Ticket, Message.ticket_id == Ticket.id)
        .where(MessageReference.referenced.in_(wanted))
        .order_by(Message.id)
        .options(*_THREAD_LOADS)
    )
    for referenced, ticket in rows:
        if known[referenced] is None:
            known[referenced] = ticket
