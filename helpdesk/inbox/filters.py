"""What the ticket list shows: a view (Mine, Unassigned, a queue, SLA at risk…) narrowed by
filters, parsed once from the query string into a plain value.

A value the list does not know (a garbage status, a date that is not one) is dropped and
reported in ``problems`` so the page can say so; the rest of the filters still apply.
Saved views store ``as_query()`` and are parsed again on use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from helpdesk.tickets.vocabulary import Channel, Priority, Status, TicketType


class View(StrEnum):
    MINE = "mine"
    UNASSIGNED = "unassigned"
    QUEUE = "queue"
    AT_RISK = "at_risk"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    ALL = "all"


class Sort(StrEnum):
    ACTIVITY = "activity"  # latest activity first
    DEADLINE = "deadline"  # nearest running deadline first, overdue on top


# Assignee filter values besides a user id.
ME = "me"
NOBODY = "none"
MAX_VALUES = 50  # per filter: more is a crafted URL, not a person choosing


@dataclass(frozen=True)
class ListFilters:
    view: View = View.ALL
    queue_id: int | None = None  # the queue of View.QUEUE
    statuses: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    queue_ids: tuple[int, ...] = ()
    assignees: tuple[str, ...] = ()  # "me", "none" or user ids as text
    tags: tuple[str, ...] = ()
    has_hold: bool | None = None
    created_from: date | None = None
    created_to: date | None = None
    updated_from: date | None = None
    updated_to: date | None = None
    sort: Sort | None = None  # None: the view's own order
    problems: tuple[str, ...] = field(default=(), compare=False)

    @property
    def order(self) -> Sort:
        if self.sort is not None:
            return self.sort
        return Sort.DEADLINE if self.view == View.AT_RISK else Sort.ACTIVITY

    @property
    def narrowed(self) -> bool:
        """Whether any filter beyond the view is set (what a saved view would keep)."""
        return bool(self.chips())

    def chips(self) -> list[tuple[str, str]]:
        """(filter name, value) of every filter set, for the page's removable chips."""
        pairs: list[tuple[str, str]] = []
        for name in _MULTI:
            pairs += [(name, str(v)) for v in getattr(self, _MULTI[name])]
        if self.has_hold is not None:
            pairs.append(("hold", "yes" if self.has_hold else "no"))
        for name in _DATES:
            value = getattr(self, _DATES[name])
            if value is not None:
                pairs.append((name, value.isoformat()))
        return pairs

    def as_query(self, **changes: Any) -> str:
        """The query string that gives these filters back (``changes`` applied first)."""
        filters = replace(self, **changes) if changes else self
        pairs: list[tuple[str, str]] = [("view", str(filters.view))]
        if filters.view == View.QUEUE and filters.queue_id is not None:
            pairs.append(("q", str(filters.queue_id)))
        pairs += filters.chips()
        if filters.sort is not None:
            pairs.append(("sort", str(filters.sort)))
        return urlencode(pairs)

    def without(self, name: str, value: str) -> str:
        """The query string of these filters with one chip removed."""
        if name in _MULTI:
            attr = _MULTI[name]
            kept = tuple(v for v in getattr(self, attr) if str(v) != value)
            return self.as_query(**{attr: kept})
        if name == "hold":
            return self.as_query(has_hold=None)
        return self.as_query(**{_DATES[name]: None})


_MULTI = {
    "status": "statuses",
    "priority": "priorities",
    "type": "types",
    "channel": "channels",
    "queue": "queue_ids",
    "assignee": "assignees",
    "tag": "tags",
}
_DATES = {
    "created_from": "created_from",
    "created_to": "created_to",
    "updated_from": "updated_from",
    "updated_to": "updated_to",
}
_KNOWN = {
    "status": {s.value for s in Status},
    "priority": {p.value for p in Priority},
    "type": {t.value for t in TicketType},
    "channel": {c.value for c in Channel},
}


class _Args:
    """Reads multi-valued arguments from a Werkzeug MultiDict or a plain mapping."""

    def __init__(self, args: Mapping[str, Any]) -> None:
        self.args = args

    def all(self, name: str) -> list[str]:
        getlist = getattr(self.args, "getlist", None)
        values = getlist(name) if getlist else self.args.get(name, [])
        if isinstance(values, str):
            values = [values]
        # "status=new,open" and repeated "status=new&status=open" mean the same.
        found = [part.strip() for value in values for part in str(value).split(",")]
        return [v for v in found if v][:MAX_VALUES]

    def one(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None


def from_query(args: Mapping[str, Any]) -> ListFilters:
    """The filters of a query string; unknown values are left out and named in ``problems``."""
    read = _Args(args)
    problems: list[str] = []
    values: dict[str, Any] = {}

    view_text = read.one("view") or View.ALL.value
    try:
        values["view"] = View(view_text)
    except ValueError:
        problems.append(f"view={view_text}")
    if values.get("view") == View.QUEUE:
        queue_id = _integer(read.one("q"))
        if queue_id is None:
            problems.append(f"q={read.one('q') or ''}")
            values["view"] = View.ALL
        values["queue_id"] = queue_id

    for name, known in _KNOWN.items():
        chosen = read.all(name)
        problems += [f"{name}={v}" for v in chosen if v not in known]
        values[_MULTI[name]] = tuple(dict.fromkeys(v for v in chosen if v in known))

    queue_ids = [(v, _integer(v)) for v in read.all("queue")]
    problems += [f"queue={v}" for v, number in queue_ids if number is None]
    values["queue_ids"] = tuple(dict.fromkeys(n for _, n in queue_ids if n is not None))

    assignees = read.all("assignee")
    fine = [a for a in assignees if a in (ME, NOBODY) or _integer(a) is not None]
    problems += [f"assignee={a}" for a in assignees if a not in fine]
    values["assignees"] = tuple(dict.fromkeys(fine))

    values["tags"] = tuple(dict.fromkeys(t[:60].lower() for t in read.all("tag")))

    hold = read.one("hold")
    if hold is not None:
        if hold in ("yes", "no"):
            values["has_hold"] = hold == "yes"
        else:
            problems.append(f"hold={hold}")

    for name, attr in _DATES.items():
        text = read.one(name)
        if text is None:
            continue
        try:
            values[attr] = date.fromisoformat(text)
        except ValueError:
            problems.append(f"{name}={text}")

    sort = read.one("sort")
    if sort is not None:
        try:
            values["sort"] = Sort(sort)
        except ValueError:
            problems.append(f"sort={sort}")

    return ListFilters(**values, problems=tuple(p[:80] for p in problems))


def _integer(text: str | None) -> int | None:
    if text is None or not text.isdigit() or len(text) > 12:
        return None
    return int(text)
