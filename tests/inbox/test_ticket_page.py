"""The ticket page (issue #14, item 4): one timeline with the events between the messages,
HTML email shown with its quoted history folded, attachment previews, tags edited in place,
merging into another ticket of the same debtor, and the debtor's other tickets."""

from __future__ import annotations

import base64
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from helpdesk import clock
from helpdesk.attachments import storage
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor
from helpdesk.routing.models import Tag
from helpdesk.routing.services import add_tags, tags_of
from helpdesk.tickets import services
from helpdesk.tickets.models import Message, Ticket

T0 = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def page(client, folio: str, query: str = "") -> str:
    response = client.get(f"/tickets/{folio}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def thread_of(html: str) -> list[str]:
    """The timeline's entries in page order: ``event: sentence`` or ``message: text``."""
    body = html.split('<ol class="thread">')[1].split("\n</ol>")[0]
    entries = []
    for item in re.finditer(r'<li class="(event|thread-message)[^"]*">(.*?)</li>\n', body, re.S):
        text = " ".join(re.sub(r"<[^>]+>", " ", item.group(2)).split())
        entries.append(("event: " if item.group(1) == "event" else "message: ") + text)
    return entries


def test_events_sit_between_the_messages_in_time_order(client, signed_in, make, session):
    agent = signed_in(name="Lucía Herrera")
    with clock.freeze(T0):
        ticket = make.ticket(subject="Cargo", text="No reconozco el cargo.")
    services.set_status(
        session, ticket, "pending", actor=Actor.for_user(agent), now=T0 + timedelta(minutes=5)
    )
    services.add_note(
        session, ticket, author=agent, text="Pedí el voucher.", now=T0 + timedelta(minutes=10)
    )
    services.set_priority(
        session, ticket, "high", actor=Actor.for_user(agent), now=T0 + timedelta(minutes=15)
    )
    session.commit()

    html = page(client, ticket.folio)
    entries = thread_of(html)
    first = next(i for i, e in enumerate(entries) if "No reconozco el cargo." in e)
    status = next(i for i, e in enumerate(entries) if "cambió el estado de Nuevo a En espera" in e)
    note = next(i for i, e in enumerate(entries) if "Pedí el voucher." in e)
    priority = next(i for i, e in enumerate(entries) if "cambió la prioridad" in e)
    assert first < status < note < priority
    assert entries[0].startswith("event: • Ticket abierto por")  # before its first message
    assert entries[status].startswith("event: ") and entries[note].startswith("message: ")
    # Said once: no event repeating a message, no history card beside the timeline.
    assert "Mensaje recibido del deudor" not in html and "agregó una nota interna" not in html
    assert "Historial" not in html


def test_the_events_switch_is_remembered(client, signed_in, make, session):
    agent = signed_in()
    ticket = make.ticket(text="Primer mensaje del deudor")
    services.set_status(session, ticket, "pending", actor=Actor.for_user(agent), now=clock.now())
    other = make.ticket()
    session.commit()
    assert any(e.startswith("event: ") for e in thread_of(page(client, ticket.folio)))

    hidden = page(client, ticket.folio, "?events=off")
    assert not any(e.startswith("event: ") for e in thread_of(hidden))
    assert "Primer mensaje del deudor" in hidden
    assert 'aria-checked="false"' in hidden and "events=on" in hidden
    # Remembered for the next page and the next ticket, until switched back on.
    assert not any(e.startswith("event: ") for e in thread_of(page(client, other.folio)))
    shown = page(client, ticket.folio, "?events=on")
    assert any(e.startswith("event: ") for e in thread_of(shown))


def test_the_statements_do_not_grow_with_the_conversation(
    client, signed_in, make, session, count_queries
):
    agent = signed_in("supervisor")
    ticket = make.ticket()

    def measure() -> int:
        client.get(f"/tickets/{ticket.folio}")
        with count_queries() as counter:
            assert client.get(f"/tickets/{ticket.folio}").status_code == 200
        return counter.count

    root = storage.root_for(current_app.config["DATA_DIR"])

    def grow(count: int) -> None:
        """Notes with an image each, status changes and tags: messages and events."""
        for n in range(count):
            services.add_note(
                session,
                ticket,
                author=agent,
                text=f"Nota {n}",
                files=[services.IncomingFile(f"f{n}.png", "image/png", PNG)],
                attachments=root,
                now=clock.now(),
            )
            status = "pending" if n % 2 else "open"
            services.set_status(
                session, ticket, status, actor=Actor.for_user(agent), now=clock.now()
            )
            add_tags(
                session, ticket, [f"t{count}-{n}"], actor=Actor.for_user(agent), now=clock.now()
            )
        session.commit()

    grow(2)
    baseline = measure()
    grow(25)
    assert measure() == baseline
    html = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert html.count('<li class="thread-message">') == 28
    assert html.count('<li class="event') >= 50  # 27 status changes and 27 tags, at least


def _email_with_html(session, ticket: Ticket, *, html: str, new_text: str | None) -> Message:
    message = ticket.messages[0]
    message.html, message.new_text = html, new_text
    session.commit()
    return message


def test_html_email_is_shown_with_its_quoted_history_folded(client, signed_in, make, session):
    signed_in()
    ticket = make.ticket(text="Ya revisé y sigue apareciendo.\n\n> ¿Nos confirma el monto?")
    _email_with_html(
        session,
        ticket,
        html="<p>Ya revisé y <b>sigue apareciendo</b>.</p><div>El lun escribió:"
        "<blockquote><p>¿Nos confirma el monto?</p></blockquote></div>",
        new_text="Ya revisé y sigue apareciendo.",
    )
    html = page(client, ticket.folio)
    shown = html.split('<div class="html-body">')[1].split("</div>\n")[0]
    assert "<b>sigue apareciendo</b>" in shown and "¿Nos confirma" not in shown
    folded = html.split('<details class="quoted">')[1].split("</details>")[0]
    assert "Mostrar texto citado" in folded and "<blockquote><p>¿Nos confirma" in folded
    assert "Ver como texto sin formato" in html  # the plain text one click away


def test_a_blockquote_the_text_did_not_call_history_stays_in_view(client, signed_in, make, session):
    signed_in()
    ticket = make.ticket(text="Cito el artículo 5:\n> El banco responderá en 45 días.")
    _email_with_html(
        session,
        ticket,
        html="<p>Cito el artículo 5:</p><blockquote>El banco responderá en 45 días.</blockquote>",
        new_text=None,
    )
    html = page(client, ticket.folio)
    shown = html.split('<div class="html-body">')[1].split("</div>\n")[0]
    assert "El banco responderá en 45 días." in shown
    assert '<details class="quoted">' not in html


def test_images_get_thumbnails_and_pdfs_a_sandboxed_preview(client, signed_in, make, session):
    agent = signed_in()
    ticket = make.ticket()
    note = services.add_note(
        session,
        ticket,
        author=agent,
        text="Voucher y captura",
        files=[
            services.IncomingFile("captura.png", "image/png", PNG),
            services.IncomingFile("voucher.pdf", "application/pdf", b"%PDF-1.4 voucher"),
        ],
        attachments=storage.root_for(current_app.config["DATA_DIR"]),
        now=clock.now(),
    )
    session.commit()
    png, pdf = sorted(note.attachments, key=lambda a: a.filename)
    html = page(client, ticket.folio)
    assert f'<img src="/attachments/{png.id}/inline" alt="captura.png"' in html
    assert f'href="/attachments/{pdf.id}/preview" target="_blank"' in html
    assert f'href="/attachments/{pdf.id}" download>voucher.pdf' in html  # downloads as before
    assert f"/attachments/{pdf.id}/inline" not in html

    preview = client.get(f"/attachments/{pdf.id}/preview")
    assert preview.status_code == 200 and preview.data == b"%PDF-1.4 voucher"
    assert preview.mimetype == "application/pdf"
    assert preview.headers["Content-Security-Policy"] == "sandbox"
    assert preview.headers["X-Content-Type-Options"] == "nosniff"
    assert preview.headers["Content-Disposition"].startswith("inline")
    assert client.get(f"/attachments/{png.id}/preview").status_code == 404  # PDFs only

    client.post("/logout")
    assert client.get(f"/attachments/{pdf.id}/preview").status_code in (302, 401, 403)


def test_tags_are_added_and_removed_in_place_and_audited(client, signed_in, make, session):
    signed_in(name="Lucía Herrera")
    session.add(Tag(name="fraude", created_at=clock.now()))
    ticket = make.ticket()
    session.commit()
    html = page(client, ticket.folio)
    assert '<option value="fraude">' in html and "Sin etiquetas" in html

    client.post(f"/tickets/{ticket.folio}/tags", data={"tag": "fraude"})
    added = client.post(
        f"/tickets/{ticket.folio}/tags", data={"tag": "  Pago Parcial "}, follow_redirects=True
    )
    assert "Etiqueta pago-parcial agregada." in added.get_data(as_text=True)
    assert tags_of(session, ticket.id) == ["fraude", "pago-parcial"]

    blank = client.post(f"/tickets/{ticket.folio}/tags", data={"tag": "   "}, follow_redirects=True)
    assert "Escriba la etiqueta" in blank.get_data(as_text=True)

    removed = client.post(
        f"/tickets/{ticket.folio}/tags/remove", data={"tag": "fraude"}, follow_redirects=True
    )
    html = removed.get_data(as_text=True)
    assert "Etiqueta fraude quitada." in html
    assert tags_of(session, ticket.id) == ["pago-parcial"]
    assert "Quitar la etiqueta pago-parcial" in html and "Quitar la etiqueta fraude" not in html
    events = " ".join(e for e in thread_of(html) if e.startswith("event: "))
    assert "Etiquetado: pago-parcial" in events
    assert "Lucía Herrera quitó la etiqueta fraude" in events
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "ticket.untagged", AuditEvent.ticket_id == ticket.id)
        )
        == 1
    )


def test_tag_forms_need_the_csrf_token(client, signed_in, make, session, app, monkeypatch):
    signed_in()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    ticket = make.ticket()
    session.commit()
    client.post(f"/tickets/{ticket.folio}/tags", data={"tag": "fraude"})
    assert client.post(f"/tickets/{ticket.folio}/tags/remove", data={"tag": "x"}).status_code == 400
    assert tags_of(session, ticket.id) == []


def test_merging_asks_first_then_leaves_for_the_survivor(client, signed_in, make, session):
    signed_in()
    contact = make.contact()
    survivor = make.ticket(contact=contact, subject="Primero", text="Primer mensaje")
    duplicate = make.ticket(contact=contact, subject="Repetido", text="Segundo mensaje")
    session.commit()

    asked = client.post(f"/tickets/{duplicate.folio}/merge", data={"into": survivor.folio.lower()})
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert f"¿Fusionar {duplicate.folio} en {survivor.folio}?" in text and "Sí, fusionar" in text
    session.expire_all()
    assert duplicate.status != "merged"  # nothing changed yet

    done = client.post(
        f"/tickets/{duplicate.folio}/merge",
        data={"into": survivor.folio, "confirmed": "yes"},
        follow_redirects=True,
    )
    html = done.get_data(as_text=True)
    assert done.request.path == f"/tickets/{survivor.folio}"
    assert f"{duplicate.folio} se fusionó en este ticket." in html
    assert "Primer mensaje" in html and "Segundo mensaje" in html
    session.expire_all()
    assert duplicate.status == "merged" and duplicate.merged_into_id == survivor.id

    merged = page(client, duplicate.folio)
    assert f'Fusionado en <a href="/tickets/{survivor.folio}">{survivor.folio}</a>' in merged
    assert "merge-card" not in merged


@pytest.mark.parametrize(
    ("into", "says"),
    [
        ("stranger", "mismo deudor"),
        ("ACL-999999", "No existe el ticket"),
        ("self", "Elija al menos"),
    ],
)
def test_a_refused_merge_says_why_and_changes_nothing(client, signed_in, make, session, into, says):
    signed_in()
    ticket = make.ticket()
    folios = {"stranger": make.ticket().folio, "self": ticket.folio}
    session.commit()
    response = client.post(
        f"/tickets/{ticket.folio}/merge",
        data={"into": folios.get(into, into), "confirmed": "yes"},
        follow_redirects=True,
    )
    assert says in response.get_data(as_text=True)
    session.expire_all()
    assert ticket.status != "merged"


def test_the_debtor_panel_lists_their_newest_other_tickets(client, signed_in, make, session):
    signed_in("supervisor")
    contact = make.contact()
    base = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    others = []
    for n in range(7):
        with clock.freeze(base + timedelta(days=n)):
            others.append(make.ticket(contact=contact, subject=f"Asunto {n}"))
    with clock.freeze(base + timedelta(days=10)):
        ticket = make.ticket(contact=contact, subject="Este")
        gone = make.ticket(contact=contact, subject="Duplicado")
    services.merge(session, gone, others[0], actor=Actor.system("test"), now=clock.now())
    make.ticket(subject="De otro deudor")
    session.commit()

    html = page(client, ticket.folio)
    panel = html.split('<ul class="debtor-tickets">')[1].split("</ul>")[0]
    listed = re.findall(r'class="folio">([^<]+)</a>', panel)
    # Newest activity first (the merge touched the first one), five at most, no merged one.
    assert listed == [
        others[0].folio,
        others[6].folio,
        others[5].folio,
        others[4].folio,
        others[3].folio,
    ]
    assert ticket.folio not in listed and gone.folio not in listed
    assert "Asunto 6" in panel and "Otros tickets de este deudor" in html


def test_the_debtor_card_shows_only_the_year_of_birth(client, signed_in, make, session):
    signed_in("supervisor")
    contact = make.contact()
    ticket = make.ticket(contact=contact)
    html = page(client, ticket.folio)
    assert "Fecha de nacimiento" not in html
    contact.birth_date = date(1985, 12, 31)
    session.commit()
    html = page(client, ticket.folio)
    assert "Fecha de nacimiento: ••/••/1985" in html and "31/12" not in html
