"""Reads of queues for screens and forms."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.queues.models import Queue


def queue_by_id(session: Session, queue_id: int | None) -> Queue | None:
    return session.get(Queue, queue_id) if queue_id else None


def queues_by_name(session: Session) -> list[Queue]:
    return list(session.scalars(select(Queue).order_by(Queue.name)))


def active_queues(session: Session) -> list[Queue]:
    return list(session.scalars(select(Queue).where(Queue.is_active).order_by(Queue.name)))
