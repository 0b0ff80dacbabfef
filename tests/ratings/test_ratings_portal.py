"""The rating prompt on a resolved case in the portal: one click rates the debtor's own
case once per resolution; another debtor's case is a 404; the form needs its CSRF token."""

from __future__ import annotations

from sqlalchemy import select

from helpdesk.ratings.models import Rating
from tests.ratings.conftest import set_status


def test_a_debtor_rates_their_resolved_case_from_the_portal(
    app, client, session, make, portal_sign_in
):
    contact = make.contact()
    ticket = make.ticket(contact=contact, channel="portal")
    portal_sign_in(contact)
    assert "data-rating-prompt" not in client.get(f"/portal/cases/{ticket.folio}").get_data(
        as_text=True
    )  # open: nothing to rate yet

    set_status(session, ticket, "resolved")
    page = client.get(f"/portal/cases/{ticket.folio}").get_data(as_text=True)
    assert "data-rating-prompt" in page and "¿Cómo calificaría la atención que recibió?" in page

    response = client.post(
        f"/portal/cases/{ticket.folio}/rating", data={"score": "3", "comment": "Regular."}
    )
    assert response.status_code == 302
    (rating,) = session.scalars(select(Rating))
    assert (rating.score, rating.comment, rating.channel) == (3, "Regular.", "portal")
    page = client.get(f"/portal/cases/{ticket.folio}").get_data(as_text=True)
    assert "data-rating-prompt" not in page and "data-rating-given" in page
    assert "Gracias por su calificación." in page

    client.post(f"/portal/cases/{ticket.folio}/rating", data={"score": "1"})
    assert [r.score for r in session.scalars(select(Rating))] == [3]


def test_another_debtors_case_cannot_be_rated(app, client, session, make, portal_sign_in):
    owner, intruder = make.contact(), make.contact()
    ticket = make.ticket(contact=owner, channel="portal")
    set_status(session, ticket, "resolved")
    portal_sign_in(intruder)

    response = client.post(f"/portal/cases/{ticket.folio}/rating", data={"score": "1"})

    assert response.status_code == 404
    assert session.scalars(select(Rating)).all() == []


def test_the_portal_rating_needs_the_csrf_token(app, client, session, make, portal_sign_in):
    contact = make.contact()
    ticket = make.ticket(contact=contact, channel="portal")
    set_status(session, ticket, "resolved")
    portal_sign_in(contact)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/portal/cases/{ticket.folio}/rating", data={"score": "5"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert session.scalars(select(Rating)).all() == []
