"""The search page: the top bar's box, results with snippets, a folio that opens its
ticket, and staff only."""

from __future__ import annotations


def test_the_top_bar_searches_and_shows_highlighted_hits(client, signed_in, make, index):
    signed_in("supervisor")
    ticket = make.ticket(subject="Aclaración de cargo", text="Pagué con transferencia el lunes.")
    index()
    page = client.get("/tickets").get_data(as_text=True)
    assert 'id="search-box"' in page and 'action="/search"' in page
    found = client.get("/search", query_string={"q": "transferencia"}).get_data(as_text=True)
    assert ticket.folio in found and "1 ticket encontrado" in found
    assert '<b class="match' in found and "transferencia" in found


def test_a_folio_typed_alone_opens_the_ticket(client, signed_in, make):
    signed_in()
    ticket = make.ticket()
    response = client.get("/search", query_string={"q": ticket.folio})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tickets/{ticket.folio}"


def test_text_from_mail_is_escaped_in_snippets(client, signed_in, make, index):
    signed_in("supervisor")
    make.ticket(subject="Pago", text="<script>alert('x')</script> transferencia hecha")
    index()
    found = client.get("/search", query_string={"q": "transferencia"}).get_data(as_text=True)
    assert "<script>alert" not in found


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/search", query_string={"q": "x"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
