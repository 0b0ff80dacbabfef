from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db


class SearchChange(db.Model):
    """A ticket whose searchable content changed and is not indexed yet. Written in the
    transaction that changes the ticket; deleted by the indexer once the index has it.
    No foreign key: a deleted ticket's row is what removes it from the index."""

    __tablename__ = "search_changes"

    ticket_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
