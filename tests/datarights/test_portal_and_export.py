"""The portal's "My personal data" page, the export job and who may see an export:
the contact it belongs to (once delivered) and staff who may work on the ticket."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

from pypdf import PdfReader
from sqlalchemy import insert, select

from helpdesk import clock
from helpdesk.accounts.models import ChannelOptOut
from helpdesk.audit.models import AuditEvent
from helpdesk.datarights.models import DataExport, DataRightsRequest
from helpdesk.datarights.services import RightsRequest, open_request, request_export
from helpdesk.reminders.dispatcher import run_due
from helpdesk.reminders.models import ReminderDispatch, ReminderSchedule, ReminderStep
from helpdesk.tickets.models import Message
from tests.factories import PASSWORD


def ask(client, kind, **fields):
    data = {"kind": kind, **{f"{kind}-{name}": value for name, value in fields.items()}}
    return client.post("/portal/data", data=data)


def folio_of(response):
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    return response.headers["Location"].split("/portal/cases/")[1].split("?")[0]


def staff_client(app, make, role="agent"):
    user = make.user(role=role)
    http = app.test_client()
    assert http.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return http, user


def test_the_portal_page_opens_each_request_as_a_data_rights_ticket(
    client, session, make, rights_queue, portal_sign_in
):
    contact = make.contact()
    make.account(contact=contact, currency="MXN")
    portal_sign_in(contact)
    page = client.get("/portal/data").get_data(as_text=True)
    assert "Mis datos personales" in page and "Dejar de contactarme por un canal" in page

    access = folio_of(ask(client, "access", text="Quiero saber qué datos tienen."))
    correction = folio_of(ask(client, "rectification", wrong="Mi correo viejo", right="Uno nuevo"))
    stop = folio_of(ask(client, "opposition", channel="email"))

    kinds = dict(
        session.execute(select(DataRightsRequest.kind, DataRightsRequest.legal_basis)).all()
    )
    assert set(kinds) == {"access", "rectification", "opposition"}
    assert len({access, correction, stop}) == 3
    assert (
        session.scalar(select(ChannelOptOut.channel).where(ChannelOptOut.contact_id == contact.id))
        == "email"
    )
    listing = client.get("/portal/data").get_data(as_text=True)
    assert access in listing and correction in listing and stop in listing


def test_an_incomplete_correction_shows_why_and_opens_nothing(
    client, session, make, rights_queue, portal_sign_in
):
    portal_sign_in(make.contact())
    response = ask(client, "rectification", wrong="Mi dirección", right="")
    assert response.status_code == 400
    assert "Díganos cuál es el dato correcto." in response.get_data(as_text=True)
    assert session.scalar(select(DataRightsRequest.id)) is None


def test_every_portal_form_needs_its_csrf_token(
    app, client, make, rights_queue, portal_sign_in, csrf_enabled
):
    contact = make.contact()
    app.config["WTF_CSRF_ENABLED"] = False
    portal_sign_in(contact)
    app.config["WTF_CSRF_ENABLED"] = True
    assert ask(client, "access").status_code == 400


def test_an_opposition_makes_the_dispatcher_skip_the_reminder(
    app, session, make, rights_queue, intake_settings
):
    contact = make.contact()
    account = make.account(contact=contact, next_due_date=clock.now().date())
    schedule = ReminderSchedule(
        creditor=account.creditor,
        portfolio=account.portfolio,
        name="Tarjetas",
        country="MX",
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    session.add(schedule)
    session.add(
        ReminderStep(
            schedule=schedule,
            offset_days=0,
            channel="email",
            subject="Recordatorio",
            body="Su pago vence hoy.",
        )
    )
    session.flush()
    open_request(
        session,
        contact,
        RightsRequest(kind="opposition", channel="email"),
        settings=intake_settings,
        now=clock.now(),
    )
    session.commit()

    run_due(session, config=app.config, now=clock.now() + timedelta(hours=1))

    row = session.scalar(select(ReminderDispatch).where(ReminderDispatch.account_id == account.id))
    assert (row.status, row.reason) == ("skipped", "opt_out")


def _export_for(session, make, contact, intake_settings, agent=None):
    request = open_request(
        session, contact, RightsRequest(kind="access"), settings=intake_settings, now=clock.now()
    )
    export = request_export(session, request.ticket, agent or make.user(), now=clock.now())
    session.commit()  # the job runs inline after the commit
    from helpdesk.jobs import run_ready_jobs

    run_ready_jobs(session)
    session.refresh(export)
    return request, export


def test_the_export_has_the_contacts_data_and_nothing_of_another(
    app, session, make, rights_queue, intake_settings
):
    contact = make.contact(name="Lucía Fernández Ñúñez")
    contact.birth_date = date(1985, 12, 31)
    account = make.account(contact=contact, number="MX-778899")
    other = make.contact(name="Otro Deudor")
    make.account(contact=other, number="MX-OTHER-1")
    make.ticket(contact=other, text="Secreto del otro deudor")
    make.ticket(contact=contact, text="Mi propio mensaje")

    request, export = _export_for(session, make, contact, intake_settings)

    assert export.status == "done" and export.progress == 100
    from helpdesk.attachments import storage

    root = storage.root_for(app.config["DATA_DIR"])
    data = json.loads(storage.read(export.json_sha256, root))
    assert data["contact"]["name"] == "Lucía Fernández Ñúñez"
    assert data["contact"]["birth_date"] == "1985-12-31"
    assert [a["number"] for a in data["accounts"]] == [account.number]
    assert any("Mi propio mensaje" in m["text"] for m in data["messages"])
    dump = json.dumps(data, ensure_ascii=False)
    assert "Otro Deudor" not in dump and "MX-OTHER-1" not in dump and "Secreto" not in dump
    text = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(storage.read(export.pdf_sha256, root))).pages
    )
    assert request.ticket.folio in text and "Lucía Fernández Ñúñez" in text and "MX-778899" in text
    assert "31/12/1985" in text
    actions = set(
        session.scalars(select(AuditEvent.action).where(AuditEvent.ticket_id == request.ticket_id))
    )
    assert {"data_export.requested", "data_export.produced"} <= actions


def test_ten_thousand_messages_export_as_a_job_with_progress(
    app, session, make, rights_queue, intake_settings, monkeypatch
):
    contact = make.contact()
    ticket = make.ticket(contact=contact)
    now = clock.now()
    session.execute(
        insert(Message),
        [
            {
                "ticket_id": ticket.id,
                "direction": "in",
                "channel": "email",
                "text": f"mensaje {n}",
                "created_at": now,
                "is_automatic": False,
            }
            for n in range(10_000)
        ],
    )
    seen = []
    from helpdesk.datarights import export as builder

    real = builder.build

    def spying(session_, export_, **kwargs):
        inner = kwargs.pop("progress")

        def progress(done, total):
            inner(done, total)
            seen.append((done, total, session_.get(DataExport, export_.id).progress))

        return real(session_, export_, progress=progress, **kwargs)

    monkeypatch.setattr("helpdesk.datarights.jobs.build", spying)
    _request, export = _export_for(session, make, contact, intake_settings)

    assert (
        export.status == "done" and export.messages_done == 10_002
    )  # + the ticket's own and the request
    assert len(seen) >= 10 and seen[-1][0] == seen[-1][1] == 10_002
    percents = [p for _done, _total, p in seen]
    assert percents == sorted(percents) and percents[0] < 50 < percents[-1]


def test_delivery_lets_only_that_contact_download_it(
    app, client, cookie_client, session, make, rights_queue, intake_settings, portal_sign_in
):
    contact, stranger = make.contact(), make.contact()
    agent = make.user(role="supervisor")
    request, export = _export_for(session, make, contact, intake_settings, agent)
    url = f"/portal/data/exports/{export.id}.pdf"

    portal_sign_in(contact)
    assert client.get(url).status_code == 404  # not delivered yet
    from helpdesk.datarights.services import deliver_export

    deliver_export(session, export, agent, now=clock.now())
    session.commit()
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert re.search(
        r'filename="?datos-personales-[A-Z0-9-]+\.pdf', response.headers["Content-Disposition"]
    )
    assert request.ticket.folio in client.get(f"/portal/cases/{request.ticket.folio}").get_data(
        as_text=True
    )
    assert f"/portal/data/exports/{export.id}.json" in client.get("/portal/data").get_data(
        as_text=True
    )

    other = app.test_client()
    portal_sign_in(stranger, other)
    assert other.get(url).status_code == 404
    assert other.get(f"/portal/data/exports/{export.id}.json").status_code == 404
    assert other.get(f"/portal/data/exports/{export.id + 999}.pdf").status_code == 404
    actions = list(
        session.scalars(select(AuditEvent.action).where(AuditEvent.ticket_id == request.ticket_id))
    )
    assert "data_export.delivered" in actions and actions.count("data_export.downloaded") == 1


def test_staff_produce_and_deliver_only_on_tickets_they_may_see(
    app, cookie_client, session, make, rights_queue, intake_settings
):
    contact = make.contact()
    request = open_request(
        session, contact, RightsRequest(kind="access"), settings=intake_settings, now=clock.now()
    )
    session.commit()
    folio = request.ticket.folio
    outsider, _user = staff_client(app, make)  # an agent of no queue: the ticket is in one
    assert outsider.post(f"/tickets/{folio}/data-export").status_code == 404
    member, user = staff_client(app, make)
    user.queues.append(rights_queue)
    session.commit()
    assert member.post(f"/tickets/{folio}/data-export").status_code == 302
    export = session.scalar(select(DataExport).where(DataExport.ticket_id == request.ticket_id))
    session.refresh(export)
    assert export.status == "done"
    page = member.get(f"/tickets/{folio}").get_data(as_text=True)
    assert "Exportación de datos" in page and f"/data-exports/{export.id}.pdf" in page
    assert outsider.get(f"/data-exports/{export.id}.pdf").status_code == 404
    assert outsider.post(f"/data-exports/{export.id}/deliver").status_code == 404
    assert member.post(f"/data-exports/{export.id}/deliver").status_code == 302
    session.refresh(export)
    assert export.delivered_at is not None
    assert member.get(f"/data-exports/{export.id}.json").status_code == 200


def test_staff_export_forms_need_their_csrf_token(
    app, cookie_client, session, make, rights_queue, intake_settings
):
    request = open_request(
        session,
        make.contact(),
        RightsRequest(kind="access"),
        settings=intake_settings,
        now=clock.now(),
    )
    session.commit()
    staff, _user = staff_client(app, make, role="supervisor")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert staff.post(f"/tickets/{request.ticket.folio}/data-export").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert session.scalar(select(DataExport.id)) is None


def test_the_pdf_speaks_the_contacts_language(app, session, make, rights_queue, intake_settings):
    from helpdesk.attachments import storage

    contact = make.contact(name="Jane Roe")
    contact.language = "en"
    _request, export = _export_for(session, make, contact, intake_settings)

    pdf = storage.read(export.pdf_sha256, storage.root_for(app.config["DATA_DIR"]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Copy of your personal data" in text and "Jane Roe" in text
    assert "Copia de sus datos" not in text
