"""Scheduled reports: the due period, one email per period, retries, and the pages."""

from __future__ import annotations

import email
import io
import threading
from datetime import UTC, date, datetime
from email import policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pypdf
import pytest
from sqlalchemy import func, select

from helpdesk import clock
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.pdf import PdfError
from helpdesk.reports import jobs
from helpdesk.reports.models import ReportDelivery, ReportSubscription
from helpdesk.reports.scope import Filters
from helpdesk.reports.services import due_period, subscribe

MX = ZoneInfo("America/Mexico_City")
SYSTEM = Actor.system("test")


def outbox(app: Any, address: str) -> list[email.message.EmailMessage]:
    folder = Path(app.config["DATA_DIR"]) / "outbox"
    found = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        mail = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if address in str(mail["To"]):
            found.append(mail)
    return found


def subscription(frequency: str, created: datetime) -> ReportSubscription:
    return ReportSubscription(
        frequency=frequency, timezone="America/Mexico_City", created_at=created, filters={}
    )


def weekly_subscriber(
    session: Any, make: Any, address: str, *, on: datetime | None = None, **fields: Any
) -> Any:
    """A manager who subscribed to the weekly report ``on`` (Monday 2 November)."""
    manager = make.user(role="manager", email=address, **fields)
    with clock.freeze(on or datetime(2026, 11, 2, 9, 0, tzinfo=MX)):
        subscribe(
            session,
            manager,
            frequency="weekly",
            filters=Filters(),
            zone="America/Mexico_City",
            actor=SYSTEM,
            now=clock.now(),
        )
    return manager


@pytest.mark.parametrize(
    ("frequency", "now", "start", "end"),
    [
        (
            "weekly",
            datetime(2026, 11, 23, 10, 0, tzinfo=MX),
            date(2026, 11, 16),
            date(2026, 11, 22),
        ),
        ("weekly", datetime(2026, 11, 23, 7, 59, tzinfo=MX), date(2026, 11, 9), date(2026, 11, 15)),
        ("weekly", datetime(2026, 11, 26, 7, 0, tzinfo=MX), date(2026, 11, 16), date(2026, 11, 22)),
        ("monthly", datetime(2026, 12, 1, 8, 0, tzinfo=MX), date(2026, 11, 1), date(2026, 11, 30)),
        ("monthly", datetime(2026, 12, 1, 7, 30, tzinfo=MX), date(2026, 10, 1), date(2026, 10, 31)),
        ("monthly", datetime(2027, 1, 15, 12, 0, tzinfo=MX), date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_the_due_period_follows_the_subscriber_clock(frequency, now, start, end):
    period = due_period(subscription(frequency, now), now.astimezone(UTC))
    assert (period.start, period.end) == (start, end)


def test_a_period_is_sent_once_with_the_pdf_and_the_csv(app, session, make, month):
    weekly_subscriber(session, make, "gerencia@cobranza.mx", locale="es_MX")
    session.flush()
    with clock.freeze(datetime(2026, 11, 23, 8, 5, tzinfo=MX)):
        assert jobs.deliver_due_job() == {"sent": 1, "failed": 0}
        assert jobs.deliver_due_job() == {"sent": 0, "failed": 0}  # the same period: nothing
    mails = outbox(app, "gerencia@cobranza.mx")
    assert len(mails) == 1
    mail = mails[0]
    assert (
        mail["Subject"] == "SLA report 2026-11-16 to 2026-11-22" or "2026-11-16" in mail["Subject"]
    )
    files = {part.get_filename(): part for part in mail.iter_attachments()}
    assert set(files) == {"sla-2026-11-16_2026-11-22.pdf", "tickets-2026-11-16_2026-11-22.csv"}
    assert files["sla-2026-11-16_2026-11-22.pdf"].get_content().startswith(b"%PDF")
    table = files["tickets-2026-11-16_2026-11-22.csv"].get_content()
    table = table.decode() if isinstance(table, bytes) else table
    assert month.tickets["T1"].folio not in table  # opened on the 13th
    assert month.tickets["T3"].folio in table  # opened on the 19th
    rows = session.scalars(select(ReportDelivery)).all()
    assert [(r.status, r.period_start, r.attempts) for r in rows] == [
        ("sent", date(2026, 11, 16), 1)
    ]


def test_a_subscription_to_a_queue_that_is_gone_still_arrives_and_says_so(
    app, session, make, month
):
    """Its queue deleted after it subscribed: the report of nothing is still sent once,
    its cover naming the filter as a queue that no longer exists, never every queue."""
    manager = make.user(role="manager", email="cola@cobranza.mx", locale="es_MX")
    queue = make.queue("Temporal")
    with clock.freeze(datetime(2026, 11, 2, 9, 0, tzinfo=MX)):
        subscribe(
            session,
            manager,
            frequency="weekly",
            filters=Filters(queue_ids=(queue.id,)),
            zone="America/Mexico_City",
            actor=SYSTEM,
            now=clock.now(),
        )
    session.delete(queue)
    session.flush()
    with clock.freeze(datetime(2026, 11, 23, 8, 5, tzinfo=MX)):
        assert jobs.deliver_due_job() == {"sent": 1, "failed": 0}
    (mail,) = outbox(app, "cola@cobranza.mx")
    files = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
    reader = pypdf.PdfReader(io.BytesIO(files["sla-2026-11-16_2026-11-22.pdf"]))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Cola: una cola que ya no existe" in text
    assert "No hay tickets en este periodo" in text
    table = files["tickets-2026-11-16_2026-11-22.csv"]
    table = table.decode() if isinstance(table, bytes) else table
    assert month.tickets["T3"].folio not in table  # opened on the 19th, in another queue
    assert len(table.strip().splitlines()) == 1  # the header alone


def test_a_subscription_does_not_send_periods_from_before_it(app, session, make):
    wednesday = datetime(2026, 11, 25, 9, 0, tzinfo=MX)
    weekly_subscriber(session, make, "nueva@cobranza.mx", on=wednesday)
    with clock.freeze(wednesday):
        assert jobs.deliver_due_job() == {"sent": 0, "failed": 0}
    assert outbox(app, "nueva@cobranza.mx") == []


def test_a_render_failure_is_retried_and_logged(app, session, make, monkeypatch, caplog):
    weekly_subscriber(session, make, "reintento@cobranza.mx")
    real = jobs.render_report_pdf

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise PdfError("OSError: no fonts")

    monkeypatch.setattr(jobs, "render_report_pdf", broken)
    with clock.freeze(datetime(2026, 11, 23, 8, 5, tzinfo=MX)):
        assert jobs.deliver_due_job() == {"sent": 0, "failed": 1}
        row = session.scalar(select(ReportDelivery))
        assert (row.status, row.error) == ("failed", "PdfError: OSError: no fonts")
        assert "no fonts" in caplog.text
        monkeypatch.setattr(jobs, "render_report_pdf", real)
        assert jobs.deliver_due_job() == {"sent": 1, "failed": 0}
    session.refresh(row)
    assert (row.status, row.attempts, row.error) == ("sent", 2, None)
    assert len(outbox(app, "reintento@cobranza.mx")) == 1
    # Both attempts are in the audit log, the failure with its reason.
    audited = session.execute(
        select(AuditEvent.action, AuditEvent.after)
        .order_by(AuditEvent.id)
        .where(AuditEvent.action.in_(["report.failed", "report.sent"]))
    ).all()
    assert [action for action, _ in audited] == ["report.failed", "report.sent"]
    assert audited[0][1]["error"] == "PdfError: OSError: no fonts"
    assert audited[1][1]["period"] == "2026-11-16/2026-11-22"


def test_three_failures_and_it_stops_trying(app, session, make, monkeypatch):
    weekly_subscriber(session, make, "rendido@cobranza.mx")
    monkeypatch.setattr(
        jobs, "render_report_pdf", lambda *a, **k: (_ for _ in ()).throw(PdfError("x"))
    )
    with clock.freeze(datetime(2026, 11, 23, 8, 5, tzinfo=MX)):
        results = [jobs.deliver_due_job()["failed"] for _ in range(5)]
    assert results == [1, 1, 1, 0, 0]


def test_the_pages_subscribe_send_now_and_unsubscribe(app, client, signed_in, session, month):
    manager = signed_in("manager")
    response = client.post(
        f"/reports/subscriptions?from=2026-11-01&to=2026-11-30&queue={month.colombia.id}",
        data={"frequency": "monthly"},
    )
    assert response.status_code == 302
    mine = session.scalar(
        select(ReportSubscription).where(ReportSubscription.user_id == manager.id)
    )
    assert (mine.frequency, mine.filters["queue_ids"]) == ("monthly", [month.colombia.id])
    page = client.get("/reports?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert "Cola: Colombia" in page
    assert client.post(f"/reports/subscriptions/{mine.id}/send").status_code == 302
    sent = outbox(app, manager.email)
    assert len(sent) == 1
    assert "2026-11-01" in sent[0]["Subject"] and "2026-11-23" in sent[0]["Subject"]
    page = client.get("/reports?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert "Enviado a petición" in page
    assert client.post(f"/reports/subscriptions/{mine.id}/cancel").status_code == 302
    session.refresh(mine)
    assert mine.cancelled_at is not None


def test_another_users_subscription_is_not_found(client, signed_in, session, make):
    other = make.user(role="manager")
    theirs = subscribe(
        session,
        other,
        frequency="weekly",
        filters=Filters(),
        zone="America/Mexico_City",
        actor=SYSTEM,
        now=clock.now(),
    )
    signed_in("manager")
    assert client.post(f"/reports/subscriptions/{theirs.id}/cancel").status_code == 404
    assert client.post(f"/reports/subscriptions/{theirs.id}/send").status_code == 404
    session.refresh(theirs)
    assert theirs.cancelled_at is None


def test_a_subscription_needs_a_known_frequency(client, signed_in):
    signed_in("manager")
    assert client.post("/reports/subscriptions", data={"frequency": "daily"}).status_code == 400


# --- two schedulers at once, on a committed PostgreSQL database ------------------------


@pytest.mark.postgres
def test_two_schedulers_send_a_period_once(committed_postgres):
    from helpdesk.users.services import create_user

    app = committed_postgres
    with app.app_context():
        manager = create_user(
            db.session,
            email="dos@cobranza.mx",
            name="Dos",
            role="manager",
            password="x" * 12,
            actor=SYSTEM,
            now=clock.now(),
        )
        with clock.freeze(datetime(2026, 11, 2, 9, 0, tzinfo=MX)):
            subscribe(
                db.session,
                manager,
                frequency="weekly",
                filters=Filters(),
                zone="America/Mexico_City",
                actor=SYSTEM,
                now=clock.now(),
            )
        db.session.commit()
    start = threading.Barrier(2)
    results: list[dict[str, int]] = []

    def scheduler() -> None:
        with app.app_context(), clock.freeze(datetime(2026, 11, 23, 8, 5, tzinfo=MX)):
            start.wait()
            results.append(jobs.deliver_due_job())
            db.session.remove()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(r["sent"] for r in results) == [0, 1]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportDelivery)) == 1
    assert len(outbox(app, "dos@cobranza.mx")) == 1
