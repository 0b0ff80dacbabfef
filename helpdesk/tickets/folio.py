"""Human folios such as ``ACL-2026-000123``: unique, counted per year, safe under concurrency."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk.db import cached, transaction_cache
from helpdesk.tickets.models import FolioSequence


def next_folio(session: Session, *, prefix: str, now: datetime) -> str:
    year = now.year
    number = _from_block(session, year)
    if number is None:
        number = _take(session, year, 1)
    return f"{prefix}-{year}-{number:06d}"


def reserve_folios(session: Session, count: int, *, now: datetime) -> None:
    """Take ``count`` numbers in one statement for the tickets a group of messages may
    open; ``release_folios`` gives back those it did not use, so folios stay gapless.

    The sequence row stays locked until the commit either way (as for a single number),
    so nobody can take a number between the reservation and the release.
    """
    if count <= 0:
        return
    end = _take(session, now.year, count)
    transaction_cache(session, _BLOCK).update(year=now.year, next=end - count + 1, end=end)


def release_folios(session: Session) -> None:
    block = cached(session, _BLOCK)
    if not block or block["next"] > block["end"]:
        return
    unused = block["end"] - block["next"] + 1
    session.execute(
        update(FolioSequence)
        .where(FolioSequence.year == block["year"], FolioSequence.last_value == block["end"])
        .values(last_value=FolioSequence.last_value - unused)
    )
    block["next"] = block["end"] + 1


_BLOCK = "tickets.folio_block"


def _from_block(session: Session, year: int) -> int | None:
    block = cached(session, _BLOCK)
    if not block or block["year"] != year or block["next"] > block["end"]:
        return None
    block["next"] += 1
    return block["next"] - 1


def _take(session: Session, year: int, count: int) -> int:
    """Advance the year's sequence by ``count``; returns its new last value."""
    number = _increment(session, year, count)
    if number is None:
        try:
            with session.begin_nested():
                session.add(FolioSequence(year=year, last_value=0))
        except IntegrityError:
            pass  # another transaction made the row first; increment it instead
        number = _increment(session, year, count)
    assert number is not None
    return number


def _increment(session: Session, year: int, count: int) -> int | None:
    # One UPDATE ... RETURNING: the row lock serialises concurrent openers.
    return session.scalar(
        update(FolioSequence)
        .where(FolioSequence.year == year)
        .values(last_value=FolioSequence.last_value + count)
        .returning(FolioSequence.last_value)
    )


def parse_folio(text: str) -> str | None:
    """The folio in ``text`` (any case), normalised, or None."""
    match = _FOLIO.search(text.upper())
    return match.group(0) if match else None


_FOLIO = re.compile(r"\b[A-Z]{2,8}-\d{4}-\d{6,}\b")
