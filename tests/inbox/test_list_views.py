"""The ticket list: views with capped counts, filters, keyset pages, saved views, the
unread marker and bulk actions (all or nothing, one audit event per ticket)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from helpdesk import clock
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor
from helpdesk.clock import freeze
from helpdesk.holds.models import Hold
from helpdesk.inbox import queries as inbox_queries
from helpdesk.inbox.models import SavedView
from helpdesk.inbox.services import merge_tickets
from helpdesk.routing.services import add_tags
from helpdesk.sla.models import TicketDeadline
from helpdesk.tickets import services
from helpdesk.tickets.models import Message, Ticket


def page_of(client, query: str = "") -> str:
    response = client.get(f"/tickets{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def view_counts(client, query: str = "") -> dict[str, str]:
    """The count beside each view's name: the page names the views, and the counts come
    in a second request, as the browser asks for them (htmx)."""
    page = page_of(client, query)
    keys = dict(
        re.findall(
            r'<span class="view-name">([^<]+)</span>\s*<span class="view-count" id="count-([^"]+)"',
            page,
        )
    )
    counts = dict(
        re.findall(r'id="count-([^"]+)" hx-swap-oob="true">([^<]+)<', counts_of(client, query))
    )
    return {label: counts[key] for label, key in keys.items()}


def counts_of(client, query: str = "") -> str:
    response = client.get(f"/tickets/counts{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def title_count(client, query: str = "") -> str:
    return re.search(
        r'id="title-count" hx-swap-oob="true">([^<]+)<', counts_of(client, query)
    ).group(1)


def folios_in(page: str) -> list[str]:
    return re.findall(r'<td class="folio"><a [^>]*>([^<]+)</a>', page)


def test_each_view_holds_its_tickets_and_says_how_many(client, signed_in, make, session):
    agent = signed_in()
    queue = make.queue("Aclaraciones")
    agent.queues.append(queue)
    other = make.user(name="Otra Agente")
    mine = make.ticket(subject="Mío", queue=queue)
    services.assign(session, mine, agent, actor=Actor.system(), now=clock.now())
    make.ticket(subject="Sin dueño", queue=queue)
    theirs = make.ticket(subject="De otra", queue=queue)
    services.assign(session, theirs, other, actor=Actor.system(), now=clock.now())
    waiting = make.ticket(subject="Esperando", queue=queue)
    services.set_status(session, waiting, "pending", actor=Actor.system(), now=clock.now())
    done = make.ticket(subject="Terminado", queue=queue)
    services.set_status(session, done, "resolved", actor=Actor.system(), now=clock.now())
    session.commit()

    counts = view_counts(client)
    assert counts["Mis tickets"] == "1"
    assert counts["Sin asignar"] == "2"  # "Sin dueño" and the pending one
    assert counts["Aclaraciones"] == "4"  # every open one of the queue
    assert counts["En espera del deudor"] == "1"
    assert counts["Resueltos y cerrados"] == "1"
    assert counts["Todos"] == "5"
    assert title_count(client, "?view=unassigned") == "2"

    mine_page = page_of(client, "?view=mine")
    assert "Mío" in mine_page and "Sin dueño" not in mine_page
    unassigned = page_of(client, "?view=unassigned")
    assert "Sin dueño" in unassigned and "De otra" not in unassigned
    assert "Terminado" not in unassigned  # resolved tickets are not waiting for anybody
    assert "Terminado" in page_of(client, "?view=resolved")


def test_an_agent_never_sees_another_queues_tickets(client, signed_in, make, session):
    agent = signed_in()
    agent.queues.append(make.queue("Aclaraciones"))
    make.ticket(subject="Cola ajena", queue=make.queue("Jurídico"))
    make.ticket(subject="Sin cola todavía")
    session.commit()
    page = page_of(client)
    assert "Sin cola todavía" in page and "Cola ajena" not in page
    assert view_counts(client)["Todos"] == "1"


def test_pages_walk_every_ticket_once_forward_and_back(client, signed_in, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "TICKETS_PER_PAGE", 2)
    signed_in("supervisor")
    made = []
    for minutes in range(5):
        with freeze(clock.now() + timedelta(minutes=minutes)):
            made.append(make.ticket(subject=f"Asunto {minutes}").folio)
    make.session.commit()

    seen, pages, page = [], [], page_of(client)
    while True:
        pages.append(page)
        seen += folios_in(page)
        found = re.search(r'href="([^"]+)" rel="next"', page)
        if not found:
            break
        page = page_of(client, html.unescape(found.group(1)).removeprefix("/tickets"))
    assert seen == list(reversed(made))
    assert len(pages) == 3

    back = re.search(r'href="([^"]+)" rel="prev"', pages[2]).group(1)
    assert folios_in(page_of(client, html.unescape(back).removeprefix("/tickets"))) == folios_in(
        pages[1]
    )


def test_a_ticket_that_moves_while_paging_is_not_shown_twice(
    client, signed_in, make, app, monkeypatch, session
):
    monkeypatch.setitem(app.config, "TICKETS_PER_PAGE", 2)
    signed_in("supervisor")
    made = []
    for minutes in range(4):
        with freeze(clock.now() + timedelta(minutes=minutes)):
            made.append(make.ticket(subject=f"Asunto {minutes}"))
    session.commit()
    first = page_of(client)
    # The newest ticket gets a new message: it jumps to the top, before the cursor.
    made[3].last_activity_at = clock.now() + timedelta(minutes=10)
    session.commit()
    nxt = re.search(r'href="([^"]+)" rel="next"', first).group(1)
    second = page_of(client, html.unescape(nxt).removeprefix("/tickets"))
    assert folios_in(second) == [made[1].folio, made[0].folio]


def test_a_garbage_or_foreign_cursor_says_so_and_shows_the_first_page(client, signed_in, make):
    signed_in("supervisor")
    ticket = make.ticket(subject="Primero")
    make.session.commit()
    # Not base64; base64 of the wrong shape; a well-made cursor of the other sort order.
    foreign = "WyJkZWFkbGluZSIsIjIwMjYtMDEtMDFUMDA6MDA6MDArMDA6MDAiLDEsMF0"
    for cursor in ("basura", "W1tdXQ", foreign):
        page = page_of(client, f"?cursor={cursor}")
        assert "Ese enlace de página ya no es válido" in page
        assert ticket.folio in page


def test_filters_narrow_the_list_and_garbage_is_named(client, signed_in, make, session):
    agent = signed_in("supervisor")
    make.ticket(subject="Urgente por WhatsApp", priority="urgent", channel="whatsapp")
    make.ticket(subject="Normal por correo")
    tagged = make.ticket(subject="Con etiqueta")
    add_tags(session, tagged, ["fraude"], actor=Actor.system(), now=clock.now())
    services.assign(session, tagged, agent, actor=Actor.system(), now=clock.now())
    session.commit()

    page = page_of(client, "?priority=urgent")
    assert "Urgente por WhatsApp" in page and "Normal por correo" not in page
    assert "Prioridad: Urgente" in page  # the chip
    assert "Urgente por WhatsApp" in page_of(client, "?channel=whatsapp")
    assert folios_in(page_of(client, "?tag=fraude")) == [tagged.folio]
    assert folios_in(page_of(client, "?assignee=me")) == [tagged.folio]
    assert "Con etiqueta" not in page_of(client, "?assignee=none")
    tomorrow = (clock.now() + timedelta(days=2)).date().isoformat()
    assert folios_in(page_of(client, f"?created_from={tomorrow}")) == []

    garbage = page_of(client, "?priority=altísima&created_from=ayer&assignee=<script>")
    assert "priority=altísima" in garbage and "created_from=ayer" in garbage
    assert "<script>" not in garbage
    assert len(folios_in(garbage)) == 3  # the rest of the list still shows


def test_counts_stop_at_the_cap(client, signed_in, make, monkeypatch):
    monkeypatch.setattr(inbox_queries, "COUNT_CAP", 2)
    signed_in("supervisor")
    for _ in range(3):
        make.ticket()
    make.session.commit()
    assert view_counts(client)["Todos"] == "2+"
    assert title_count(client) == "2+"


def test_the_on_hold_and_at_risk_views(client, signed_in, make, session):
    signed_in("supervisor")
    account = make.account()
    dispute = make.ticket(contact=account.contact, accounts=[account], subject="Disputa")
    make.ticket(subject="Consulta", type="information")
    session.commit()
    assert session.scalar(select(Hold).where(Hold.ticket_id == dispute.id)) is not None
    assert folios_in(page_of(client, "?view=on_hold")) == [dispute.folio]
    assert folios_in(page_of(client, "?hold=no")) != [] and dispute.folio not in folios_in(
        page_of(client, "?hold=no")
    )


def test_saved_views_are_personal_unless_a_supervisor_shares_them(client, signed_in, make):
    signed_in()
    response = client.post(
        "/tickets/views",
        data={"name": "Urgentes", "query": "view=all&priority=urgent", "shared": "y"},
    )
    assert response.status_code == 302
    assert "Solo supervisores" in page_of(client)  # flashed: agents cannot share
    client.post("/tickets/views", data={"name": "Urgentes", "query": "view=all&priority=urgent"})
    saved = make.session.scalar(select(SavedView))
    assert saved.query == "view=all&priority=urgent" and not saved.shared
    assert "Urgentes" in page_of(client)

    client.post("/logout")
    signed_in("supervisor")
    assert "Urgentes" not in page_of(client)  # someone else's personal view
    client.post(
        "/tickets/views",
        data={"name": "Equipo jurídico", "query": "view=all&type=legal", "shared": "y"},
    )
    client.post(f"/tickets/views/{saved.id}/delete")
    assert make.session.get(SavedView, saved.id) is not None  # not theirs to delete
    client.post("/logout")
    signed_in()
    assert "Equipo jurídico" in page_of(client)


def test_the_unread_marker_follows_what_the_assignee_opened(client, signed_in, make, session):
    agent = signed_in()
    ticket = make.ticket(subject="Marcador")
    services.assign(session, ticket, agent, actor=Actor.system(), now=clock.now())
    session.commit()
    assert 'class="unread"' in page_of(client)
    client.get(f"/tickets/{ticket.folio}")
    assert 'class="unread"' not in page_of(client)
    services.append_inbound(
        session,
        ticket,
        text="¿Alguna novedad?\nSaludos",
        channel="email",
        contact=ticket.contact,
        now=clock.now() + timedelta(minutes=1),
    )
    session.commit()
    page = page_of(client)
    assert 'class="unread"' in page
    assert "¿Alguna novedad?" in page  # the first line of the last message


def test_bulk_assign_changes_every_ticket_with_one_audit_event_each(client, signed_in, make):
    signed_in("supervisor")
    target = make.user(name="Rosa Díaz")
    chosen = [make.ticket() for _ in range(3)]
    make.session.commit()
    before = make.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "ticket.assigned")
    )
    response = client.post(
        "/tickets/bulk",
        data={
            "action": f"assign:{target.id}",
            "ticket": [t.id for t in chosen],
            "back": "view=all",
        },
    )
    assert response.status_code == 302 and "view=all" in response.location
    make.session.expire_all()
    assert all(t.assignee_id == target.id for t in chosen)
    after = make.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "ticket.assigned")
    )
    assert after - before == 3


def test_bulk_resolve_asks_first_and_refuses_disputes_that_need_an_outcome(
    client, signed_in, make, session
):
    signed_in("supervisor")
    plain = make.ticket(type="information", subject="Sencillo")
    account = make.account()
    dispute = make.ticket(contact=account.contact, accounts=[account], subject="Con retención")
    session.commit()

    asked = client.post(
        "/tickets/bulk", data={"action": "status:resolved", "ticket": [plain.id], "back": ""}
    )
    assert asked.status_code == 200 and "Sí, hacerlo" in asked.get_data(as_text=True)
    session.expire_all()
    assert plain.status == "new"  # nothing until confirmed

    refused = client.post(
        "/tickets/bulk",
        data={"action": "status:resolved", "ticket": [plain.id, dispute.id], "confirmed": "yes"},
        follow_redirects=True,
    )
    assert dispute.folio in refused.get_data(as_text=True)
    session.expire_all()
    assert plain.status == "new" and dispute.status == "new"  # all or nothing

    client.post(
        "/tickets/bulk",
        data={"action": "status:resolved", "ticket": [plain.id], "confirmed": "yes"},
    )
    session.expire_all()
    assert plain.status == "resolved"


def test_a_bulk_action_over_a_ticket_the_agent_may_not_touch_changes_nothing(
    client, signed_in, make, session
):
    agent = signed_in()
    visible = make.ticket(subject="Visible")
    hidden = make.ticket(subject="Ajeno", queue=make.queue("Jurídico"))
    session.commit()
    response = client.post(
        "/tickets/bulk",
        data={"action": "priority:urgent", "ticket": [visible.id, hidden.id]},
        follow_redirects=True,
    )
    assert "no le corresponden" in response.get_data(as_text=True)
    session.expire_all()
    assert visible.priority == "normal" and hidden.priority == "normal"
    assert agent.id  # signed in as a plain agent throughout


def test_bulk_merge_moves_the_conversation_into_the_survivor(client, signed_in, make, session):
    signed_in("supervisor")
    contact = make.contact()
    survivor = make.ticket(contact=contact, subject="Primero", text="Primer mensaje")
    duplicate = make.ticket(contact=contact, subject="Repetido", text="Segundo mensaje")
    stranger = make.ticket(subject="Otro deudor")
    session.commit()

    refused = client.post(
        "/tickets/bulk",
        data={
            "action": "merge:",
            "merge_into": survivor.folio,
            "ticket": [duplicate.id, stranger.id],
            "confirmed": "yes",
        },
        follow_redirects=True,
    )
    assert "mismo deudor" in refused.get_data(as_text=True)

    client.post(
        "/tickets/bulk",
        data={
            "action": "merge:",
            "merge_into": survivor.folio.lower(),
            "ticket": [duplicate.id, survivor.id],
            "confirmed": "yes",
        },
    )
    session.expire_all()
    assert duplicate.status == "merged" and duplicate.merged_into_id == survivor.id
    texts = session.scalars(select(Message.text).where(Message.ticket_id == survivor.id)).all()
    assert {"Primer mensaje", "Segundo mensaje"} <= set(texts)
    assert duplicate.folio not in folios_in(page_of(client))
    assert (
        session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "ticket.merged")
        )
        == 1
    )


@pytest.mark.parametrize("count", [10, 100])
def test_list_and_ticket_page_queries_do_not_grow(client, signed_in, make, count_queries, count):
    """The same number of statements at 10 and at 100 tickets (measured against 3)."""
    signed_in("supervisor")

    def measure() -> tuple[int, int]:
        # Once to let the search index catch up with the new tickets (a job that runs
        # inline in tests), then counted.
        client.get("/tickets")
        with count_queries() as listing:
            client.get("/tickets")
        folio = make.session.scalar(select(Ticket.folio).order_by(Ticket.id.desc()).limit(1))
        with count_queries() as showing:
            client.get(f"/tickets/{folio}")
        return listing.count, showing.count

    for _ in range(3):
        make.ticket()
    make.session.commit()
    baseline = measure()
    for _ in range(count - 3):
        make.ticket()
    make.session.commit()
    assert measure() == baseline


def clock_on(session, ticket, target: str, hours: float, **fields) -> None:
    """A deadline row due ``hours`` from now (negative: overdue)."""
    now = clock.now()
    due = now + timedelta(hours=hours)
    session.add(
        TicketDeadline(
            ticket_id=ticket.id,
            target=target,
            started_at=now - timedelta(hours=1),
            due_at=due,
            warn_at=due - timedelta(minutes=30),
            updated_at=now,
            **fields,
        )
    )


def test_nearest_deadline_first_then_the_rest_across_pages(
    client, signed_in, make, session, app, monkeypatch
):
    """Overdue first, each ticket once at its nearest open clock (met and paused ones do
    not count), then the tickets with nothing due; paging crosses from one to the other."""
    monkeypatch.setitem(app.config, "TICKETS_PER_PAGE", 2)
    signed_in("supervisor")
    overdue, soon, later, met_only, paused, done, none = (make.ticket() for _ in range(7))
    clock_on(session, overdue, "resolution", -2)
    clock_on(session, soon, "first_response", 1)
    clock_on(session, soon, "resolution", 30)  # the nearest one counts: "soon" stays second
    clock_on(session, later, "resolution", 5)
    clock_on(session, met_only, "first_response", 0.5, met_at=clock.now())
    clock_on(session, paused, "resolution", 0.2, paused_since=clock.now())
    clock_on(session, done, "resolution", 0.1)
    services.set_status(session, done, "resolved", actor=Actor.system(), now=clock.now())
    session.commit()

    seen, page = [], page_of(client, "?sort=deadline")
    while True:
        seen += folios_in(page)
        found = re.search(r'href="([^"]+)" rel="next"', page)
        if not found:
            break
        page = page_of(client, html.unescape(found.group(1)).removeprefix("/tickets"))
    assert seen[:3] == [overdue.folio, soon.folio, later.folio]
    assert sorted(seen[3:]) == sorted(t.folio for t in (met_only, paused, done, none))
    assert len(seen) == 7

    back = re.search(r'href="([^"]+)" rel="prev"', page).group(1)
    assert folios_in(page_of(client, html.unescape(back).removeprefix("/tickets"))) == seen[4:6]

    monkeypatch.setitem(app.config, "TICKETS_PER_PAGE", 30)
    at_risk = folios_in(page_of(client, "?view=at_risk"))
    assert at_risk == [overdue.folio, soon.folio, later.folio]


def test_a_views_statuses_hold_in_nearest_deadline_order_too(client, signed_in, make, session):
    """ "Mine" by nearest deadline is still only my open tickets; "Resolved" by nearest
    deadline only the ended ones."""
    agent = signed_in()
    mine_open, mine_done = make.ticket(subject="Abierto mío"), make.ticket(subject="Cerrado mío")
    clock_on(session, mine_open, "resolution", 3)
    for ticket in (mine_open, mine_done):
        services.assign(session, ticket, agent, actor=Actor.system(), now=clock.now())
    services.set_status(session, mine_done, "closed", actor=Actor.system(), now=clock.now())
    session.commit()
    assert folios_in(page_of(client, "?view=mine&sort=deadline")) == [mine_open.folio]
    assert folios_in(page_of(client, "?view=resolved&sort=deadline")) == [mine_done.folio]
    assert folios_in(page_of(client, "?view=all&status=closed&sort=deadline")) == [mine_done.folio]


@pytest.mark.parametrize(
    ("status", "said"), [("merged", "fue fusionado"), ("closed", "está cerrado")]
)
def test_a_reply_to_a_ticket_merged_or_closed_meanwhile_is_refused_and_kept(
    client, signed_in, make, session, status, said
):
    signed_in("supervisor")
    contact = make.contact(email="deudora@correo.mx")
    ticket, survivor = make.ticket(contact=contact), make.ticket(contact=contact)
    page = page_of(client, "")  # the agent had the list open; the ticket changes meanwhile
    assert ticket.folio in page
    if status == "merged":
        merge_tickets(session, ticket, survivor, actor=Actor.system(), now=clock.now())
    else:
        services.set_status(session, ticket, "closed", actor=Actor.system(), now=clock.now())
    session.commit()
    before = session.scalar(select(func.count()).select_from(Message))
    response = client.post(
        f"/tickets/{ticket.folio}/email", data={"text": "Le confirmo que recibimos su pago."}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and said in body
    assert "Le confirmo que recibimos su pago." in body  # what the agent wrote is kept
    assert session.scalar(select(func.count()).select_from(Message)) == before
