"""What an agent types, parsed once into something every backend understands.

Free words must all match; "quoted phrases" match as phrases; ``-word`` excludes; field
filters narrow (``folio:``, ``from:``, ``account:``, ``phone:``, ``status:``, ``queue:``,
``assignee:me``, ``type:``, ``channel:``, ``tag:``, ``before:``/``after:`` dates). Nothing
typed here is ever passed to a query language: a backend builds its query from these
parts, so quotes, colons, SQL or Whoosh syntax typed as text stay text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from helpdesk.intake.text import clean_text

MAX_LENGTH = 500  # characters considered; the rest of a pasted page is ignored
MAX_PARTS = 30
FIELDS = frozenset(
    {"folio", "from", "account", "phone", "status", "queue", "assignee", "type", "channel",
     "tag", "before", "after"}
)  # fmt: skip
_PART = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))')


@dataclass
class ParsedQuery:
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    before: date | None = None
    after: date | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases or self.filters or self.before or self.after)


def parse(text: str) -> ParsedQuery:
    parsed = ParsedQuery()
    text = clean_text(text[:MAX_LENGTH]).replace("\ufffd", " ")
    for match in list(_PART.finditer(text))[:MAX_PARTS]:
        negated, name, quoted, bare = match.groups()
        value = (quoted if quoted is not None else bare or "").strip()
        name = (name or "").lower()
        if not name and value.endswith(":") and value[:-1].lower() in FIELDS:
            continue  # "folio:" with nothing after it
        if name and name not in FIELDS:  # "nota:algo" is text, not an unknown filter
            value, name = f"{name} {value}".strip(), ""
        if not value:
            continue
        if name in ("before", "after"):
            _add_date(parsed, name, value)
        elif name:
            parsed.filters.setdefault(name, []).append(value)
        elif negated:
            parsed.excluded.append(value)
        elif quoted is not None and " " in value:
            parsed.phrases.append(value)
        else:
            parsed.words.extend(value.split())
    return parsed


def _add_date(parsed: ParsedQuery, name: str, value: str) -> None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        parsed.problems.append(f"{name}:{value}")
        return
    setattr(parsed, name, day)


FOLIO = re.compile(r"^[A-Za-z]{2,10}-\d{4}-\d{3,}$")


def exact_folio(parsed: ParsedQuery) -> str | None:
    """A folio typed alone (``ACL-2026-000123``): the agent wants that ticket."""
    if len(parsed.words) == 1 and not (parsed.phrases or parsed.filters or parsed.excluded):
        word = parsed.words[0]
        return word.upper() if FOLIO.match(word) else None
    if list(parsed.filters) == ["folio"] and len(parsed.filters["folio"]) == 1:
        return parsed.filters["folio"][0].upper()
    return None
