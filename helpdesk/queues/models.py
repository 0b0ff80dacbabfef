from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db
from helpdesk.users.models import user_queues

if TYPE_CHECKING:
    from helpdesk.users.models import User


class Queue(db.Model):
    """A work queue that tickets are routed to and agents work from."""

    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    # The address replies are sent from; inbound addresses and numbers come with channels.
    email_address: Mapped[str | None] = mapped_column(String(254))
    # Below every agent's signature in this queue's email replies (the agency, a legal line).
    signature: Mapped[str] = mapped_column(Text, default="", server_default="")
    assignment_strategy: Mapped[str] = mapped_column(String(20), default="manual")
    # Round-robin: the agent who got the last ticket. Skills: assign only to agents who
    # have the ticket's skill tags and speak the debtor's language.
    round_robin_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    match_skills: Mapped[bool] = mapped_column(default=False, server_default=false())
    # What a debtor's message to a closed ticket does: "reopen" it or open a "new_linked" one.
    closed_reply_policy: Mapped[str] = mapped_column(
        String(20), default="reopen", server_default="reopen"
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    # Archived: kept with its tickets and history, but routes nothing new (is_active off).
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    members: Mapped[list[User]] = relationship(secondary=user_queues, back_populates="queues")
