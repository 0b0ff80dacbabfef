"""Writes on queues: create, rename, archive, members, the channels that feed them.
Services flush; the caller commits. Every change is audited."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.errors import FieldError
from helpdesk.queues.models import Queue
from helpdesk.users.models import User

CLOSED_REPLY_POLICIES = ("reopen", "new_linked")


class QueueError(FieldError):
    """A queue cannot be saved as asked; ``field`` names the culprit."""


def slugify(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:50] or "cola"


def _check_name(session: Session, name: str, queue: Queue | None) -> str:
    name = " ".join(name.split())
    if not name:
        raise QueueError("name", _l("Give the queue a name."))
    if len(name) > 120:
        raise QueueError("name", _l("At most %(n)d characters.", n=120))
    taken = session.scalar(
        select(Queue.id).where(
            func.lower(Queue.name) == name.lower(), Queue.id != (queue.id if queue else 0)
        )
    )
    if taken is not None:
        raise QueueError("name", _l("A queue with this name already exists."))
    return name


def _free_slug(session: Session, name: str) -> str:
    base, n = slugify(name), 1
    slug = base
    while session.scalar(select(Queue.id).where(Queue.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_queue(
    session: Session,
    *,
    name: str,
    description: str = "",
    email_address: str | None = None,
    actor: Actor,
    now: datetime,
) -> Queue:
    name = _check_name(session, name, None)
    queue = Queue(
        name=name,
        slug=_free_slug(session, name),
        description=description.strip(),
        email_address=(email_address or "").strip().lower() or None,
        created_at=now,
    )
    session.add(queue)
    session.flush()
    record(session, actor, "queue.created", queue, now=now, after=_snapshot(queue))
    return queue


def update_queue(
    session: Session,
    queue: Queue,
    *,
    name: str,
    description: str,
    email_address: str | None,
    closed_reply_policy: str,
    actor: Actor,
    now: datetime,
    signature: str | None = None,
) -> None:
    """Rename the queue and change its description, reply address, closed-reply rule and
    the signature under its email replies."""
    name = _check_name(session, name, queue)
    if closed_reply_policy not in CLOSED_REPLY_POLICIES:
        raise QueueError(
            "closed_reply_policy", _l("Unknown value: %(value)s", value=closed_reply_policy)
        )
    before = _snapshot(queue)
    queue.name = name
    queue.description = description.strip()
    queue.email_address = (email_address or "").strip().lower() or None
    queue.closed_reply_policy = closed_reply_policy
    if signature is not None:
        queue.signature = signature.strip()
    after = _snapshot(queue)
    if before != after:
        changed = [k for k in after if before[k] != after[k]]
        record(
            session,
            actor,
            "queue.updated",
            queue,
            now=now,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )


def set_archived(
    session: Session, queue: Queue, archived: bool, *, actor: Actor, now: datetime
) -> None:
    """Archive (routes nothing new; tickets and history stay) or bring the queue back."""
    if (queue.archived_at is not None) == archived:
        return
    queue.archived_at = now if archived else None
    queue.is_active = not archived
    record(
        session,
        actor,
        "queue.archived" if archived else "queue.unarchived",
        queue,
        now=now,
        before={"archived": not archived},
        after={"archived": archived},
    )


def add_member(session: Session, queue: Queue, user: User, *, actor: Actor, now: datetime) -> None:
    if user in queue.members:
        return
    queue.members.append(user)
    session.flush()
    record(
        session,
        actor,
        "queue.member_added",
        queue,
        now=now,
        after={"user_id": user.id, "user": user.email},
    )


def remove_member(
    session: Session, queue: Queue, user: User, *, actor: Actor, now: datetime
) -> None:
    if user not in queue.members:
        return
    queue.members.remove(user)
    session.flush()
    record(
        session,
        actor,
        "queue.member_removed",
        queue,
        now=now,
        before={"user_id": user.id, "user": user.email},
    )


def _snapshot(queue: Queue) -> dict[str, str | None]:
    return {
        "name": queue.name,
        "description": queue.description,
        "email_address": queue.email_address,
        "closed_reply_policy": queue.closed_reply_policy,
        "signature": queue.signature,
    }
