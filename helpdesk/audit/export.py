"""The audit log as CSV, one line at a time (the export is streamed)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from helpdesk.audit.models import AuditEvent

HEADER = [
    "id",
    "created_at",
    "actor_kind",
    "actor_user_id",
    "actor",
    "action",
    "object_type",
    "object_id",
    "ticket_id",
    "before",
    "after",
]


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run a cell that starts like a formula: keep it text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(v) for v in values])
        return buffer.getvalue()

    yield "\ufeff" + line(HEADER)  # the BOM makes Excel read UTF-8
    for e in events:
        yield line(
            [
                e.id,
                e.created_at.isoformat(),
                e.actor_kind,
                e.actor_user_id,
                e.actor_label,
                e.action,
                e.object_type,
                e.object_id,
                e.ticket_id,
                _json(e.before),
                _json(e.after),
            ]
        )
