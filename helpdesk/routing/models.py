"""Routing rules, ticket tags and agents' skills."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, String, Table, true
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import UTCDateTime
from helpdesk.extensions import db


class RoutingRule(db.Model):
    """Conditions on a new ticket and the actions taken when they all hold.

    Rules run by ``position``; every matching rule applies its actions (a later one
    overrides an earlier one) until a matching rule with ``stops`` ends the evaluation.
    ``conditions`` and ``actions`` are validated by ``helpdesk.routing.rules``.
    """

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0, index=True)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    stops: Mapped[bool] = mapped_column(default=True, server_default=true())
    conditions: Mapped[dict[str, Any]] = mapped_column(JSON)
    actions: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Tag(db.Model):
    """A tag an admin has named, so it can be offered before any ticket carries it.

    Tickets keep their tags as plain strings in ``ticket_tags``; renaming or deleting a
    tag here rewrites those rows (``helpdesk.routing.tags``).
    """

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


ticket_tags = Table(
    "ticket_tags",
    db.metadata,
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(60), primary_key=True, index=True),
)

# An agent's skills and languages (kind "skill" or "language"), for skill-based assignment.
agent_skills = Table(
    "agent_skills",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("value", String(60), primary_key=True),
)
