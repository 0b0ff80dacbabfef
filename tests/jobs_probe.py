"""Job functions the tests enqueue; a real worker imports them as ``tests.jobs_probe``."""

from __future__ import annotations

from helpdesk import clock
from helpdesk.extensions import db
from helpdesk.queues.models import Queue


def create_queue(name: str, slug: str) -> None:
    """Insert a queue row and commit: proof, visible from outside, that the job ran."""
    db.session.add(Queue(name=name, slug=slug, created_at=clock.now()))
    db.session.commit()
