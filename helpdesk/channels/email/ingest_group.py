"""Ingesting a group of raw messages with one flush: what the IMAP poll and ``helpdesk
ingest-eml`` do with each FETCH group or batch of files.

Each message ends exactly as ``ingest_raw`` would end it (created, appended, duplicate,
automatic, bounce or quarantined), but the group is received together (see
``helpdesk.intake.group``): its lookups are asked once, its rows written by one flush.
Should anything in the group fail, the group is undone and every message goes through
``ingest_raw`` alone, in its own savepoint — one bad message still only quarantines
itself (with its reason and where it failed; as raw bytes under a hash id when even
that cannot be stored), and nothing is lost. The caller commits.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.parser import BytesHeaderParser

from sqlalchemy.orm import Session

from helpdesk.attachments import storage
from helpdesk.channels.email.acknowledge import acknowledge, recent_acknowledgements
from helpdesk.channels.email.headers import normalise_message_id
from helpdesk.channels.email.ingest import (
    IngestResult,
    failure_reason,
    ingest_raw,
    mail_domains,
    parsed_row,
    quarantine,
    seen_uids,
    settle,
)
from helpdesk.channels.email.models import InboundEmail, Mailbox
from helpdesk.channels.email.settings import EmailSettings
from helpdesk.collector import fewer_collections
from helpdesk.intake.group import finish_group, prepare_group
from helpdesk.intake.inbound import Inbound
from helpdesk.intake.services import receive
from helpdesk.intake.text import clean_id, clean_line

log = logging.getLogger(__name__)

ALREADY_READ = IngestResult("duplicate", None, "already read from this mailbox", None)


@dataclass(frozen=True)
class RawMail:
    raw: bytes
    source: str
    uid: int | None = None


@dataclass
class _Pending:
    """A message of the group between parsing and its outcome."""

    row: InboundEmail
    inbound: Inbound | None
    result: IngestResult | None = None


def ingest_group(
    session: Session,
    mails: Sequence[RawMail],
    *,
    settings: EmailSettings,
    mailbox: Mailbox | None = None,
    uidvalidity: int | None = None,
    our_domains: tuple[str, ...] | None = None,
    now: datetime,
) -> list[IngestResult]:
    """Ingest ``mails`` (in order) into the session's transaction; one result each."""
    domains = our_domains or mail_domains(session, settings)
    try:
        with fewer_collections(), session.begin_nested():
            return _together(session, mails, mailbox, uidvalidity, domains, now, settings)
    except Exception:  # undone as a whole; one at a time finds (and quarantines) the culprit
        log.warning("a group of %d messages failed; ingesting them one by one", len(mails),
                    exc_info=True)
    return [
        ingest_alone(session, mail, mailbox, uidvalidity, domains, now, settings)
        for mail in mails
    ]


def ingest_alone(
    session: Session,
    mail: RawMail,
    mailbox: Mailbox | None,
    uidvalidity: int | None,
    domains: tuple[str, ...],
    now: datetime,
    settings: EmailSettings,
) -> IngestResult:
    """One message in its own savepoint: whatever it raises (a parser bug, a value the
    database refuses) quarantines it with the reason and where it failed, and nothing
    else is undone."""
    try:
        with session.begin_nested():
            return ingest_raw(
                session, mail.raw, source=mail.source, settings=settings, mailbox=mailbox,
                uidvalidity=uidvalidity, uid=mail.uid, our_domains=domains, now=now,
            )  # fmt: skip
    except Exception as error:
        log.exception("ingesting %s failed; quarantining it", clean_line(mail.source, 255))
        reason = failure_reason(error)
    return quarantine_failed(session, mail, mailbox, uidvalidity, reason, now=now)


def quarantine_failed(
    session: Session,
    mail: RawMail,
    mailbox: Mailbox | None,
    uidvalidity: int | None,
    reason: str,
    *,
    now: datetime,
) -> IngestResult:
    """Quarantine a message whose processing raised: with its Message-ID when it can be
    read and stored, else as raw bytes under an id made of their hash."""
    digest = hashlib.sha256(mail.raw).hexdigest()
    for message_id in (_readable_id(mail.raw), f"sha256-{digest}@aclara.invalid"):
        try:
            with session.begin_nested():
                row = InboundEmail(
                    mailbox=mailbox, uidvalidity=uidvalidity, uid=mail.uid, raw=mail.raw,
                    sha256=digest, size=len(mail.raw), source=clean_line(mail.source, 255),
                    message_id_header=message_id, action="quarantined", received_at=now,
                )  # fmt: skip
                result = quarantine(session, row, reason)
                session.flush()
                return result
        except Exception:
            log.exception("could not quarantine %s with id %r", digest[:12], message_id)
    raise RuntimeError(f"message {digest[:12]} could not even be quarantined")


def _readable_id(raw: bytes) -> str | None:
    try:
        found = BytesHeaderParser(policy=policy.compat32).parsebytes(raw).get("Message-ID")
    except Exception:  # the headers cannot be read either: the hash will do
        return None
    return (clean_id(normalise_message_id(str(found)) if found else None) or "")[:255] or None


def _together(
    session: Session,
    mails: Sequence[RawMail],
    mailbox: Mailbox | None,
    uidvalidity: int | None,
    domains: tuple[str, ...],
    now: datetime,
    settings: EmailSettings,
) -> list[IngestResult]:
    seen = seen_uids(session, mailbox, uidvalidity, [m.uid for m in mails if m.uid is not None])
    with storage.writing_behind(settings.intake.attachments):  # written while we work
        pending = [
            None
            if mail.uid in seen
            else _parsed(session, mail, mailbox, uidvalidity, domains, now, settings)
            for mail in mails
        ]
        inbounds = [p.inbound for p in pending if p is not None and p.inbound is not None]
        rows = sum(p is not None for p in pending)
        known = prepare_group(session, inbounds, now=now, more_ids={InboundEmail: rows})
        # Acknowledgements inside the cap's window: counted once, kept up to date as we go.
        recent = recent_acknowledgements(
            session, {c.id for c in known}, settings=settings, now=now
        )
        with session.no_autoflush:
            for item in pending:
                if item is not None and item.inbound is not None:
                    item.result = _receive(session, item, mailbox, recent, now, settings)
        finish_group(session)
        session.flush()
    return [p.result if p is not None and p.result else ALREADY_READ for p in pending]


def _parsed(
    session: Session,
    mail: RawMail,
    mailbox: Mailbox | None,
    uidvalidity: int | None,
    domains: tuple[str, ...],
    now: datetime,
    settings: EmailSettings,
) -> _Pending:
    row, inbound, problem = parsed_row(
        session, mail.raw, source=mail.source, settings=settings, mailbox=mailbox,
        uidvalidity=uidvalidity, uid=mail.uid, our_domains=domains, now=now,
    )  # fmt: skip
    if inbound is None:
        return _Pending(row, None, quarantine(session, row, problem))
    return _Pending(row, inbound)


def _receive(
    session: Session,
    item: _Pending,
    mailbox: Mailbox | None,
    recent: dict[int, int],
    now: datetime,
    settings: EmailSettings,
) -> IngestResult:
    assert item.inbound is not None
    result = receive(
        session,
        item.inbound,
        settings=settings.intake,
        queue=mailbox.queue if mailbox else None,
        now=now,
    )
    if result.action == "created" and result.ticket is not None:
        recent.setdefault(result.ticket.contact.id, 0)  # a contact new in this group
        acknowledge(session, result.ticket, settings=settings, now=now, recent=recent)
    return settle(session, item.row, result)
