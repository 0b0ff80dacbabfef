"""Background work: ``enqueue`` runs jobs on RQ when Redis is configured, inline otherwise.

Jobs take ids and primitives, never ORM objects, and are safe to run twice. Queues are
split by latency; ``search`` must have exactly one worker (Whoosh has one writer).
Periodic jobs are declared in ``CRON_TABLE`` with stable names so a redeploy never
duplicates them; ``helpdesk cron`` (or ``rq cron helpdesk.cron_config``) runs them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_app_context
from redis import Redis
from rq import Queue, Retry, Worker
from rq.job import Job
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

QUEUES = ("intake", "mail", "default", "search", "reports")


@dataclass(frozen=True)
class CronEntry:
    """One periodic job: a stable name, a dotted function path and when it runs."""

    name: str
    func: str
    queue: str = "default"
    interval: int | None = None  # seconds
    cron: str | None = None  # crontab expression
    kwargs: dict[str, Any] = field(default_factory=dict)


# The one cron table. Later issues add the mail poll, the SLA sweep and reminders.
CRON_TABLE: list[CronEntry] = [
    CronEntry(
        name="mail.poll",
        func="helpdesk.channels.email.poll.poll_all_mailboxes",
        queue="mail",
        interval=60,
    ),
    # Outgoing messages whose job was lost (a crash, no Redis, a dead worker): sent once.
    CronEntry(
        name="delivery.sweep",
        func="helpdesk.tickets.delivery.sweep_job",
        queue="mail",
        interval=60,
    ),
    CronEntry(name="sla.sweep", func="helpdesk.sla.jobs.sweep_job", interval=60),
    # Outbound webhook retries live in the database; this re-enqueues the due ones.
    CronEntry(
        name="webhooks.retry",
        func="helpdesk.outbound_webhooks.delivery.retry_due_job",
        interval=30,
    ),
    CronEntry(name="dunning.run_due", func="helpdesk.reminders.jobs.run_due_job", interval=300),
    # The search change log is drained by a job after each commit; this catches up after
    # a crash or a worker that was down.
    CronEntry(
        name="search.catch_up",
        func="helpdesk.search.jobs.index_changes_job",
        queue="search",
        interval=300,
    ),
    # Subscribers' zones differ: look every 10 minutes whose Monday (or 1st) 08:00 has come.
    CronEntry(
        name="reports.deliver",
        func="helpdesk.reports.jobs.deliver_due_job",
        queue="reports",
        interval=600,
    ),
    CronEntry(name="maintenance.prune", func="helpdesk.maintenance.prune_job", cron="17 3 * * *"),
]


_CONNECTIONS: dict[str, Redis] = {}


def redis_connection(url: str | None = None) -> Redis | None:
    """One client (and connection pool) per URL and process: no new TCP connection per job.
    redis-py pools notice a fork and reconnect in the child."""
    url = url or (current_app.config.get("REDIS_URL") if has_app_context() else None)
    if not url:
        return None
    if url not in _CONNECTIONS:
        _CONNECTIONS[url] = Redis.from_url(url)
    return _CONNECTIONS[url]


def enqueue(
    func: Callable[..., Any], *args: Any, queue: str = "default", **kwargs: Any
) -> Job | None:
    """Run ``func`` in a worker when Redis is configured, or right now otherwise."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    connection = redis_connection()
    if connection is None:
        func(*args, **kwargs)
        return None
    return Queue(queue, connection=connection).enqueue(func, *args, **kwargs)


_PENDING = "aclara.pending_jobs"
_READY = "aclara.ready_jobs"


def enqueue_after_commit(
    session: Session,
    func: Callable[..., Any],
    *args: Any,
    queue: str = "default",
    retry: Retry | None = None,
    **kwargs: Any,
) -> None:
    """Enqueue ``func`` once ``session`` commits; nothing happens if it rolls back.

    With Redis the job goes to RQ right after the commit. Inline, it waits for
    ``run_ready_jobs`` (called after each request and by the CLI), because a job run
    inside another transaction's commit could not use the database.
    """
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    session.info.setdefault(_PENDING, []).append((func, args, kwargs, queue, retry))


def run_ready_jobs(session: Session) -> int:
    """Run inline the jobs whose transaction has committed (no Redis). Returns how many.

    The list lives in this process only: work that must survive a crash is also recorded
    in the database by its caller (outgoing messages: ``helpdesk.tickets.delivery``), and
    its sweep does what a killed process did not. A job that raises is logged and the next
    one runs."""
    count = 0
    while session.info.get(_READY):
        func, args, kwargs, _queue, _retry = session.info[_READY].pop(0)
        try:
            func(*args, **kwargs)
        except Exception:
            log.exception("inline job %s failed", getattr(func, "__qualname__", func))
            session.rollback()
        count += 1
    return count


@event.listens_for(Session, "after_commit")
def _release_jobs(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    connection = redis_connection()
    if connection is None:
        session.info.setdefault(_READY, []).extend(pending)
        return
    for func, args, kwargs, queue, retry in pending:
        Queue(queue, connection=connection).enqueue(func, *args, retry=retry, **kwargs)


@event.listens_for(Session, "after_rollback")
def _drop_jobs(session: Session) -> None:
    session.info.pop(_PENDING, None)


class AppWorker(Worker):
    """An RQ worker that runs each job inside the Flask app context with a clean session."""

    flask_app: Any = None

    def perform_job(self, job: Job, queue: Queue) -> bool:
        from helpdesk.extensions import db

        with self.flask_app.app_context():
            db.engine.dispose(close=False)  # a forked work horse must not share connections
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()


def run_worker(app: Any, queues: list[str], *, burst: bool = False) -> bool:
    connection = Redis.from_url(app.config["REDIS_URL"])
    worker = AppWorker(
        [Queue(name, connection=connection) for name in queues], connection=connection
    )
    worker.flask_app = app
    # The scheduler runs retries with backoff (Retry intervals) and scheduled jobs.
    return worker.work(burst=burst, with_scheduler=True)
