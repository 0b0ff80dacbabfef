"""Human folios such as ``ACL-2026-000123``: unique, counted per year, safe under concurrency."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk.tickets.models import FolioSequence


def next_folio(session: Session, *, prefix: str, now: datetime) -> str:
    year = now.year
    number = _increment(session, year)
    if number is None:
        try:
            with session.begin_nested():
                session.add(FolioSequence(year=year, last_value=0))
        except IntegrityError:
            pass  # another transaction made the row first; increment it instead
        number = _increment(session, year)
    assert number is not None
    return f"{prefix}-{year}-{number:06d}"


def _increment(session: Session, year: int) -> int | None:
    # One UPDATE ... RETURNING: the row lock serialises concurrent openers.
    return session.scalar(
        update(FolioSequence)
        .where(FolioSequence.year == year)
        .values(last_value=FolioSequence.last_value + 1)
        .returning(FolioSequence.last_value)
    )


def parse_folio(text: str) -> str | None:
    """The folio in ``text`` (any case), normalised, or None."""
    match = _FOLIO.search(text.upper())
    return match.group(0) if match else None


_FOLIO = re.compile(r"\b[A-Z]{2,8}-\d{4}-\d{6,}\b")
