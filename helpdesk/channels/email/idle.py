"""Waiting for mail with IMAP IDLE between polls (RFC 2177), for ``helpdesk poll-mail``.

Each change the server reports triggers a poll (:func:`poll_one`, so never two at once
for a mailbox); IDLE is renewed every 25 minutes, and a server without IDLE, or a failure,
falls back to polling every interval (later during a backoff).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from imapclient import IMAPClient
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.channels.email.imap import (
    SERVER_ERRORS,
    PollReport,
    connect,
    describe,
    new_uids,
)
from helpdesk.channels.email.mailboxes import MailboxError, mailbox_by_name
from helpdesk.channels.email.models import Mailbox
from helpdesk.channels.email.poll import poll_one
from helpdesk.extensions import db

log = logging.getLogger(__name__)

IDLE_RENEW_SECONDS = 25 * 60  # RFC 2177: a server may end an IDLE after 29 minutes
IDLE_CHECK_SECONDS = 1.0  # how quickly an IDLE notices the stop event


def idle_loop(
    app: Flask,
    mailbox_name: str,
    stop_event: threading.Event,
    *,
    interval: float = 60.0,
    on_report: Callable[[PollReport], None] | None = None,
) -> None:
    """Poll ``mailbox_name`` now and again whenever the server reports a change, until
    ``stop_event`` is set. IDLE is re-issued every 25 minutes (with a poll); without IDLE,
    or after a failure, it polls every ``interval`` seconds (later during a backoff).
    Polls go through ``poll_one``, so they never overlap the periodic job."""
    with app.app_context():
        mailbox_id = _mailbox_id(db.session, mailbox_name)
        while not stop_event.is_set():
            try:
                report = poll_one(mailbox_id)
                if report is not None and on_report is not None:
                    on_report(report)
                changed = report is not None and not report.error
                changed = changed and _wait_for_change(
                    db.session, mailbox_id, stop_event, secret_key=app.config["SECRET_KEY"]
                )
            except Exception:  # a daemon must outlive a database hiccup
                log.exception("mailbox %s: poll loop error", mailbox_name)
                db.session.rollback()
                changed = False
            if not changed:
                stop_event.wait(_pause(db.session, mailbox_id, interval))


def _mailbox_id(session: Session, name: str) -> int:
    mailbox = mailbox_by_name(session, name)
    if mailbox is None:
        raise MailboxError("name", f"no mailbox named {name}")
    return mailbox.id


def _pause(session: Session, mailbox_id: int, interval: float) -> float:
    """Seconds to wait before the next poll: the interval, or until the backoff ends."""
    mailbox = session.get(Mailbox, mailbox_id)
    next_attempt = mailbox.next_attempt_at if mailbox else None
    session.close()
    if next_attempt is None:
        return interval
    return max(interval, (next_attempt - clock.now()).total_seconds())


def _wait_for_change(
    session: Session, mailbox_id: int, stop_event: threading.Event, *, secret_key: str
) -> bool:
    """Block in IDLE until the folder changes (True), or return False at once when the
    server has no IDLE, the connection fails, or ``stop_event`` is set. Mail that came
    between the poll and the IDLE is found by a SEARCH first (IDLE would not report it)."""
    mailbox = session.get(Mailbox, mailbox_id)
    if mailbox is None:
        return False
    folder, uidvalidity, last_uid = mailbox.folder, mailbox.uidvalidity, mailbox.last_uid
    try:
        client = connect(mailbox, secret_key=secret_key)
    except SERVER_ERRORS as error:
        log.warning("mailbox %s: cannot IDLE: %s", mailbox.name, describe(error))
        return False
    finally:
        session.close()  # no transaction stays open for the minutes of an IDLE
    try:
        with client:
            info = client.select_folder(folder, readonly=True)
            if info.get(b"UIDVALIDITY") != uidvalidity or new_uids(client, last_uid):
                return True
            return client.has_capability("IDLE") and _idle(client, stop_event)
    except SERVER_ERRORS as error:
        log.warning("IDLE on %s ended: %s", folder, describe(error))
        return False


def _idle(client: IMAPClient, stop_event: threading.Event) -> bool:
    client.idle()
    deadline = time.monotonic() + IDLE_RENEW_SECONDS
    try:
        while not stop_event.is_set() and time.monotonic() < deadline:
            started = time.monotonic()
            responses = client.idle_check(timeout=IDLE_CHECK_SECONDS)
            if _has_change(responses):
                return True
            if not responses and time.monotonic() - started < IDLE_CHECK_SECONDS / 2:
                return True  # readable but empty: the server closed; let the poll say so
        return not stop_event.is_set()
    finally:
        try:
            client.idle_done()
        except SERVER_ERRORS:
            log.debug("IDLE connection already closed")


def _has_change(responses: Iterable[tuple[Any, ...]]) -> bool:
    """Anything but an ``* OK Still here`` keep-alive counts as a change."""
    return any(not (r and r[0] == b"OK") for r in responses)
