"""The one place that reads the time. Tests move it with ``freeze``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_frozen: datetime | None = None


def now() -> datetime:
    """The current time, aware and in UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


@contextmanager
def freeze(moment: datetime) -> Iterator[None]:
    """Make ``now()`` answer ``moment`` inside the block (tests and the demo use it)."""
    global _frozen
    if moment.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    previous, _frozen = _frozen, moment.astimezone(UTC)
    try:
        yield
    finally:
        _frozen = previous
