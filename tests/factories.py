"""Small factories: make the data a test needs, through the real services."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest
from flask import current_app
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.accounts.models import CollectionAccount
from helpdesk.attachments import storage
from helpdesk.audit.services import Actor
from helpdesk.channels.email.settings import EmailSettings
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.contacts.models import Contact
from helpdesk.contacts.services import create_contact
from helpdesk.queues.models import Queue
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
from helpdesk.users.models import User
from helpdesk.users.services import create_user

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


class Factory:
    def __init__(self, session: Session) -> None:
        self.session = session

    def user(self, role: str = "agent", **fields: Any) -> User:
        n = next(_sequence)
        values = {
            "email": f"staff{n}@example.mx",
            "name": f"Agente {n}",
            "role": role,
            "password": PASSWORD,
        }
        values.update(fields)
        return create_user(self.session, actor=Actor.system("test"), now=clock.now(), **values)

    def queue(self, name: str | None = None) -> Queue:
        n = next(_sequence)
        queue = Queue(name=name or f"Cola {n}", slug=f"cola-{n}", created_at=clock.now())
        self.session.add(queue)
        self.session.flush()
        return queue

    def contact(self, **fields: Any) -> Contact:
        n = next(_sequence)
        values = {"name": f"Deudor Ñandú {n}", "email": f"deudor{n}@correo.mx"}
        values.update(fields)
        return create_contact(self.session, actor=Actor.system("test"), now=clock.now(), **values)

    def account(self, contact: Contact | None = None, **fields: Any) -> CollectionAccount:
        n = next(_sequence)
        values = {
            "number": f"MX-{n:06d}",
            "creditor": "Banco Demo",
            "portfolio": "Tarjetas",
            "balance": Decimal("12500.50"),
            "currency": "MXN",
            "days_past_due": 45,
            "created_at": clock.now(),
            "updated_at": clock.now(),
        }
        values.update(fields)
        account = CollectionAccount(contact=contact or self.contact(), **values)
        self.session.add(account)
        self.session.flush()
        return account

    def ticket(self, contact: Contact | None = None, **fields: Any) -> Ticket:
        contact = contact or self.contact()
        values: dict[str, Any] = {
            "subject": "Aclaración de cargo no reconocido",
            "text": "No reconozco el cargo de $1,250.00 en mi estado de cuenta.",
            "channel": "email",
            "type": "dispute",
        }
        values.update(fields)
        return tickets.open_ticket(
            self.session,
            contact=contact,
            folio_prefix=current_app.config["FOLIO_PREFIX"],
            attachments=storage.root_for(current_app.config["DATA_DIR"]),
            actor=Actor.for_contact(contact),
            now=clock.now(),
            **values,
        )


@pytest.fixture
def make(session: Session) -> Factory:
    return Factory(session)


@pytest.fixture
def signed_in(client: Any, make: Factory) -> Any:
    """Sign a user in through the real form; returns a function role -> user."""

    def sign_in(role: str = "agent", **fields: Any) -> User:
        user = make.user(role=role, **fields)
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.data[:500]
        return user

    return sign_in


def email_settings() -> EmailSettings:
    """The email channel's settings from the current app, as its jobs and commands build them."""
    return EmailSettings.from_config(current_app.config)


def whatsapp_settings() -> WhatsAppSettings:
    """The WhatsApp channel's settings from the current app, as its boundaries build them."""
    return WhatsAppSettings.from_config(current_app.config)
