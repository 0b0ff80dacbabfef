"""Keyset cursors for the ticket list: the sort key of the row a page ends on, opaque in
the URL. The next page starts strictly after it, so a page costs the same at row 25 as
at row 900,000, and a ticket that moves while someone pages is neither lost nor shown
twice on the same walk."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from helpdesk.inbox.filters import Sort


class CursorError(ValueError):
    """A cursor that cannot be read (edited by hand, or from another sort order)."""


@dataclass(frozen=True)
class Cursor:
    sort: Sort
    at: datetime  # last activity, or the nearest due time (a far date when none runs)
    ticket_id: int
    backwards: bool = False  # True: the page *before* this key

    def encode(self) -> str:
        payload = [self.sort.value, self.at.isoformat(), self.ticket_id, int(self.backwards)]
        text = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(text).decode().rstrip("=")


def decode(text: str, sort: Sort) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        sort_text, at, ticket_id, backwards = json.loads(raw)
        cursor = Cursor(
            sort=Sort(sort_text),
            at=datetime.fromisoformat(at),
            ticket_id=int(ticket_id),
            backwards=bool(backwards),
        )
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise CursorError("unreadable") from None
    if cursor.sort != sort or cursor.at.tzinfo is None:
        raise CursorError("stale")
    return cursor
