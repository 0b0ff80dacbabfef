"""The email adapter's door: raw bytes in, a ticket change (or a quarantine row) out.

Used by the IMAP poller, ``helpdesk ingest-eml`` and quarantine retries. The raw bytes
are stored first; the InboundEmail row and the ticket change are flushed together, so
the caller's one commit makes both durable — only then may IMAP move the message.
A message that cannot be parsed, or whose processing fails, is quarantined with its
reason: one bad message never blocks the others, and nothing is dropped.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.channels.email.acknowledge import acknowledge
from helpdesk.channels.email.headers import normalise_message_id
from helpdesk.channels.email.models import InboundEmail, Mailbox, raw_bytes
from helpdesk.channels.email.parse import UnparseableEmail, parse_email
from helpdesk.channels.email.settings import EmailSettings
from helpdesk.intake.inbound import Inbound
from helpdesk.intake.services import IntakeResult, receive
from helpdesk.intake.text import clean_id, clean_line
from helpdesk.queues.models import Queue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    action: str  # created | appended | duplicate | auto_reply | bounce | quarantined
    folio: str | None
    reason: str | None
    record: InboundEmail | None


def ingest_raw(
    session: Session,
    raw: bytes,
    *,
    source: str,
    settings: EmailSettings,
    mailbox: Mailbox | None = None,
    uidvalidity: int | None = None,
    uid: int | None = None,
    our_domains: tuple[str, ...] | None = None,
    now: datetime,
) -> IngestResult:
    if uid is not None and _seen_uid(session, mailbox, uidvalidity, uid):
        return IngestResult("duplicate", None, "already read from this mailbox", None)
    row, inbound, problem = parsed_row(
        session, raw, source=source, settings=settings, mailbox=mailbox,
        uidvalidity=uidvalidity, uid=uid, our_domains=our_domains, now=now,
    )  # fmt: skip
    if inbound is None:
        return _quarantine(session, row, problem)
    return _deliver(session, row, inbound, mailbox, settings=settings, now=now)


def parsed_row(
    session: Session,
    raw: bytes,
    *,
    source: str,
    settings: EmailSettings,
    mailbox: Mailbox | None,
    uidvalidity: int | None,
    uid: int | None,
    our_domains: tuple[str, ...] | None,
    now: datetime,
) -> tuple[InboundEmail, Inbound | None, str]:
    """Parse ``raw`` and make its inbound row: (row, inbound, "") or, for bytes that are
    not mail, (row, None, the quarantine reason)."""
    kept = {"source": source, "mailbox": mailbox, "uidvalidity": uidvalidity, "uid": uid}
    try:
        inbound = parse(session, raw, our_domains, settings)
    except UnparseableEmail as error:
        return _new_row(raw, **kept, now=now), None, f"unparseable: {error.reason}"
    row = _new_row(raw, **kept, now=now, sha256=inbound.raw_sha256)
    row.message_id_header = inbound.external_id[:255]
    return row, inbound, ""


def _new_row(
    raw: bytes,
    *,
    source: str,
    mailbox: Mailbox | None,
    uidvalidity: int | None,
    uid: int | None,
    now: datetime,
    sha256: str | None = None,
) -> InboundEmail:
    """Keep the raw bytes (``sha256``: their digest, when known) on a row that joins the
    session with its outcome: one INSERT, committed with the ticket change. In the
    database, not the file store: a file per message cost more than all of intake."""
    return InboundEmail(
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uid=uid,
        raw=raw,
        sha256=sha256 or hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        source=clean_line(source, 255),
        action="quarantined",
        received_at=now,
    )


def parse(
    session: Session, raw: bytes, our_domains: tuple[str, ...] | None, settings: EmailSettings
) -> Inbound:
    return parse_email(
        raw,
        max_bytes=settings.max_bytes,
        our_domains=our_domains or mail_domains(session, settings),
        folio_prefix=settings.intake.folio_prefix,
    )


def retry_quarantined(
    session: Session, row: InboundEmail, *, settings: EmailSettings, now: datetime
) -> IngestResult:
    """Run a quarantined message through intake again (after a fix or a config change).

    A message quarantined for its size was never fetched whole (only its headers are
    kept): processing those again would open a ticket with no body, so it is refused.
    """
    if (row.reason or "").startswith("too large"):
        return IngestResult("quarantined", None, row.reason, row)
    raw = raw_bytes(row, settings.intake.attachments)
    row.retried_at = now
    try:
        inbound = parse(session, raw, None, settings)
    except UnparseableEmail as error:
        return _quarantine(session, row, f"unparseable: {error.reason}")
    row.message_id_header = inbound.external_id[:255]
    return _deliver(session, row, inbound, row.mailbox, settings=settings, now=now)


def quarantine_oversize(
    session: Session,
    *,
    headers: bytes,
    size: int,
    source: str,
    mailbox: Mailbox | None,
    uidvalidity: int | None,
    uid: int | None,
    now: datetime,
) -> IngestResult:
    """Record a message too large to fetch: only its headers are kept, quarantined.

    The stored bytes are the headers alone, so a retry cannot rebuild the message; the
    original stays on the IMAP server (moved to the processed folder like any other).
    """
    if uid is not None and _seen_uid(session, mailbox, uidvalidity, uid):
        return IngestResult("duplicate", None, "already read from this mailbox", None)
    parsed = BytesHeaderParser(policy=policy.compat32).parsebytes(headers)
    row = InboundEmail(
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uid=uid,
        message_id_header=(clean_id(normalise_message_id(parsed.get("Message-ID"))) or "")[:255]
        or None,
        raw=headers,
        sha256=hashlib.sha256(headers).hexdigest(),
        size=size,
        source=clean_line(source, 255),
        action="quarantined",
        received_at=now,
    )
    session.add(row)
    return _quarantine(session, row, f"too large: {size} bytes")


def _deliver(
    session: Session,
    row: InboundEmail,
    inbound: Inbound,
    mailbox: Mailbox | None,
    *,
    settings: EmailSettings,
    now: datetime,
) -> IngestResult:
    try:
        with session.begin_nested():
            result = receive(
                session,
                inbound,
                settings=settings.intake,
                queue=mailbox.queue if mailbox else None,
                now=now,
            )
    except Exception as error:  # one bad message must not stop the mailbox
        log.exception("intake failed for inbound email %s", row.sha256[:12])
        return _quarantine(session, row, failure_reason(error))
    if result.action == "created":
        acknowledge(session, result.ticket, settings=settings, now=now)
    outcome = settle(session, row, result)
    session.flush()
    return outcome


def failure_reason(error: BaseException) -> str:
    """``processing failed: Type: message (at file:line in function ← …)``, one line."""
    frames = traceback.extract_tb(error.__traceback__)[-3:]
    where = " ← ".join(
        f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in reversed(frames)
    )
    text = clean_line(f"{type(error).__name__}: {error}", 300)
    return clean_line(f"processing failed: {text}" + (f" (at {where})" if where else ""), 500)


def settle(session: Session, row: InboundEmail, result: IntakeResult) -> IngestResult:
    """Record intake's outcome on the inbound row (the caller flushes)."""
    row.action, row.reason = result.action, result.reason
    row.ticket, row.message = result.ticket, result.message
    session.add(row)
    return IngestResult(
        result.action, result.ticket.folio if result.ticket else None, result.reason, row
    )


def _quarantine(session: Session, row: InboundEmail, reason: str) -> IngestResult:
    result = quarantine(session, row, reason)
    session.flush()
    return result


def quarantine(session: Session, row: InboundEmail, reason: str) -> IngestResult:
    """Keep the message with its reason (the caller flushes)."""
    row.action, row.reason = "quarantined", reason[:500]
    session.add(row)
    log.warning("quarantined inbound email %s: %s", row.sha256[:12], reason[:200])
    return IngestResult("quarantined", None, row.reason, row)


def _seen_uid(session: Session, mailbox: Mailbox | None, uidvalidity: int | None, uid: int) -> bool:
    return bool(seen_uids(session, mailbox, uidvalidity, [uid]))


def seen_uids(
    session: Session, mailbox: Mailbox | None, uidvalidity: int | None, uids: list[int]
) -> set[int]:
    """Which of these UIDs of the mailbox were read before (replays after a crash)."""
    if not uids:
        return set()
    return set(
        session.scalars(
            select(InboundEmail.uid).where(
                InboundEmail.mailbox_id == (mailbox.id if mailbox else None),
                InboundEmail.uidvalidity == uidvalidity,
                InboundEmail.uid.in_(uids),
            )
        )
    )


def mail_domains(session: Session, settings: EmailSettings) -> tuple[str, ...]:
    """The domains we send from: mail naming them in X-Loop or Message-ID is our own."""
    addresses = [
        *session.scalars(select(Mailbox.email_address)),
        *session.scalars(select(Queue.email_address).where(Queue.email_address.is_not(None))),
    ]
    configured = settings.mail_domain
    domains = {a.rsplit("@", 1)[-1].lower() for a in addresses if a and "@" in a}
    return tuple(sorted(domains | ({configured} if configured else set())))
