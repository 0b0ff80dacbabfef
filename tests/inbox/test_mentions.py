"""@mentions in internal notes: who a note names, the notice (in the app and by email) the
named colleague gets, the list the composer offers, and mentions shown safely."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.sla.mentions import notify_mentioned
from helpdesk.sla.models import Notification
from helpdesk.sla.notifications import send_notification_emails
from helpdesk.tickets import services as tickets
from helpdesk.users.mentions import handles_in, highlight, mentioned_users, suggestions
from helpdesk.users.services import set_active
from tests.portal.conftest import fresh_limits_and_outbox, portal_sign_in  # noqa: F401


def mails_to(app, address):
    folder = Path(app.config["DATA_DIR"], "outbox")
    parser = BytesParser(policy=policy.default)
    mails = [parser.parsebytes(path.read_bytes()) for path in folder.glob("*.eml")]
    return [m for m in mails if m["To"] == address]


def notices(session, user=None):
    query = select(Notification).where(Notification.kind == "mention")
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return list(session.scalars(query))


# --- Reading mentions out of a note ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "handles"),
    [
        ("@ana.perez ¿puede revisar?", ["ana.perez"]),
        ("Pregúntele a @Ana.Perez.", ["ana.perez"]),  # case, and the sentence's full stop
        ("(@lucía) y @LUCIA, otra vez @lucia", ["lucia"]),  # accents, case: one handle
        ("escriba a juan@correo.mx o a soporte@x.com", []),  # addresses are not mentions
        ("@juan@correo.mx", []),  # nor an address typed after an @
        ("https://x.mx/@ana y x.@ana", []),  # nor inside a URL or a word
        ("@ @. @-", []),
        ("línea 1\n@ana\n@beto,@carla", ["ana", "beto", "carla"]),
    ],
)
def test_handles_in_a_note(text, handles):
    assert handles_in(text) == handles


def test_a_note_names_active_colleagues_once_not_its_author(session, make):
    ana = make.user(email="ana.perez@aclara.mx", name="Ana Pérez")
    lucia = make.user(email="lucia.herrera@aclara.mx", name="Lucía Herrera")
    gone = make.user(email="ramon@aclara.mx", name="Ramón")
    set_active(session, gone, False, actor=Actor.system("test"), now=clock.now())
    text = "@ANA.perez @lucía.herrera @ana.perez @ramon @nadie y ana.perez@aclara.mx"
    assert mentioned_users(session, text, author=lucia) == [ana]
    assert mentioned_users(session, "sin menciones", author=lucia) == []


def test_mentions_are_highlighted_and_everything_else_escaped():
    html = str(highlight('<script>alert(1)</script> @ana & "@nadie" ana@x.mx', {"ana"}))
    assert html == (
        '&lt;script&gt;alert(1)&lt;/script&gt; <span class="mention">@ana</span> &amp; '
        "&#34;@nadie&#34; ana@x.mx"
    )


def test_a_hostile_mention_cannot_break_out_of_its_span():
    html = str(highlight("@ana<img src=x onerror=alert(1)>", {"ana"}))
    assert html == '<span class="mention">@ana</span>&lt;img src=x onerror=alert(1)&gt;'


def test_suggestions_match_handle_or_name_without_accents(session, make):
    me = make.user(email="lucia.herrera@aclara.mx", name="Lucía Herrera")
    ana = make.user(email="ana.perez@aclara.mx", name="Ana Pérez")
    jose = make.user(email="jlopez@aclara.mx", name="José López")
    assert suggestions(session, "an", exclude=me) == [(ana, "ana.perez")]
    assert suggestions(session, "LOPEZ", exclude=me) == [(jose, "jlopez")]
    assert suggestions(session, "jos", exclude=me) == [(jose, "jlopez")]
    assert all(user != me for user, _handle in suggestions(session, "", exclude=me))
    assert len(suggestions(session, "", exclude=me, limit=1)) == 1


# --- Posting a note that mentions --------------------------------------------------------


def test_a_note_with_a_mention_notifies_that_colleague_once(app, client, signed_in, make, session):
    author = signed_in(name="Lucía Herrera")
    ana = make.user(email="ana.perez@aclara.mx", name="Ana Pérez", locale="es_MX")
    bystander = make.user(email="beto@aclara.mx", name="Beto")
    ticket = make.ticket()
    text = "@Ana.Pérez ¿me confirma el saldo? Copio a beto@aclara.mx. @ana.perez gracias"

    response = client.post(f"/tickets/{ticket.folio}/notes", data={"text": text})

    assert response.status_code == 302
    (notice,) = notices(session)
    note = ticket.messages[-1]
    assert (notice.user_id, notice.ticket_id, notice.message_id) == (ana.id, ticket.id, note.id)
    assert notices(session, bystander) == notices(session, author) == []
    (mail,) = mails_to(app, ana.email)  # the email job ran after the commit
    assert mail["Subject"] == (
        f"Lucía Herrera le mencionó en {ticket.folio}: "
        "«@Ana.Pérez ¿me confirma el saldo? Copio a beto@aclara.mx. @ana.perez gracias»"
    )
    assert ticket.folio in mail.get_body(("plain",)).get_content()
    assert mails_to(app, bystander.email) == []


def test_mentioning_oneself_or_nobody_known_notifies_nobody(client, signed_in, make, session):
    me = signed_in(email="lucia.herrera@aclara.mx")
    ticket = make.ticket()
    client.post(f"/tickets/{ticket.folio}/notes", data={"text": "@lucia.herrera @fantasma"})
    assert ticket.messages[-1].text == "@lucia.herrera @fantasma"
    assert notices(session) == []
    assert me.id


def test_the_notice_reads_as_a_sentence_and_links_to_the_note(client, signed_in, make, session):
    author = make.user(name="Ana Pérez")
    ticket = make.ticket()
    long_note = "@lucia.herrera " + "revise el convenio de pago y los recibos adjuntos " * 4
    note = tickets.add_note(session, ticket, author=author, text=long_note, now=clock.now())
    lucia = signed_in(email="lucia.herrera@aclara.mx", name="Lucía Herrera")
    notify_mentioned(session, note, author=author, now=clock.now())

    page = client.get("/notifications").get_data(as_text=True)

    excerpt = long_note[:79].rstrip() + "…"
    assert f"Ana Pérez le mencionó en {ticket.folio}: «{excerpt}»" in page
    (notice,) = notices(session, lucia)
    assert f'href="/notifications/{notice.id}"' in page
    top_bar = client.get("/tickets").get_data(as_text=True)
    assert 'Notificaciones <span class="badge count">1</span>' in top_bar

    followed = client.get(f"/notifications/{notice.id}")

    assert followed.status_code == 302
    assert followed.headers["Location"] == f"/tickets/{ticket.folio}#message-{note.id}"
    shown = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert f'id="message-{note.id}"' in shown
    assert '<span class="mention">@lucia.herrera</span>' in shown
    assert 'class="badge count"' not in shown  # following the notice read it


def test_another_users_notice_cannot_be_followed(client, signed_in, make, session):
    author, other = make.user(), make.user(email="otra@aclara.mx")
    ticket = make.ticket()
    note = tickets.add_note(session, ticket, author=author, text="@otra", now=clock.now())
    notify_mentioned(session, note, author=author, now=clock.now())
    (notice,) = notices(session, other)
    signed_in()
    assert client.get(f"/notifications/{notice.id}").status_code == 404
    assert client.get("/notifications/999999").status_code == 404
    assert notice.read_at is None


def test_a_note_is_shown_escaped_with_its_mentions(client, signed_in, make):
    signed_in(email="lucia.herrera@aclara.mx")
    make.user(email="ana.perez@aclara.mx")
    ticket = make.ticket()
    client.post(
        f"/tickets/{ticket.folio}/notes",
        data={"text": "<img src=x onerror=alert(1)> @ana.perez <b>urgente</b>"},
    )
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "<img src=x" not in page and "<b>urgente" not in page
    assert (
        '&lt;img src=x onerror=alert(1)&gt; <span class="mention">@ana.perez</span> '
        "&lt;b&gt;urgente&lt;/b&gt;" in page
    )


# --- The composer's list ----------------------------------------------------------------


def test_the_list_offers_active_staff_as_json(client, signed_in, make, session):
    signed_in(email="lucia.herrera@aclara.mx", name="Lucía Herrera")
    make.user(email="ana.perez@aclara.mx", name="Ana Pérez")
    for n in range(12):
        make.user(email=f"andrea{n}@aclara.mx", name=f"Andrea {n}")
    gone = make.user(email="anabel@aclara.mx", name="Anabel")
    set_active(session, gone, False, actor=Actor.system("test"), now=clock.now())

    response = client.get("/staff/mentionable?q=ana")

    assert response.status_code == 200
    assert response.json == {"staff": [{"name": "Ana Pérez", "handle": "ana.perez"}]}
    assert len(client.get("/staff/mentionable?q=an").json["staff"]) == 8
    assert client.get("/staff/mentionable?q=lucia").json == {"staff": []}  # not oneself


def test_the_list_is_for_staff_only(app, client, make, portal_sign_in):  # noqa: F811
    make.user(email="ana.perez@aclara.mx", name="Ana Pérez")
    anonymous = app.test_client().get("/staff/mentionable?q=ana")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    debtor = portal_sign_in(make.contact())
    answer = debtor.get("/staff/mentionable?q=ana")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert b"ana.perez" not in answer.data


def test_the_mention_email_is_in_the_colleagues_language(app, session, make):
    author = make.user(name="Ana Pérez")
    reader = make.user(email="sam@aclara.mx", name="Sam", locale="en")
    ticket = make.ticket()
    note = tickets.add_note(
        session, ticket, author=author, text="@sam\nplease call back", now=clock.now()
    )
    assert notify_mentioned(session, note, author=author, now=clock.now()) == 1

    assert send_notification_emails([n.id for n in notices(session)]) == 1
    (mail,) = mails_to(app, reader.email)
    assert mail["Subject"] == f"Ana Pérez mentioned you on {ticket.folio}: “@sam please call back”"
    body = mail.get_body(("plain",)).get_content()
    assert f"Open the ticket {ticket.folio} in Aclara to read the note." in body
