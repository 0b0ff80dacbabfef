"""Text from outside made storable and writable: valid Unicode, no NUL, one-line header
values. Shared plumbing: intake cleans what arrives with it (``intake.text``), outgoing
mail cleans stored values with it again (``helpdesk.mail.address_header``).

* ``clean_text``: a body or a form field — valid Unicode (a lone surrogate, which is
  what an undecodable byte becomes, is replaced by "?") and no NUL (replaced by U+FFFD),
  the same on every database; line breaks are kept.
* ``clean_line``: a header-like value (subject, display name, address, Message-ID) —
  the same, plus folding undone and every control character (CR, LF, TAB, NUL, C1 …)
  turned into a space, runs of spaces collapsed, and capped at a length.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]+")
_SPACES = re.compile(r"\s{2,}")

MAX_SUBJECT = 300
MAX_NAME = 200
MAX_ADDRESS = 320
MAX_ID = 998  # one header line; ids longer than a column are hashed (fit_id)
SUMMARY_LENGTH = 80


def clean_text(value: Any) -> Any:
    """JSON and forms may carry NUL characters and lone surrogates (``\\ud800``) that no
    database stores: they are replaced (NUL by U+FFFD, a lone surrogate by "?") instead of
    failing. Dicts and lists are cleaned throughout; other values pass unchanged."""
    if isinstance(value, str):
        if value.isascii() and "\x00" not in value:
            return value
        return _valid(value).replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {clean_text(k): clean_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_text(v) for v in value]
    return value


def clean_line(value: Any, limit: int = MAX_SUBJECT) -> str:
    """One line of valid text: no control characters (folding, CR, LF, NUL, TAB become a
    space), spaces collapsed, trimmed, at most ``limit`` characters. None gives ""."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():
        text = _valid(text)
    text = _CONTROL.sub(" ", text)
    if "  " in text or "\u00a0" in text:
        text = _SPACES.sub(" ", text)
    text = text.strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def clean_id(value: str | None) -> str | None:
    """A Message-ID (or wamid): one line with no spaces at all; None when nothing is left."""
    if value is None:
        return None
    cleaned = clean_line(value, MAX_ID + 1).replace(" ", "")
    return cleaned[:MAX_ID] or None


def summary_line(text: str | None, limit: int = SUMMARY_LENGTH) -> str:
    """The first non-blank line of ``text``, cleaned and shortened: a subject for mail
    that came without one."""
    for line in (text or "").splitlines():
        cleaned = clean_line(line, limit)
        if cleaned:
            return cleaned
    return ""


def _valid(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")
