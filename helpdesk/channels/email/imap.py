"""Reading a mailbox over IMAP (imapclient): the crash-safe poll (the IDLE loop that
calls it is in :mod:`idle`).

The poll, in this order (see docs "IMAP with imapclient"):

1. SELECT the folder. A UIDVALIDITY other than the stored one drops the cursor
   (``last_uid = 0``): everything is read again and intake's Message-ID dedupe turns the
   old messages into duplicates, never into second tickets.
2. ``UID SEARCH last+1:*`` — never ``UNSEEN``: another client marking mail read must not
   hide it. Keep ``uid > last`` only (a ``n:*`` range always returns the newest message).
3. Sizes first (``RFC822.SIZE``); bodies with ``BODY.PEEK[]`` (which leaves ``\\Seen``
   alone) in groups of bounded total size. A message larger than
   ``OVERSIZE_FACTOR × MAIL_MAX_BYTES`` is not downloaded: its headers are recorded as a
   quarantined InboundEmail ("too large: N bytes") and the poll goes on.
4. For each group, in UID order: ``ingest_group`` (one flush for the group; if anything
   fails, each message alone in its own savepoint, so one bad message is quarantined
   alone) → **commit** → move the group to the
   processed folder in one command (or, without one, flag it ``\\Seen`` for people
   reading the mailbox; progress is the UID cursor, flags are never read back) →
   ``last_uid`` = the group's last UID → commit. A crash after the first commit is a
   replay: the (mailbox, uidvalidity, uid) rows make the group duplicates, and the move
   happens then. One commit and one MOVE per group rather than per message is what lets
   a process ingest hundreds of messages a second.
   Should the group's commit itself fail, its messages are done one at a time, each
   committed (as a ticket or a quarantine row) before it is moved.
5. A server error (network, TLS, IMAP NO/BAD, missing password) — or any other error —
   is recorded on the mailbox — ``last_error``, ``consecutive_failures``,
   ``next_attempt_at`` with backoff 1, 2, 4 … 30 minutes — and returned in the report,
   never raised. A poll that went through but quarantined messages on an error says so
   in ``last_error`` (without backoff) until the next clean poll.

This module commits: the commit between ingestion and the IMAP move *is* the crash-safe
order, so it cannot be left to the caller.
"""

from __future__ import annotations

import logging
import ssl
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from imapclient import DELETED, SEEN, IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy.orm import Session

from helpdesk.channels.email.ingest import (
    IngestResult,
    failure_reason,
    mail_domains,
    quarantine_oversize,
)
from helpdesk.channels.email.ingest_group import (
    RawMail,
    ingest_alone,
    ingest_group,
    quarantine_failed,
)
from helpdesk.channels.email.mailboxes import (
    MailboxError,
    imap_password,
    is_loopback,
)
from helpdesk.channels.email.models import Mailbox
from helpdesk.channels.email.settings import EmailSettings
from helpdesk.intake.text import clean_line

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 30.0
OVERSIZE_FACTOR = 4
MAX_BACKOFF = timedelta(minutes=30)
# What "the server failed" means: sockets, TLS and timeouts are OSError; NO/BAD/abort are
# IMAPClientError; a password that cannot be resolved is MailboxError.
SERVER_ERRORS: tuple[type[BaseException], ...] = (OSError, IMAPClientError, MailboxError)


@dataclass(frozen=True)
class PollReport:
    mailbox: str
    fetched: int = 0
    created: int = 0
    appended: int = 0
    duplicates: int = 0
    quarantined: int = 0
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FolderStatus:
    """What ``helpdesk mailbox test`` prints (``unseen`` is information only)."""

    messages: int
    unseen: int
    uidnext: int | None
    uidvalidity: int | None
    processed_folder_exists: bool | None


# --- Connecting -----------------------------------------------------------------------


def connect(
    mailbox: Mailbox, *, secret_key: str, timeout: float = CONNECT_TIMEOUT
) -> IMAPClient:
    """A client connected (ssl / starttls / none) and logged in; the caller logs out.
    ``secret_key``: the app's, which opens a stored password."""
    if mailbox.imap_security == "none" and not is_loopback(mailbox.imap_host):
        raise MailboxError("imap_security", "security 'none' is only allowed on loopback")
    password = imap_password(mailbox, secret_key=secret_key)
    context = ssl.create_default_context()
    use_ssl = mailbox.imap_security == "ssl"
    client = IMAPClient(
        mailbox.imap_host,
        port=mailbox.imap_port,
        ssl=use_ssl,
        ssl_context=context if use_ssl else None,
        timeout=timeout,
    )
    try:
        if mailbox.imap_security == "starttls":
            client.starttls(context)
        client.login(mailbox.imap_user, password)
    except BaseException:
        _shutdown(client)
        raise
    return client


def _shutdown(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:  # already gone
        log.debug("IMAP connection already closed")


def describe(error: BaseException) -> str:
    """One line for ``last_error`` and the CLI (IMAP errors come as bytes reprs)."""
    text = str(error).strip()
    if text.startswith(("b'", 'b"')) and text[-1:] in "'\"":
        text = text[2:-1]
    return f"{type(error).__name__}: {text or 'no detail'}"[:500]


def check_mailbox(mailbox: Mailbox, *, secret_key: str) -> FolderStatus:
    """Log in, select the folder read-only and count (``mailbox test``). Raises on failure."""
    with connect(mailbox, secret_key=secret_key) as client:
        info = client.select_folder(mailbox.folder, readonly=True)
        unseen = len(client.search(["UNSEEN"]))  # information only: polling never uses it
        processed = (
            client.folder_exists(mailbox.processed_folder) if mailbox.processed_folder else None
        )
    return FolderStatus(
        messages=info.get(b"EXISTS", 0),
        unseen=unseen,
        uidnext=info.get(b"UIDNEXT"),
        uidvalidity=info.get(b"UIDVALIDITY"),
        processed_folder_exists=processed,
    )


# --- Polling --------------------------------------------------------------------------


def poll_mailbox(
    session: Session, mailbox: Mailbox, *, settings: EmailSettings, now: datetime, batch: int = 50
) -> PollReport:
    """Read every new message of ``mailbox`` through ``ingest_raw``; commits as it goes."""
    name, tally = mailbox.name, Counter[str]()
    reader: _Reader | None = None
    try:
        with connect(mailbox, secret_key=settings.intake.secret_key) as client:
            reader = _Reader(session, client, mailbox, now, settings)
            tally = reader.tally
            reader.read_new(batch)
    except Exception as error:  # a server error, or anything else: recorded, never raised
        if not isinstance(error, SERVER_ERRORS):
            log.exception("mailbox %s: the poll stopped on an unexpected error", name)
        session.rollback()  # only uncommitted work of the failed message, if any
        message = describe(error)
        record_failure(mailbox, message, now=now)
        session.commit()
        log.warning(
            "mailbox %s: poll failed (%d in a row): %s", name, mailbox.consecutive_failures, message
        )
        return _report(name, tally, error=message)
    record_success(mailbox, now=now)
    if reader is not None and reader.failures:  # went on, but quarantined some on an error
        mailbox.last_error = clean_line(
            f"{len(reader.failures)} message(s) quarantined on an error; last: "
            f"{reader.failures[-1]}", 500,
        )  # fmt: skip
        mailbox.consecutive_failures = 1
    session.commit()
    return _report(name, tally)


def record_failure(mailbox: Mailbox, message: str, *, now: datetime) -> None:
    mailbox.last_polled_at = now
    mailbox.last_error = message[:500]
    mailbox.consecutive_failures = (mailbox.consecutive_failures or 0) + 1
    mailbox.next_attempt_at = now + backoff(mailbox.consecutive_failures)


def record_success(mailbox: Mailbox, *, now: datetime) -> None:
    mailbox.last_polled_at = mailbox.last_success_at = now
    mailbox.last_error, mailbox.consecutive_failures, mailbox.next_attempt_at = None, 0, None


def backoff(failures: int) -> timedelta:
    """1, 2, 4, 8, 16, then 30 minutes between attempts."""
    return min(timedelta(minutes=2 ** min(max(failures, 1) - 1, 5)), MAX_BACKOFF)


def _report(name: str, tally: Counter[str], *, error: str | None = None) -> PollReport:
    return PollReport(
        mailbox=name,
        fetched=sum(tally.values()),
        created=tally["created"],
        appended=tally["appended"],
        duplicates=tally["duplicate"],
        quarantined=tally["quarantined"],
        error=error,
    )


class _Reader:
    """One poll's state: reads the new messages of a selected folder, in UID order."""

    def __init__(
        self,
        session: Session,
        client: IMAPClient,
        mailbox: Mailbox,
        now: datetime,
        settings: EmailSettings,
    ):
        self.session, self.client, self.mailbox, self.now = session, client, mailbox, now
        self.settings = settings
        self.tally: Counter[str] = Counter()
        self.failures: list[str] = []  # reasons of messages quarantined on an error
        self.budget = settings.max_bytes  # bytes of bodies per FETCH
        self.limit = OVERSIZE_FACTOR * self.budget  # larger messages are not downloaded
        self.domains = mail_domains(session, settings)

    def read_new(self, batch: int) -> None:
        _select(self.client, self.mailbox)
        self.session.commit()  # a new UIDVALIDITY survives a group that must be undone
        uids = new_uids(self.client, self.mailbox.last_uid)
        if uids:
            _ensure_processed_folder(self.client, self.mailbox)
        for start in range(0, len(uids), batch):
            chunk = uids[start : start + batch]
            sizes = _fetch(self.client, chunk, "RFC822.SIZE", b"RFC822.SIZE")
            for group in _groups(chunk, sizes, self.budget, self.limit):
                self._read_group(group, sizes)
            for uid in (u for u in chunk if u not in sizes):  # expunged by someone meanwhile
                self._advance(uid)

    def _read_group(self, group: list[int], sizes: dict[int, int]) -> None:
        wanted = [uid for uid in group if sizes[uid] <= self.limit]
        bodies = _fetch(self.client, wanted, "BODY.PEEK[]", b"BODY[]")
        read = [uid for uid in group if uid not in wanted or uid in bodies]
        # (the others were expunged between the two fetches)
        oversize = [self._too_large(uid, sizes[uid]) for uid in read if uid not in wanted]
        mails = [RawMail(bodies[uid], self.source, uid) for uid in read if uid in bodies]
        try:
            results = ingest_group(
                self.session,
                mails,
                settings=self.settings,
                mailbox=self.mailbox,
                uidvalidity=self.mailbox.uidvalidity,
                our_domains=self.domains,
                now=self.now,
            )
            self.session.commit()  # durable before the messages leave the folder
        except SERVER_ERRORS:
            raise
        except Exception:
            log.exception("mailbox %s: a group could not be stored; one at a time",
                          self.mailbox.name)  # fmt: skip
            self.session.rollback()
            self._read_one_by_one(read, sizes, bodies)
            return
        self._count(oversize + results)
        dispose(self.client, self.mailbox, read)
        self._advance(group[-1])

    def _count(self, results: list[IngestResult]) -> None:
        self.tally.update(result.action for result in results)
        self.failures += [
            r.reason for r in results if r.reason and r.reason.startswith("processing failed")
        ]

    def _read_one_by_one(self, read: list[int], sizes: dict[int, int], bodies: dict) -> None:
        """Each message committed alone, moved only once committed; one that cannot be
        stored at all stops the poll (it stays in the folder, the cursor before it)."""
        mailbox = self.mailbox
        for uid in read:
            if uid in bodies:
                mail = RawMail(bodies[uid], self.source, uid)
                try:
                    result = ingest_alone(self.session, mail, mailbox, mailbox.uidvalidity,
                                          self.domains, self.now, self.settings)  # fmt: skip
                    self.session.commit()
                except SERVER_ERRORS:
                    raise
                except Exception as error:
                    self.session.rollback()
                    result = quarantine_failed(self.session, mail, mailbox, mailbox.uidvalidity,
                                               failure_reason(error), now=self.now)  # fmt: skip
                    self.session.commit()
            elif uid not in sizes or sizes[uid] <= self.limit:
                continue
            else:
                result = self._too_large(uid, sizes[uid])
                self.session.commit()
            self._count([result])
            dispose(self.client, mailbox, [uid])
            self._advance(uid)

    @property
    def source(self) -> str:
        return f"imap:{self.mailbox.name}"

    def _too_large(self, uid: int, size: int) -> IngestResult:
        mailbox = self.mailbox
        headers = _fetch(self.client, [uid], "BODY.PEEK[HEADER]", b"BODY[HEADER]").get(uid, b"")
        log.warning("mailbox %s: message uid %s is too large (%d bytes)", mailbox.name, uid, size)
        return quarantine_oversize(
            self.session,
            headers=headers,
            size=size,
            source=self.source,
            mailbox=mailbox,
            uidvalidity=mailbox.uidvalidity,
            uid=uid,
            now=self.now,
        )

    def _advance(self, uid: int) -> None:
        self.mailbox.last_uid = max(self.mailbox.last_uid, uid)
        self.session.commit()


def _select(client: IMAPClient, mailbox: Mailbox) -> None:
    uidvalidity = client.select_folder(mailbox.folder).get(b"UIDVALIDITY")
    if uidvalidity is None:
        raise IMAPClientError(f"the server gave no UIDVALIDITY for {mailbox.folder}")
    if mailbox.uidvalidity != uidvalidity:
        if mailbox.uidvalidity is not None:
            log.warning(
                "mailbox %s: UIDVALIDITY changed (%s -> %s); reading the folder again",
                mailbox.name,
                mailbox.uidvalidity,
                uidvalidity,
            )
        mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0


def new_uids(client: IMAPClient, last_uid: int) -> list[int]:
    return sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)


def _ensure_processed_folder(client: IMAPClient, mailbox: Mailbox) -> None:
    if mailbox.processed_folder and not client.folder_exists(mailbox.processed_folder):
        client.create_folder(mailbox.processed_folder)


def _fetch(client: IMAPClient, uids: list[int], item: str, key: bytes) -> dict[int, Any]:
    if not uids:
        return {}
    return {uid: data[key] for uid, data in client.fetch(uids, [item]).items() if key in data}


def _groups(uids: list[int], sizes: dict[int, int], budget: int, limit: int) -> Iterator[list[int]]:
    """Present UIDs in order, in groups whose bodies add up to at most ``budget`` bytes
    (a larger message alone); messages above ``limit`` count as nothing (headers only)."""
    group: list[int] = []
    total = 0
    for uid in (u for u in uids if u in sizes):
        size = sizes[uid] if sizes[uid] <= limit else 0
        if group and total + size > budget:
            yield group
            group, total = [], 0
        group.append(uid)
        total += size
    if group:
        yield group


def dispose(client: IMAPClient, mailbox: Mailbox, uids: list[int]) -> None:
    """After the commit: move the messages to the processed folder, or flag them read.

    MOVE when the server has it; else COPY, ``\\Deleted`` and UID EXPUNGE (UIDPLUS) — a
    server without UIDPLUS keeps the copy flagged ``\\Deleted`` (a plain EXPUNGE would
    also remove what other clients deleted).
    """
    if not uids:
        return
    if not mailbox.processed_folder:
        client.add_flags(uids, [SEEN], silent=True)
    elif client.has_capability("MOVE"):
        client.move(uids, mailbox.processed_folder)
    else:
        client.copy(uids, mailbox.processed_folder)
        client.add_flags(uids, [DELETED], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
