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
from rq import Queue, Worker
from rq.job import Job

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
CRON_TABLE: list[CronEntry] = []


def redis_connection(url: str | None = None) -> Redis | None:
    url = url or (current_app.config.get("REDIS_URL") if has_app_context() else None)
    return Redis.from_url(url) if url else None


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
    return worker.work(burst=burst, with_scheduler=False)
