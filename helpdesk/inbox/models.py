"""What the inbox keeps per person: saved views (filter sets) and what each staff member
has read of each ticket (the list's unread marker)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db
from helpdesk.users.models import User


class SavedView(db.Model):
    """A named filter set: the owner's own, or shared with every staff member."""

    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    # The list's query string (``helpdesk.inbox.filters.ListFilters.as_query``): parsed
    # again on every use, so a view saved before a filter changed still opens safely.
    query: Mapped[str] = mapped_column(String(2000))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    shared: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship()


class TicketRead(db.Model):
    """The newest message of a ticket a staff member has seen (by opening the ticket)."""

    __tablename__ = "ticket_reads"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    seen_message_id: Mapped[int] = mapped_column(default=0)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
