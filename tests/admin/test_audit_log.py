"""The audit log page: who, what, when, before/after; filters; pages; CSV export."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta

from helpdesk import clock
from helpdesk.audit.services import Actor, record
from helpdesk.queues.models import Queue
from tests.conftest import FIXED_NOW


def test_the_audit_log_filters_pages_and_exports(client, signed_in, make, session, count_queries):
    admin = signed_in("admin")
    other = make.user("supervisor", name="Marta Ruiz")
    queue = make.queue("Cobranza Bogotá")
    with clock.freeze(FIXED_NOW - timedelta(days=3)):
        record(
            session,
            Actor.for_user(other),
            "queue.updated",
            queue,
            now=clock.now(),
            before={"name": "Viejo"},
            after={"name": "Cobranza Bogotá"},
        )
    for n in range(60):
        record(
            session,
            Actor.for_user(admin),
            "queue.member_added",
            queue,
            now=clock.now(),
            after={"n": n, "formula": "=HYPERLINK(1)"},
        )
    session.flush()

    page = client.get("/admin/audit").get_data(as_text=True)
    assert "queue.member_added" in page and "Anterior" not in page
    assert "Más antiguos" in page

    filtered = client.get(f"/admin/audit?user={other.id}").get_data(as_text=True)
    assert "Marta Ruiz" in filtered and "queue.member_added" not in filtered
    assert "Viejo" in filtered and "Cobranza Bogotá" in filtered

    day = (FIXED_NOW - timedelta(days=3)).date().isoformat()
    by_date = client.get(f"/admin/audit?object_type=queues&since={day}&until={day}")
    assert "queue.updated" in by_date.get_data(as_text=True)
    assert "queue.member_added" not in by_date.get_data(as_text=True)

    with count_queries() as counter:
        client.get("/admin/audit?object_type=queues")
    assert counter.count < 10  # no COUNT(*), no N+1

    export = client.get(f"/admin/audit.csv?user={admin.id}&object_type=queues")
    assert export.mimetype == "text/csv" and "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "created_at", "actor_kind"]
    assert len(rows) == 61 and all(r[5] == "queue.member_added" for r in rows[1:])
    assert rows[1][10].startswith("{")  # JSON

    record(session, Actor.system("=HYPERLINK(1)"), "queue.archived", queue, now=clock.now())
    session.flush()
    export = client.get("/admin/audit.csv?object_type=queues").get_data(as_text=True)
    hostile = next(csv.reader(io.StringIO(export.splitlines()[1])))
    assert hostile[4] == "'=HYPERLINK(1)"  # a spreadsheet shows it, never runs it


def test_older_pages_follow_the_keyset(client, signed_in, make, session):
    admin = signed_in("admin")
    queue = session.get(Queue, make.queue().id)
    for n in range(55):
        record(
            session,
            Actor.for_user(admin),
            "queue.member_added",
            queue,
            now=clock.now(),
            after={"n": n},
        )
    session.flush()
    first = client.get("/admin/audit?object_type=queues").get_data(as_text=True)
    older = re.search(r'href="(/admin/audit\?[^"]*before=\d+[^"]*)"', first).group(1)
    second = html.unescape(client.get(html.unescape(older)).get_data(as_text=True))
    assert '"n": 0' in second and '"n": 54' not in second
    assert "Más recientes" in second
