"""Payment reminders: sent when due, skipped while held, deferred outside the contact
window or over a cap, never sent twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import current_app
from sqlalchemy import select

from helpdesk.accounts.models import ChannelConsent, ChannelOptOut
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor
from helpdesk.contacts.models import ContactIdentity
from helpdesk.holds import services as holds
from helpdesk.holds.models import Hold
from helpdesk.reminders.dispatcher import run_due
from helpdesk.reminders.models import ReminderDispatch, ReminderSchedule, ReminderStep
from helpdesk.tickets import services as tickets
from tests.channels.whatsapp import graph as graph_server

NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # Monday 10:00 in Mexico City
DUE = date(2026, 11, 23)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def schedule(session: Any) -> Any:
    """A schedule for the factories' portfolio; ``schedule(country, *steps)``."""

    def make_schedule(country: str = "MX", *steps: ReminderStep) -> ReminderSchedule:
        row = ReminderSchedule(
            creditor="Banco Demo",
            portfolio="Tarjetas",
            name="Tarjetas",
            country=country,
            is_active=True,
            created_at=NOW,
            updated_at=NOW,
            steps=list(steps) or [ReminderStep(offset_days=0, channel="email")],
        )
        session.add(row)
        session.flush()
        return row

    return make_schedule


@pytest.fixture
def outbox(app: Any) -> Path:
    return Path(app.config["DATA_DIR"]) / "outbox"


def outbox_count(outbox: Path) -> int:
    return len(list(outbox.glob("*.eml"))) if outbox.exists() else 0


def consent(session: Any, account: Any, *channels: str) -> None:
    """The debtor authorised ``channels`` (Colombia sends only on those)."""
    for channel in channels or ("email",):
        session.add(
            ChannelConsent(
                contact_id=account.contact_id, channel=channel, granted_at=NOW, source="api"
            )
        )
    session.flush()


def report_for(session: Any, now: datetime) -> dict[str, list[dict[str, Any]]]:
    return run_due(session, config=current_app.config, now=now).as_json()


# --- Holds -----------------------------------------------------------------------------


def test_a_dispute_stops_the_reminder_until_the_grace_period_ends(
    session, make, schedule, app, outbox
):
    schedule()
    account = make.account(next_due_date=DUE)
    ticket = make.ticket(contact=account.contact, accounts=[account], type="dispute")
    before = outbox_count(outbox)

    held = report_for(session, NOW)
    assert held["skipped"] == [{"account": account.number, "step": "D+0/email", "reason": "hold"}]
    assert held["sent"] == []

    resolved_at = NOW + timedelta(hours=2)
    holds.record_outcome(
        session,
        ticket,
        "unfavourable",
        grace=holds.grace_period(current_app.config),
        actor=Actor.system(),
        now=resolved_at,
    )
    tickets.set_status(session, ticket, "resolved", actor=Actor.system(), now=resolved_at)
    session.commit()
    in_grace = report_for(session, resolved_at + timedelta(days=1))
    assert [s["reason"] for s in in_grace["skipped"]] == ["hold"]

    after_grace = resolved_at + timedelta(days=app.config["HOLD_GRACE_DAYS"], minutes=5)
    sent = report_for(session, after_grace)
    assert sent["sent"] == [{"account": account.number, "step": "D+0/email", "channel": "email"}]
    assert outbox_count(outbox) == before + 1
    assert report_for(session, after_grace + timedelta(hours=1)) == {
        "sent": [],
        "deferred": [],
        "skipped": [],
    }
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "collection_accounts", AuditEvent.object_id == account.id)
        .where(AuditEvent.action.like("reminder.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["reminder.skipped", "reminder.sent"]  # a repeated skip is one event


def test_a_hold_on_another_channel_lets_email_go(session, make, schedule, outbox):
    schedule()
    account = make.account(next_due_date=DUE)
    ticket = make.ticket(contact=account.contact, type="complaint")
    ticket.accounts.append(account)
    session.add(
        Hold(
            account=account,
            ticket_id=ticket.id,
            ticket_type="complaint",
            channel="whatsapp",
            opened_at=NOW,
        )
    )
    session.flush()
    assert [s["account"] for s in report_for(session, NOW)["sent"]] == [account.number]


def test_a_closed_account_gets_no_reminder(session, make, schedule):
    schedule()
    make.account(next_due_date=DUE, status="closed")
    assert report_for(session, NOW) == {"sent": [], "deferred": [], "skipped": []}


def test_only_the_latest_due_step_is_sent(session, make, schedule):
    schedule(
        "MX",
        ReminderStep(offset_days=-3, channel="email"),
        ReminderStep(offset_days=0, channel="email"),
        ReminderStep(offset_days=7, channel="email"),
    )
    account = make.account(next_due_date=DUE)
    report = report_for(session, NOW)
    assert report["sent"] == [{"account": account.number, "step": "D+0/email", "channel": "email"}]
    assert report["skipped"] == [
        {"account": account.number, "step": "D-3/email", "reason": "superseded"}
    ]
    assert report_for(session, NOW + timedelta(days=1))["skipped"] == []


# --- Contact windows and caps -------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "now", "until", "why"),
    [
        # Mexico, 23:30 local (UTC-6): the window opens at 07:00 the next day.
        ("MX", utc(2026, 11, 24, 5, 30), utc(2026, 11, 24, 13, 0), "MX late night"),
        # Colombia (UTC-5) on a Sunday: Monday 07:00.
        ("CO", utc(2026, 11, 29, 15, 0), utc(2026, 11, 30, 12, 0), "CO Sunday"),
        # Colombia on 8 December (Inmaculada Concepción): the next business day, 07:00.
        ("CO", utc(2026, 12, 8, 15, 0), utc(2026, 12, 9, 12, 0), "CO holiday"),
        # Colombia on Saturday after 15:00: Monday 07:00.
        ("CO", utc(2026, 11, 28, 21, 0), utc(2026, 11, 30, 12, 0), "CO Saturday 16:00"),
    ],
)
def test_outside_the_contact_window_the_reminder_waits(
    session, make, schedule, outbox, country, now, until, why
):
    schedule(country)
    account = make.account(next_due_date=now.date() - timedelta(days=1))
    consent(session, account)
    before = outbox_count(outbox)
    report = report_for(session, now)
    assert report["deferred"] == [
        {
            "account": account.number,
            "step": "D+0/email",
            "until": until.isoformat(),
            "reason": "contact_window",
        }
    ], why
    assert outbox_count(outbox) == before
    assert report_for(session, until - timedelta(minutes=1))["deferred"] == []  # not yet due
    assert [s["account"] for s in report_for(session, until)["sent"]] == [account.number]


def test_the_contacts_own_time_zone_wins(session, make, schedule):
    schedule("MX")
    contact = make.contact()
    contact.timezone = "America/Tijuana"  # UTC-8 in November
    account = make.account(contact=contact, next_due_date=DUE)
    report = report_for(session, utc(2026, 11, 23, 14, 0))  # 06:00 in Tijuana, 08:00 CDMX
    assert report["deferred"][0]["until"] == utc(2026, 11, 23, 15, 0).isoformat()
    assert report["deferred"][0]["account"] == account.number


def test_colombia_allows_one_reminder_a_day(session, make, schedule):
    schedule("CO", ReminderStep(offset_days=0, channel="email"), ReminderStep(
        offset_days=7, channel="email"
    ))
    account = make.account(next_due_date=DUE)
    consent(session, account)
    monday = utc(2026, 11, 23, 15, 0)  # 10:00 in Bogotá
    assert len(report_for(session, monday)["sent"]) == 1
    # The collection system moves the due date back a week: the +7 step is due today too.
    account.next_due_date = DUE - timedelta(days=7)
    session.commit()
    report = report_for(session, monday + timedelta(hours=1))
    assert report["deferred"] == [
        {
            "account": account.number,
            "step": "D+7/email",
            "until": utc(2026, 11, 24, 12, 0).isoformat(),  # Tuesday 07:00 in Bogotá
            "reason": "frequency_cap",
        }
    ]


# --- Consent and addresses ----------------------------------------------------------------


def test_an_opt_out_skips_the_channel(session, make, schedule):
    schedule()
    account = make.account(next_due_date=DUE)
    session.add(ChannelOptOut(contact_id=account.contact_id, channel="email", created_at=NOW))
    session.flush()
    assert report_for(session, NOW)["skipped"] == [
        {"account": account.number, "step": "D+0/email", "reason": "opt_out"}
    ]


def test_an_opt_out_of_everything_skips_every_channel(session, make, schedule):
    schedule("MX", ReminderStep(offset_days=0, channel="whatsapp", template_name="recordatorio"))
    account = make.account(next_due_date=DUE, contact=make.contact(phone="+525512345678"))
    session.add(ChannelOptOut(contact_id=account.contact_id, channel="all", created_at=NOW))
    session.flush()
    assert [s["reason"] for s in report_for(session, NOW)["skipped"]] == ["opt_out"]


MONDAY_BOGOTA = utc(2026, 11, 23, 15, 0)  # 10:00 in Bogotá


def test_colombia_sends_only_on_channels_the_debtor_authorised(session, make, schedule, outbox):
    schedule("CO")
    account = make.account(next_due_date=DUE)
    before = outbox_count(outbox)
    assert report_for(session, MONDAY_BOGOTA)["skipped"] == [
        {"account": account.number, "step": "D+0/email", "reason": "no_consent"}
    ]
    assert outbox_count(outbox) == before
    consent(session, account, "whatsapp")  # another channel does not count
    assert [s["reason"] for s in report_for(session, MONDAY_BOGOTA)["skipped"]] == ["no_consent"]
    consent(session, account, "email")  # looked at again on the next run: now it leaves
    report = report_for(session, MONDAY_BOGOTA + timedelta(minutes=5))
    assert report["sent"] == [{"account": account.number, "step": "D+0/email", "channel": "email"}]
    assert outbox_count(outbox) == before + 1


def test_colombia_with_consent_for_email_sends(session, make, schedule):
    schedule("CO")
    account = make.account(next_due_date=DUE)
    consent(session, account, "email")
    assert [s["account"] for s in report_for(session, MONDAY_BOGOTA)["sent"]] == [account.number]


def test_an_opt_out_wins_over_consent(session, make, schedule):
    schedule("CO")
    account = make.account(next_due_date=DUE)
    consent(session, account, "email")
    session.add(ChannelOptOut(contact_id=account.contact_id, channel="email", created_at=NOW))
    session.flush()
    assert [s["reason"] for s in report_for(session, MONDAY_BOGOTA)["skipped"]] == ["opt_out"]


def test_mexico_does_not_require_consent(session, make, schedule):
    schedule("MX")
    account = make.account(next_due_date=DUE)
    assert [s["account"] for s in report_for(session, NOW)["sent"]] == [account.number]


def test_an_admin_can_require_consent_in_mexico(session, make, schedule):
    from dataclasses import replace

    from helpdesk.reminders.rules import DEFAULT_RULES, save_rule

    save_rule(session, replace(DEFAULT_RULES["MX"], requires_consent=True), now=NOW)
    schedule("MX")
    make.account(next_due_date=DUE)
    assert [s["reason"] for s in report_for(session, NOW)["skipped"]] == ["no_consent"]


def test_a_bounced_address_or_none_skips_email(session, make, schedule):
    schedule()
    bounced = make.account(next_due_date=DUE)
    identity = session.scalar(
        select(ContactIdentity).where(ContactIdentity.contact_id == bounced.contact_id)
    )
    identity.bounced_at = NOW
    no_email = make.account(
        next_due_date=DUE, contact=make.contact(email=None, phone="+525511112222")
    )
    skipped = {s["account"]: s["reason"] for s in report_for(session, NOW)["skipped"]}
    assert skipped == {bounced.number: "bounced", no_email.number: "no_address"}


# --- WhatsApp -----------------------------------------------------------------------------


@pytest.fixture
def graph(app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[graph_server.Graph]:
    state, server = graph_server.start()
    monkeypatch.setitem(app.config, "WHATSAPP_PHONE_NUMBER_ID", "109876543210")
    monkeypatch.setitem(app.config, "WHATSAPP_TOKEN", graph_server.TOKEN)
    monkeypatch.setitem(app.config, "WHATSAPP_GRAPH_URL", state.base_url)
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_a_whatsapp_reminder_sends_the_template(session, make, schedule, graph):
    schedule(
        "MX",
        ReminderStep(offset_days=-3, channel="whatsapp", template_name="recordatorio_pago"),
    )
    contact = make.contact(name="Guadalupe Núñez", phone="+525512345678")
    account = make.account(contact=contact, next_due_date=DUE + timedelta(days=3))
    graph.next_wamids.append("wamid.REMINDER")
    report = report_for(session, NOW)
    assert report["sent"] == [
        {"account": account.number, "step": "D-3/whatsapp", "channel": "whatsapp"}
    ]
    (payload,) = graph.sent()
    assert payload["to"] == "+525512345678"
    assert payload["template"]["name"] == "recordatorio_pago"
    assert payload["template"]["language"] == {"code": "es_MX"}
    texts = [p["text"] for p in payload["template"]["components"][0]["parameters"]]
    assert texts == ["Guadalupe Núñez", account.number, "12500.50", "2026-11-26"]
    row = session.scalar(select(ReminderDispatch).where(ReminderDispatch.account_id == account.id))
    assert (row.status, row.external_id) == ("sent", "wamid.REMINDER")


def test_a_temporary_graph_failure_is_retried_later(session, make, schedule, graph):
    schedule("MX", ReminderStep(offset_days=0, channel="whatsapp", template_name="recordatorio"))
    account = make.account(contact=make.contact(phone="+525512345678"), next_due_date=DUE)
    graph.fail("send", 503)
    report = report_for(session, NOW)
    assert report["deferred"][0]["reason"] == "retry"
    assert report["deferred"][0]["account"] == account.number
    retry_at = datetime.fromisoformat(report["deferred"][0]["until"])
    assert [s["channel"] for s in report_for(session, retry_at)["sent"]] == ["whatsapp"]



# --- Defaults -----------------------------------------------------------------------------


def test_the_demo_gives_every_portfolio_a_schedule_and_each_country_a_rule(session):
    from helpdesk.accounts.models import CollectionAccount
    from helpdesk.demo import load_demo
    from helpdesk.reminders.models import ContactRule

    prefix = current_app.config["FOLIO_PREFIX"]
    load_demo(session, folio_prefix=prefix, tickets_count=10, debtors=30)
    portfolios = set(
        session.execute(select(CollectionAccount.creditor, CollectionAccount.portfolio))
    )
    schedules = session.scalars(select(ReminderSchedule)).all()
    assert {(s.creditor, s.portfolio) for s in schedules} == portfolios
    for row in schedules:
        assert "D+0/email" in [step.key for step in row.steps]
        assert row.is_active and row.country == "MX"
    assert set(session.scalars(select(ContactRule.country))) >= {"MX", "CO", "AR"}
    co = session.scalar(select(ContactRule).where(ContactRule.country == "CO"))
    assert co.skip_holidays and co.max_per_day == 1 and "sun" not in co.weekly_hours
    assert co.requires_consent
    mx = session.scalar(select(ContactRule).where(ContactRule.country == "MX"))
    assert not mx.requires_consent


def test_right_after_the_demo_some_reminders_are_due_and_disputes_hold_others(session):
    from helpdesk.demo import load_demo

    prefix = current_app.config["FOLIO_PREFIX"]
    load_demo(session, folio_prefix=prefix, tickets_count=40, debtors=30)
    report = report_for(session, NOW)
    assert report["sent"], "a developer running run-due on the demo sees reminders go"
    assert any(s["reason"] == "hold" for s in report["skipped"])


def test_whatsapp_without_a_configured_number_waits_for_one(session, make, schedule):
    schedule("MX", ReminderStep(offset_days=0, channel="whatsapp", template_name="recordatorio"))
    account = make.account(contact=make.contact(phone="+525512345678"), next_due_date=DUE)
    assert report_for(session, NOW)["skipped"] == [
        {"account": account.number, "step": "D+0/whatsapp", "reason": "not_configured"}
    ]


def test_one_broken_reminder_does_not_stop_the_others(session, make, schedule, monkeypatch):
    from helpdesk.reminders import send as reminder_send

    schedule()
    broken, fine = make.account(next_due_date=DUE), make.account(next_due_date=DUE)
    session.commit()  # the run rolls back the broken reminder's transaction, not the setup
    real_send = reminder_send.send_email

    def send(account, step, **kwargs):
        if account.id == broken.id:
            raise RuntimeError("template bug")
        return real_send(account, step, **kwargs)

    monkeypatch.setattr(reminder_send, "send_email", send)
    report = report_for(session, NOW)
    assert report["skipped"] == [
        {"account": broken.number, "step": "D+0/email", "reason": "error: RuntimeError"}
    ]
    assert [s["account"] for s in report["sent"]] == [fine.number]
    monkeypatch.setattr(reminder_send, "send_email", real_send)
    assert [s["account"] for s in report_for(session, NOW)["sent"]] == [broken.number]
