from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db

_ARRAY = ARRAY(String()).with_variant(JSON(), "sqlite")


class SearchChange(db.Model):
    """A ticket whose searchable content changed and is not indexed yet. Written in the
    transaction that changes the ticket; deleted by the indexer once the index has it.
    No foreign key: a deleted ticket's row is what removes it from the index."""

    __tablename__ = "search_changes"

    ticket_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SearchDocument(db.Model):
    """A ticket as PostgreSQL full-text search sees it (``HELPDESK_SEARCH_BACKEND=
    postgresql``): one weighted ``tsvector`` under the ``aclara`` configuration (Spanish
    stems over unaccented words) and the exact-match fields as arrays, GIN-indexed.
    On SQLite the table exists with plain types and stays empty (Whoosh serves there)."""

    __tablename__ = "search_documents"

    ticket_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    document: Mapped[str] = mapped_column(TSVECTOR().with_variant(Text(), "sqlite"))
    body: Mapped[str] = mapped_column(Text(), default="")
    folio: Mapped[str] = mapped_column(String(32), index=True)
    emails: Mapped[list[str]] = mapped_column(_ARRAY)
    phones: Mapped[list[str]] = mapped_column(_ARRAY)
    accounts: Mapped[list[str]] = mapped_column(_ARRAY)
    tags: Mapped[list[str]] = mapped_column(_ARRAY)
    status: Mapped[str] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    queue_id: Mapped[int | None]
    assignee_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    activity_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_search_documents_document", "document", postgresql_using="gin"),
        Index("ix_search_documents_emails", "emails", postgresql_using="gin"),
        Index("ix_search_documents_phones", "phones", postgresql_using="gin"),
        Index("ix_search_documents_accounts", "accounts", postgresql_using="gin"),
        Index("ix_search_documents_tags", "tags", postgresql_using="gin"),
        # The latest matches of a common word, walked backwards (postgres_index.py).
        Index("ix_search_documents_activity_at", "activity_at"),
    )
