"""The periodic mail poll: one job per due mailbox, never two at once for one mailbox.

``poll_all_mailboxes`` (cron entry ``mail.poll``, every minute, queue ``mail``) enqueues
``poll_one(mailbox_id)`` for each active mailbox whose backoff has expired. ``poll_one``
is also what ``helpdesk poll-mail`` and its IDLE loop call; it runs the job in
``channels/email/jobs.py``, which reads the app's settings.

The per-mailbox lock:

* with ``REDIS_URL``: a Redis lock (redis-py's ``Lock``: ``SET key token NX PX``, released
  only by its owner) named ``aclara:lock:mail-poll:<id>``. Its time to live is short
  (``HELPDESK_MAIL_POLL_LOCK_SECONDS``, a minute) and a thread of the poll renews it every
  third of that while the poll runs, so a long poll keeps it and a poller killed mid-poll
  (``kill -9``, a lost machine) frees its mailbox within that minute;
* without Redis (one host: inline jobs, ``helpdesk poll-mail``): an exclusive,
  non-blocking ``flock`` on ``DATA_DIR/locks/mail-poll-<id>.lock``. It holds across the
  processes and threads of the host and the kernel drops it when a process dies.

A database row lock (``SELECT … FOR UPDATE SKIP LOCKED``) was not used: the poll commits
after every message, and each commit would release it. Should a poll outlive the Redis
lock, the (mailbox, uidvalidity, uid) unique row still keeps the overlap from ingesting a
message twice.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from redis import Redis
from redis.exceptions import LockError, RedisError

from helpdesk import clock
from helpdesk.channels.email.imap import PollReport
from helpdesk.channels.email.mailboxes import due_mailbox_ids
from helpdesk.channels.email.settings import EmailSettings
from helpdesk.extensions import db
from helpdesk.jobs import enqueue, redis_connection

log = logging.getLogger(__name__)


def poll_all_mailboxes() -> int:
    """The cron job: enqueue one poll per active mailbox that is due. Returns how many."""
    mailbox_ids = due_mailbox_ids(db.session, clock.now())
    db.session.commit()
    for mailbox_id in mailbox_ids:
        enqueue(poll_one, mailbox_id, queue="mail")
    return len(mailbox_ids)


def poll_one(mailbox_id: int) -> PollReport | None:
    """Poll one mailbox and commit; None when it is gone, inactive, or already being polled.

    The job's name queued RQ jobs hold; the job is ``channels.email.jobs.poll_one``."""
    from helpdesk.channels.email import jobs

    return jobs.poll_one(mailbox_id)


@contextmanager
def mailbox_lock(mailbox_id: int, settings: EmailSettings) -> Iterator[bool]:
    """Yield True when this caller holds the mailbox's poll lock, False when another does."""
    connection = redis_connection()
    if connection is not None:
        with _redis_lock(connection, mailbox_id, settings.poll_lock_seconds) as acquired:
            yield acquired
    else:
        with _file_lock(mailbox_id, settings.data_dir) as acquired:
            yield acquired


@contextmanager
def _redis_lock(connection: Redis, mailbox_id: int, seconds: float) -> Iterator[bool]:
    lock = connection.lock(
        f"aclara:lock:mail-poll:{mailbox_id}",
        timeout=seconds,
        blocking=False,
        thread_local=False,  # the renewing thread uses the poll's token
    )
    acquired = bool(lock.acquire())
    stop = threading.Event()
    renewer = None
    if acquired:
        renewer = threading.Thread(
            target=_renew, args=(lock, mailbox_id, seconds / 3, stop), daemon=True
        )
        renewer.start()
    try:
        yield acquired
    finally:
        if renewer is not None:
            stop.set()
            renewer.join()
        if acquired:
            try:
                lock.release()
            except LockError:  # expired meanwhile, maybe taken by another poll
                log.warning("mailbox %s: the poll lock expired before the poll ended", mailbox_id)


def _renew(lock: Any, mailbox_id: int, every: float, stop: threading.Event) -> None:
    """Reset the lock's time to live every ``every`` seconds until ``stop``; a lock lost
    meanwhile (Redis restarted, the process stalled past the TTL) is logged, not fatal:
    the (mailbox, uidvalidity, uid) rows still keep an overlapping poll from ingesting a
    message twice."""
    while not stop.wait(every):
        try:
            lock.reacquire()
        except LockError:
            log.warning("mailbox %s: the poll lock was lost; not renewed", mailbox_id)
            return
        except (RedisError, OSError) as error:  # a blip: try again at the next tick
            log.warning("mailbox %s: renewing the poll lock failed: %s", mailbox_id, error)


@contextmanager
def _file_lock(mailbox_id: int, data_dir: Path) -> Iterator[bool]:
    directory = data_dir / "locks"
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f"mail-poll-{mailbox_id}.lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            acquired = False
        else:
            acquired = True
        try:
            yield acquired
        finally:
            if acquired:
                fcntl.flock(handle, fcntl.LOCK_UN)
