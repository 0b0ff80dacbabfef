"""Accounts on the ticket page and the account page."""

from __future__ import annotations

from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from helpdesk.holds.models import Hold


def test_the_ticket_page_shows_the_hold_and_records_the_outcome(client, signed_in, make, session):
    signed_in()
    account = make.account(balance=Decimal("12500.50"))
    ticket = make.ticket(contact=account.contact, accounts=[account], type="dispute")
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert account.number in page and "Recordatorios detenidos desde" in page
    assert "Resolver la aclaración" in page

    response = client.post(
        f"/tickets/{ticket.folio}/outcome",
        data={"outcome": "partial", "adjusted_balance": "9000.00", "note": "Se bonificó el cargo."},
    )
    assert response.status_code == 302
    assert ticket.status == "resolved" and account.balance == Decimal("9000.00")
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "Se reanudan el" in page and "Saldo ajustado a 9000.00" in page


def test_agents_link_and_unlink_accounts(client, signed_in, make, session):
    signed_in()
    contact = make.contact()
    first, second = make.account(contact=contact), make.account(contact=contact)
    ticket = make.ticket(contact=contact, type="dispute")
    assert ticket.accounts == []  # two accounts and none named: the agent chooses
    client.post(f"/tickets/{ticket.folio}/accounts", data={"account_id": second.id})
    assert ticket.accounts == [second]
    assert session.scalar(select(Hold).where(Hold.account_id == second.id)) is not None
    client.post(f"/tickets/{ticket.folio}/accounts/{second.id}/unlink")
    assert ticket.accounts == [] and first not in ticket.accounts


def test_the_account_page_lists_tickets_and_holds(client, signed_in, make):
    signed_in()
    account = make.account()
    ticket = make.ticket(contact=account.contact, accounts=[account], type="dispute")
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert ticket.folio in page and "Recordatorios detenidos" in page
    assert "Aclaración" in page


def test_the_account_page_lists_reminders_and_the_ticket_says_why_the_next_one_waits(
    client, signed_in, make, session
):
    from datetime import UTC, date, datetime

    from helpdesk.reminders.dispatcher import run_due
    from helpdesk.reminders.models import ReminderSchedule, ReminderStep

    now = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    session.add(
        ReminderSchedule(
            creditor="Banco Demo",
            portfolio="Tarjetas",
            name="Tarjetas",
            country="MX",
            created_at=now,
            updated_at=now,
            steps=[
                ReminderStep(offset_days=0, channel="email"),
                ReminderStep(offset_days=7, channel="email"),
            ],
        )
    )
    account = make.account(next_due_date=date(2026, 11, 23))
    run_due(session, config=current_app.config, now=now)
    ticket = make.ticket(contact=account.contact, accounts=[account], type="dispute")
    signed_in()

    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Recordatorios" in page and "El día del vencimiento · " in page
    assert "Enviado" in page
    assert "Próximo recordatorio:" in page and "7 días después del vencimiento" in page
    assert "Detenido por el ticket" in page and ticket.folio in page

    panel = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "Próximo recordatorio:" in panel and "Detenido por el ticket" in panel


def test_the_account_page_shows_the_debtors_consents(client, signed_in, make, session):
    from helpdesk import clock
    from helpdesk.accounts.models import ChannelConsent

    signed_in()
    account = make.account()
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Consentimiento" in page and "Ningún canal autorizado." in page
    session.add(
        ChannelConsent(
            contact_id=account.contact_id, channel="whatsapp", granted_at=clock.now(),
            source="import",
        )
    )
    session.flush()
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "WhatsApp" in page and "vía importación" in page
    assert "Ningún canal autorizado." not in page
