"""Canned responses: who keeps and sees which, and the ticket's facts filled in."""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.canned.models import CannedResponse
from helpdesk.canned.services import CannedValues, save
from helpdesk.sla.calendar import cdmx
from helpdesk.sla.services import PolicyValues, save_calendar, save_policy
from tests.factories import PASSWORD

SYSTEM = Actor.system("test")
TEMPLATE = (
    "Estimado(a) {debtor_name}: sobre su folio {folio}, la cuenta {account_number} tiene un "
    "saldo de {balance} con vencimiento el {due_date}. Le responderemos a más tardar el "
    "{response_deadline}. Atentamente, {agent_name}. {Nota}"
)


def answer(session, make, *, owner=None, queue=None, body="Hola {debtor_name}", title="Saludo"):
    owner = owner or make.user(role="admin")
    return save(
        session,
        None,
        CannedValues(title, body, "es", queue, shared=owner.role == "admin"),
        owner=owner,
        actor=SYSTEM,
        now=clock.now(),
    )


def sign_in(client, user) -> None:
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )


def test_an_agent_keeps_their_own_answers_and_nobody_else_sees_them(client, make, session):
    ana, beto = make.user(name="Ana"), make.user(name="Beto")
    sign_in(client, ana)
    response = client.post(
        "/canned",
        data={
            "title": "Pago recibido",
            "body": "Recibimos su pago, {debtor_name}.",
            "language": "es",
            "queue_id": "0",
        },
    )
    assert response.status_code == 302
    mine = session.scalar(select(CannedResponse).where(CannedResponse.title == "Pago recibido"))
    assert mine.owner_id == ana.id
    client.post("/logout")
    sign_in(client, beto)
    assert "Pago recibido" not in client.get("/canned").get_data(as_text=True)
    assert client.get(f"/canned/{mine.id}").status_code == 404
    assert client.post(f"/canned/{mine.id}/delete").status_code == 404
    ticket = make.ticket()
    assert client.get(f"/tickets/{ticket.folio}/canned/{mine.id}").status_code == 404


def test_an_agent_cannot_make_an_answer_shared(client, signed_in, session):
    """The form offers agents no "shared" box; a crafted one is refused, not ignored."""
    signed_in("agent")
    response = client.post(
        "/canned",
        data={"title": "Mía", "body": "x", "language": "es", "queue_id": "0", "shared": "y"},
    )
    assert "Solo los administradores pueden compartir una respuesta." in response.get_data(
        as_text=True
    )
    assert session.scalar(select(CannedResponse).where(CannedResponse.title == "Mía")) is None


def test_shared_answers_are_offered_on_their_queue_only(client, signed_in, make, session):
    disputas, quejas = make.queue("Disputas"), make.queue("Quejas")
    general = answer(session, make, title="General")
    only_quejas = answer(session, make, title="Solo quejas", queue=quejas)
    signed_in("agent")
    ticket = make.ticket(queue=disputas)
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "General" in page and "Solo quejas" not in page
    assert client.get(f"/tickets/{ticket.folio}/canned/{general.id}").status_code == 200
    assert client.get(f"/tickets/{ticket.folio}/canned/{only_quejas.id}").status_code == 404
    assert client.get(f"/canned/{general.id}").status_code == 404  # shared: admins edit it


def test_the_variables_are_filled_with_the_tickets_facts(client, signed_in, make, session):
    queue = make.queue("Disputas")
    calendar = save_calendar(
        session, None, name="CDMX", config=cdmx().to_config(), actor=SYSTEM, now=clock.now()
    )
    policy = PolicyValues(
        name="Aclaraciones",
        queue=queue,
        calendar=calendar,
        resolution_amount=45,
        resolution_unit="calendar_days",
    )
    save_policy(session, None, policy, actor=SYSTEM, now=clock.now())
    saved = answer(session, make, body=TEMPLATE, title="Completa")
    agent = signed_in("agent", name="Lucía Herrera")
    account = make.account(
        number="MX-000777", balance=Decimal("12500.50"), next_due_date=date(2026, 12, 15)
    )
    contact = account.contact
    ticket = make.ticket(contact=contact, accounts=[account], queue=queue)
    text = client.get(f"/tickets/{ticket.folio}/canned/{saved.id}").get_json()["text"]
    assert contact.display_name in text
    assert ticket.folio in text
    assert "MX-000777" in text
    assert "$12,500.50" in text
    assert "15 de diciembre de 2026" in text
    assert "Lucía Herrera" in text
    assert "7 de enero de 2027" in text  # 45 calendar days from Monday 23 November
    assert "{Nota}" in text  # not a variable: left as written
    assert agent.name in text


def test_a_fact_the_ticket_lacks_shows_as_a_gap(client, signed_in, make, session):
    saved = answer(session, make, body="Cuenta {account_number}, plazo {response_deadline}.")
    signed_in("agent")
    ticket = make.ticket()  # no account, no SLA policy
    text = client.get(f"/tickets/{ticket.folio}/canned/{saved.id}").get_json()["text"]
    assert text == "Cuenta […], plazo […]."


def test_an_unknown_variable_is_refused_with_its_name(client, signed_in, session):
    signed_in("agent")
    response = client.post(
        "/canned",
        data={"title": "Mala", "body": "Hola {nombre}", "language": "es", "queue_id": "0"},
    )
    assert response.status_code == 422
    assert "Variables desconocidas: {nombre}" in html.unescape(response.get_data(as_text=True))
    assert session.scalar(select(CannedResponse).where(CannedResponse.title == "Mala")) is None


def test_without_javascript_the_answer_lands_in_the_reply_box(client, signed_in, make, session):
    saved = answer(session, make, body="Hola {debtor_name}, su folio es {folio}.")
    signed_in("agent")
    ticket = make.ticket()
    page = html.unescape(
        client.get(f"/tickets/{ticket.folio}?canned={saved.id}").get_data(as_text=True)
    )
    reply_box = page.split('class="composer-reply"')[1].split("</form>")[0]
    assert f"Hola {ticket.contact.display_name}, su folio es {ticket.folio}." in reply_box
