"""@mentions of staff in internal notes: who a note names, and whom the composer offers.

A member of staff's handle is the part of their email before the ``@``, folded (lower
case, no accents): it is unique in practice, has no spaces, and is what colleagues
already call each other by. ``@Lucia.Herrera``, ``@lucía.herrera`` and
``@lucia.herrera`` all name ``lucia.herrera@aclara.mx``.

An ``@`` preceded by a letter, a digit or an address character is part of an email
address or a URL (``juan@x.com``, ``https://x.mx/@ana``), not a mention; so is a handle
followed by another ``@`` (``@juan@x.com``). Trailing dots and dashes belong to the
sentence ("pregúntele a @ana."). Unknown handles stay plain text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.users.models import User

_MENTION = re.compile(r"(?<![\w.+\-@/])@(\w[\w.+\-]*)")
_TRAILING = ".+-"
MAX_SUGGESTIONS = 8


def fold(text: str) -> str:
    """Lower case without accents: "Lucía" and "lucia" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def handle_of(user: User) -> str:
    return fold(user.email.rsplit("@", 1)[0])


def _mentions(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, folded handle) of each mention in ``text``, ``@`` included."""
    for match in _MENTION.finditer(text):
        raw = match.group(1).rstrip(_TRAILING)
        end = match.start(1) + len(raw)
        if not raw or text[match.end(1) : match.end(1) + 1] == "@":
            continue  # "@juan@x.com" is an address, not a mention
        yield match.start(), end, fold(raw)


def handles_in(text: str) -> list[str]:
    """The handles ``text`` mentions, folded, each once, in the order written."""
    return list(dict.fromkeys(handle for _start, _end, handle in _mentions(text or "")))


def mentioned_users(session: Session, text: str, *, author: User | None) -> list[User]:
    """The active staff a note mentions, each once, the author left out (mentioning
    oneself notifies nobody). A handle two people share names both."""
    wanted = set(handles_in(text))
    if not wanted:
        return []
    return [
        user
        for user in _active_staff(session)
        if handle_of(user) in wanted and (author is None or user.id != author.id)
    ]


def suggestions(
    session: Session, typed: str, *, exclude: User | None = None, limit: int = MAX_SUGGESTIONS
) -> list[tuple[User, str]]:
    """Active staff whose handle or name matches what follows the ``@`` (folded), handles
    that start with it first, then names whose word starts with it, then the rest; at
    most ``limit``. The composer's list; the one typing is left out."""
    query = fold(typed.strip().lstrip("@"))
    ranked: list[tuple[int, str, User, str]] = []
    for user in _active_staff(session):
        if exclude is not None and user.id == exclude.id:
            continue
        handle = handle_of(user)
        name = fold(user.name or "")
        if handle.startswith(query):
            rank = 0
        elif any(word.startswith(query) for word in name.split()):
            rank = 1
        elif query in handle or query in name:
            rank = 2
        else:
            continue
        ranked.append((rank, name, user, handle))
    ranked.sort(key=lambda row: (row[0], row[1]))
    return [(user, handle) for _rank, _name, user, handle in ranked[:limit]]


def known_handles(session: Session) -> frozenset[str]:
    """Every staff handle, deactivated ones too: an old note's mention stays highlighted."""
    emails = session.scalars(select(User.email))
    return frozenset(fold(email.rsplit("@", 1)[0]) for email in emails)


def highlight(text: str, handles: Iterable[str]) -> Markup:
    """``text`` escaped, with each mention of a known handle in ``<span class="mention">``."""
    known = set(handles)
    parts: list[str] = []
    position = 0
    for start, end, handle in _mentions(text or ""):
        if handle not in known:
            continue
        parts.append(escape(text[position:start]))
        parts.append(Markup('<span class="mention">{}</span>').format(text[start:end]))
        position = end
    parts.append(escape((text or "")[position:]))
    return Markup("").join(parts)


def _active_staff(session: Session) -> list[User]:
    # Staff are tens or hundreds of rows: folding accents in Python is the same on
    # SQLite and PostgreSQL, which a SQL filter would not be.
    return list(session.scalars(select(User).where(User.is_active_user).order_by(User.name)))
