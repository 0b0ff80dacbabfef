"""A debtor's date of birth as typed: by a creditor's file, the API or the debtor.

Spanish-speaking debtors write day first (``31/12/1985``, ``31-12-1985``); files and
``<input type=date>`` send ISO (``1985-12-31``). Month-first is never guessed: ``01/02``
is the first of February.
"""

from __future__ import annotations

import re
from datetime import date

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})|(\d{2})(\d{2})(\d{4})")
EARLIEST_YEAR = 1900  # a birth year before this is a typing error


def parse_birth_date(text: str) -> date | None:
    """The date in ``text`` (``AAAA-MM-DD``, ``DD/MM/AAAA``, ``DD-MM-AAAA``, also with
    dots or as ``DDMMAAAA``), or None when it is not one of those or not a real date."""
    compact = "".join(text.split())
    if found := _ISO.fullmatch(compact):
        year, month, day = found.groups()
    elif found := _DAY_FIRST.fullmatch(compact):
        # Eight digits (DDMMAAAA) are what a phone's numeric keypad, which has no "/", types.
        day, month, year = (part for part in found.groups() if part is not None)
    else:
        return None
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return value if value.year >= EARLIEST_YEAR else None

