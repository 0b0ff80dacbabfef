"""Satisfaction ratings: asked when a ticket is resolved, one per resolution, recorded
only by a confirmed POST, shown to staff, and nobody rates another debtor's case."""

from __future__ import annotations

from sqlalchemy import func, select

from helpdesk.ratings.models import Rating
from tests.portal.conftest import mails_to
from tests.ratings.conftest import rating_links, set_status


def ratings_of(session, ticket):
    return list(session.scalars(select(Rating).where(Rating.ticket_id == ticket.id)))


def test_resolving_an_email_ticket_mails_five_links_in_the_debtors_language(app, session, make):
    contact = make.contact(language="es")
    ticket = make.ticket(contact=contact)

    set_status(session, ticket, "resolved")

    links = rating_links(app, contact.email)
    assert sorted(links) == [1, 2, 3, 4, 5]
    mail = mails_to(app, contact.email)[-1]
    assert ticket.folio in str(mail["Subject"]) and "¿" in str(mail["Subject"])
    assert "Muy buena" in mail.get_body(("plain",)).get_content()
    assert ratings_of(session, ticket) == []  # mailing links records nothing


def test_opening_a_link_records_nothing_and_confirming_records_once(app, client, session, make):
    contact = make.contact()
    ticket = make.ticket(contact=contact)
    set_status(session, ticket, "resolved")
    link = rating_links(app, contact.email)[4]

    page = client.get(link)  # what a link scanner does
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<input checked data-score="4"' in html  # the score clicked, preselected
    assert ratings_of(session, ticket) == []

    response = client.post(link, data={"score": "4", "comment": "  Me atendieron bien.  "})
    assert response.status_code == 302 and "/gracias" in response.headers["Location"]
    (rating,) = ratings_of(session, ticket)
    assert (rating.score, rating.comment, rating.channel) == (4, "Me atendieron bien.", "email")
    assert rating.contact_id == contact.id and rating.resolved_at == ticket.resolved_at
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Gracias por su calificación" in thanks

    # The same link again, or another score's: the saved rating, never a second one.
    again = client.get(rating_links(app, contact.email)[1])
    assert again.status_code == 302 and "again=1" in again.headers["Location"]
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Usted ya calificó este caso" in page
    client.post(link, data={"score": "1"})
    assert [r.score for r in ratings_of(session, ticket)] == [4]

    # The comment can be changed; the score stays.
    client.post(again.headers["Location"], data={"comment": "Muy amables."})
    session.expire_all()
    assert [(r.score, r.comment) for r in ratings_of(session, ticket)] == [(4, "Muy amables.")]
    from helpdesk.audit.models import AuditEvent

    changed = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "ticket.rating_comment_changed")
    )
    assert changed.before == {"comment": "Me atendieron bien."}
    assert changed.after == {"comment": "Muy amables."}


def test_a_reopened_case_makes_the_old_link_say_so_and_a_new_resolution_is_rated_anew(
    app, client, session, make
):
    contact = make.contact()
    ticket = make.ticket(contact=contact)
    set_status(session, ticket, "resolved", minutes=1)
    first = rating_links(app, contact.email)[5]
    client.post(first, data={"score": "5"})

    set_status(session, ticket, "open", minutes=2)
    page = client.get(first).get_data(as_text=True)
    assert "Este caso se reabrió" in page
    assert client.post(first, data={"score": "2"}).status_code == 200
    assert len(ratings_of(session, ticket)) == 1

    set_status(session, ticket, "resolved", minutes=3)
    second = rating_links(app, contact.email)[2]
    assert second != first
    client.post(second, data={"score": "2", "comment": "Tardaron."})
    assert sorted(r.score for r in ratings_of(session, ticket)) == [2, 5]
    assert "Este caso se reabrió" in client.get(first).get_data(as_text=True)


def test_closing_a_resolved_ticket_asks_nothing_more(app, session, make):
    contact = make.contact()
    ticket = make.ticket(contact=contact)
    set_status(session, ticket, "resolved")
    set_status(session, ticket, "closed", minutes=5)
    assert len([m for m in mails_to(app, contact.email) if "?" in str(m["Subject"])]) == 1


def test_a_tampered_or_foreign_link_is_a_404(app, client, session, make):
    contact = make.contact()
    ticket = make.ticket(contact=contact)
    set_status(session, ticket, "resolved")
    link = rating_links(app, contact.email)[3]
    token = link.split("/")[2]

    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/valorar/{tampered}/3").status_code == 404
    assert client.post(f"/valorar/{tampered}/3", data={"score": "3"}).status_code == 404
    assert client.get(f"/valorar/{token}/6").status_code == 404
    assert client.get(f"/valorar/{tampered}/gracias").status_code == 404
    assert session.scalar(select(func.count()).select_from(Rating)) == 0


def test_the_vote_needs_the_forms_csrf_token(app, client, session, make, csrf_enabled):
    contact = make.contact()
    ticket = make.ticket(contact=contact)
    set_status(session, ticket, "resolved")
    link = rating_links(app, contact.email)[5]

    assert client.post(link, data={"score": "5"}).status_code == 400
    assert ratings_of(session, ticket) == []
    html = client.get(link).get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post(link, data={"score": "5", "csrf_token": token}).status_code == 302
    assert [r.score for r in ratings_of(session, ticket)] == [5]


def test_the_staff_ticket_page_shows_the_rating(app, client, session, make, signed_in):
    contact = make.contact()
    ticket = make.ticket(contact=contact)
    set_status(session, ticket, "resolved")
    client.post(rating_links(app, contact.email)[2], data={"score": "2", "comment": "Lento."})

    signed_in("admin")
    page = client.get(f"/tickets/{ticket.folio}").get_data(as_text=True)
    assert "data-ratings" in page and "2 de 5" in page and "Lento." in page


def test_a_resolution_from_long_ago_asks_nobody(app, session, make):
    """History loaded in bulk (the demo) or a job run days late sends no rating mail."""
    contact = make.contact()
    ticket = make.ticket(contact=contact)
    set_status(session, ticket, "resolved", minutes=-4 * 24 * 60)
    assert [m for m in mails_to(app, contact.email) if "?" in str(m["Subject"])] == []


def test_the_rating_mail_carries_the_branding(app, session, make):
    from tests.portal.test_branding import brand

    brand(session, logo=None)
    contact = make.contact(language="es")
    ticket = make.ticket(contact=contact)
    set_status(session, ticket, "resolved")
    mail = mails_to(app, contact.email)[-1]
    assert "Cobranza Justa del Norte" in str(mail["From"])
    text = mail.get_body(("plain",)).get_content()
    assert "Despacho registrado ante la CONDUSEF." in text
    assert "https://cobranzajusta.mx/privacidad" in text
    assert "Despacho registrado" in mail.get_body(("html",)).get_content()
