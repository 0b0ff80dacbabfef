"""Webhook payloads: stored raw first (there is no API to fetch them again), processed
by a job on the ``intake`` queue.

Processing walks every entry, change and item. Messages go through ``intake.receive()``
in timestamp order, each in its own savepoint (one bad item never blocks the others);
statuses and reactions are upserted. A change for a phone number id we do not have is
kept, not processed, and the row says why. Running the job twice changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from rq import Retry
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk.channels.whatsapp import numbers, reactions, statuses
from helpdesk.channels.whatsapp.models import WhatsAppNumber, WhatsAppWebhook
from helpdesk.channels.whatsapp.parse import Change, Parsed, changes, parse_message
from helpdesk.channels.whatsapp.receive import receive_message
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.jobs import enqueue_after_commit

log = logging.getLogger(__name__)
MAX_BODY = 3 * 1024 * 1024
PROCESS_RETRY = Retry(max=3, interval=[10, 60, 300])


@dataclass
class Outcome:
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # skipped on purpose (other fields)
    pending_wamids: list[str] = field(default_factory=list)


def store(session: Session, body: bytes, *, now: datetime) -> int:
    """Keep a signed payload as it arrived and queue its processing (after the commit).

    A Core insert, not the unit of work: this runs on every POST Meta makes."""
    webhook_id = session.execute(
        insert(WhatsAppWebhook)
        .values(
            body=body,
            sha256=hashlib.sha256(body).hexdigest(),
            size=len(body),
            action="pending",
            received_at=now,
        )
        .returning(WhatsAppWebhook.id)
    ).scalar_one()
    enqueue_after_commit(
        session, process_webhook_job, webhook_id, queue="intake", retry=PROCESS_RETRY
    )
    return webhook_id


def process_webhook_job(webhook_id: int) -> None:
    """The job's name queued RQ jobs hold; the job is ``channels.whatsapp.jobs``'s."""
    from helpdesk.channels.whatsapp import jobs

    jobs.process_webhook_job(webhook_id)


def process(
    session: Session, row: WhatsAppWebhook, *, settings: WhatsAppSettings, now: datetime
) -> Outcome:
    outcome = Outcome()
    try:
        found, skipped = changes(json.loads(row.body))
    except (ValueError, RecursionError) as error:
        found, skipped = [], []
        outcome.problems.append(str(error)[:200])
    outcome.notes += skipped
    if not found and not skipped and not outcome.problems:
        outcome.problems.append("no messages change in the payload")
    known: list[tuple[Change, WhatsAppNumber]] = []
    for change in found:
        number = numbers.number_for(session, change.phone_number_id, settings)
        if number is None:
            outcome.counts["unknown_number"] += len(change.messages) + len(change.statuses)
            outcome.problems.append(f"unknown phone_number_id {change.phone_number_id}")
            continue
        outcome.problems += [f"error {e.get('code')}: {e.get('title')}" for e in change.errors]
        known.append((change, number))
    _messages(session, known, outcome, settings=settings, now=now)
    _statuses(session, [c for c, _ in known], outcome, now=now)
    _finish(row, outcome, now=now)
    session.flush()
    return outcome


def _messages(
    session: Session,
    known: list[tuple[Change, WhatsAppNumber]],
    outcome: Outcome,
    *,
    settings: WhatsAppSettings,
    now: datetime,
) -> None:
    """Every message of every change, oldest first (by its own timestamp)."""
    items = [
        (parse_message(message, change.contacts), change, number)
        for change, number in known
        for message in change.messages
    ]
    items.sort(key=lambda item: item[0].sent_at or now)
    for parsed, change, number in items:
        if not parsed.wamid:
            outcome.problems.append("a message without id was skipped")
            continue
        try:
            action = _one(session, parsed, change, number, settings=settings, now=now)
        except Exception as error:  # one bad item must not stop the others
            log.exception("whatsapp message %s could not be processed", parsed.wamid[:40])
            outcome.problems.append(f"{parsed.wamid[:60]}: {type(error).__name__}: {error}")
            action = "failed"
        outcome.counts[action] += 1


def _one(
    session: Session,
    parsed: Parsed,
    change: Change,
    number: WhatsAppNumber,
    *,
    settings: WhatsAppSettings,
    now: datetime,
) -> str:
    for tries_left in (1, 0):
        try:
            with session.begin_nested():
                if parsed.kind == "reaction":
                    return reactions.apply(session, parsed, now=now)
                return receive_message(
                    session, parsed, change, number, settings=settings, now=now
                )
        except IntegrityError:
            if not tries_left:
                raise  # another worker stored it at the same moment: the retry dedupes
    return "failed"  # pragma: no cover


def _statuses(session: Session, found: list[Change], outcome: Outcome, *, now: datetime) -> None:
    items = [s for change in found for s in change.statuses]
    items.sort(key=lambda s: str(s.get("timestamp") or ""))
    stored = []
    for status in items:
        try:
            with session.begin_nested():
                row = statuses.store(session, status, now=now)
        except IntegrityError:  # the same status stored by another worker just now
            row = None
        if row is None:
            outcome.counts["status_duplicate"] += 1
            continue
        stored.append(row.wamid)
        outcome.counts["status"] += 1
    statuses.apply_pending(session, stored, now=now)
    outcome.pending_wamids = stored


def _finish(row: WhatsAppWebhook, outcome: Outcome, *, now: datetime) -> None:
    """processed | partial (some items not handled) | unknown_number | failed; with why."""
    counts = outcome.counts
    handled = sum(v for k, v in counts.items() if k not in ("failed", "unknown_number"))
    if counts["failed"] or (outcome.problems and not counts["unknown_number"]):
        row.action = "partial" if handled else "failed"
    elif counts["unknown_number"]:
        row.action = "partial" if handled else "unknown_number"
    else:
        row.action = "processed"
    notes = [*outcome.problems, *outcome.notes]
    row.reason = "; ".join(dict.fromkeys(notes))[:1000] or None
    row.counts = {k: v for k, v in counts.items() if v}
    row.processed_at = now
