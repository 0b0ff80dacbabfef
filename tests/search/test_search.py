"""Search as an agent uses it: words however typed, phrases, exclusions, every filter,
phone formats, a folio alone, what each staff member may see, and indexing that keeps up."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.jobs import run_ready_jobs
from helpdesk.search import services
from helpdesk.search.models import SearchChange
from helpdesk.search.tracking import mark
from helpdesk.search.whoosh_index import WhooshIndex
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Message, Ticket


def test_accents_case_and_stems_do_not_matter(make, index, find):
    wanted = make.ticket(
        make.contact(name="Andrés Peña", email="andres@correo.mx"),
        subject="Aclaración de pagos duplicados", text="Hice dos transferencias el lunes.",
    )  # fmt: skip
    make.ticket(subject="Convenio", text="Quiero un convenio de pago a seis meses.")
    index()
    assert find("aclaracion") == [wanted.folio]
    assert find("ANDRES pena") == [wanted.folio]
    assert find("transferencia") == [wanted.folio]
    assert set(find("pago")) == {wanted.folio, find("convenio")[0]}  # pagos ~ pago


def test_phrases_and_exclusions(make, index, find):
    duplicated = make.ticket(subject="Cargo duplicado", text="Me cobraron un cargo duplicado.")
    other = make.ticket(subject="Cargo no reconocido", text="Un cargo que no reconozco.")
    index()
    assert find('"cargo duplicado"') == [duplicated.folio]
    assert find("cargo -duplicado") == [other.folio]
    assert set(find("cargo")) == {duplicated.folio, other.folio}


def test_field_filters(make, index, find, session):
    agent = make.user()
    queue = make.queue("Tarjetas")
    contact = make.contact(name="Lucía Gómez", email="lucia.gomez@correo.mx", phone="+525512345678")
    ticket = make.ticket(contact, subject="Saldo incorrecto", type="complaint", channel="whatsapp")
    ticket.accounts.append(make.account(contact, number="12-345678"))
    tickets.set_queue(session, ticket, queue, actor=Actor.system("test"), now=clock.now())
    tickets.assign(session, ticket, agent, actor=Actor.system("test"), now=clock.now())
    make.ticket(subject="Saldo incorrecto")  # the same words, none of the same fields
    index()
    folio = [ticket.folio]
    assert find("saldo type:complaint") == folio
    assert find("saldo channel:whatsapp") == folio
    assert find("saldo queue:tarjetas") == folio
    assert find("saldo assignee:me", viewer=agent) == folio
    assert find("from:lucia.gomez@correo.mx") == folio
    assert find('from:"lucia gomez"') == folio
    assert find("account:12345678") == folio and find("12-345678") == folio
    for typed in ("55 1234 5678", "+52 1 55 1234 5678", "(55) 1234-5678", "5512345678"):
        assert find(f'phone:"{typed}"') == folio, typed
    tickets.set_status(session, ticket, "pending", actor=Actor.system("test"), now=clock.now())
    index()
    assert find("status:pending saldo") == folio
    today = clock.now().date()
    assert find(f"saldo after:{today - timedelta(days=1)} type:complaint") == folio
    assert find(f"saldo before:{today} type:complaint") == []
    assert ticket.folio in find(f"after:{today - timedelta(days=1)}")  # dates alone
    assert find(f"before:{today - timedelta(days=1)}") == []
    assert find("saldo queue:inexistente") == []


def test_a_folio_alone_opens_its_ticket(make, session, settings):
    ticket = make.ticket()
    viewer = make.user(role="admin")
    found = services.search(session, ticket.folio.lower(), viewer=viewer, settings=settings)
    assert found.jump_to == ticket.folio
    found = services.search(session, f"folio:{ticket.folio}", viewer=viewer, settings=settings)
    assert found.jump_to == ticket.folio


def test_an_agent_finds_nothing_from_a_queue_they_do_not_work(make, index, find, session):
    mine, theirs = make.queue("Mía"), make.queue("Ajena")
    agent = make.user()
    agent.queues.append(mine)
    for queue, subject in ((mine, "Embargo propio"), (theirs, "Embargo ajeno")):
        ticket = make.ticket(subject=subject)
        tickets.set_queue(session, ticket, queue, actor=Actor.system("test"), now=clock.now())
    index()
    assert len(find("embargo", viewer=agent)) == 1
    assert len(find("embargo")) == 2  # a supervisor sees every queue


def test_a_new_message_is_found_once_its_job_ran(make, index, find, session):
    ticket = make.ticket(subject="Consulta")
    index()
    tickets.add_note(
        session, ticket, author=make.user(), text="Llamó desde Zacatecas", now=clock.now()
    )
    session.commit()
    assert find("zacatecas") == []  # the job has not run yet
    run_ready_jobs(session)
    assert find("zacatecas") == [ticket.folio]  # notes are searchable for staff


def test_a_merged_or_deleted_ticket_disappears(make, index, find, session):
    kept, merged, deleted = (make.ticket(subject=f"Reclamo {n}") for n in ("uno", "dos", "tres"))
    index()
    merged.merged_into_id = kept.id
    session.execute(delete(Message).where(Message.ticket_id == deleted.id))
    session.execute(delete(Ticket).where(Ticket.id == deleted.id))
    mark(session, {deleted.id})  # what a deletion must do; the index drops what is gone
    index()
    assert find("reclamo") == [kept.folio]


@pytest.mark.parametrize(
    "typed",
    ['"comillas sin cerrar', "de la el", "x" * 10_000, "folio:", "campo:raro valor",
     "'; DROP TABLE tickets; --", "subject:(a OR b) AND NOT c*", "-", '""', "\x00\ud800"],
)  # fmt: skip
def test_bad_queries_get_an_answer_never_an_error(typed, make, index, find):
    make.ticket(subject="Aclaración")
    index()
    assert isinstance(find(typed), list)


@pytest.mark.parametrize("engine", ["whoosh"], indirect=True)
def test_a_corrupt_index_is_started_again_and_filled_by_the_next_job(
    make, index, find, settings, session
):
    ticket = make.ticket(subject="Aclaración urgente")
    index()
    for segment in WhooshIndex(settings.data_dir).path.iterdir():
        segment.write_bytes(b"not an index")
    found = services.search(session, "urgente", viewer=make.user(role="admin"), settings=settings)
    assert found.rebuilding and found.results == []
    session.commit()
    from helpdesk.search.jobs import index_changes_job

    index_changes_job()  # what the search page queues when it finds the index rebuilt
    assert find("urgente") == [ticket.folio]


@pytest.mark.parametrize("engine", ["whoosh"], indirect=True)
def test_an_index_of_an_older_layout_is_started_again_and_filled(
    make, index, find, settings, session
):
    """An index written before ``created`` became a column (an upgrade) is not read as
    if it had one: it is started again and the next job fills it."""
    from whoosh import index as whoosh_index
    from whoosh.fields import DATETIME

    from helpdesk.search.whoosh_index import SCHEMA

    ticket = make.ticket(subject="Aclaración urgente")
    index()
    older = SCHEMA.copy()
    older.remove("created")
    older.add("created", DATETIME)  # no column
    path = WhooshIndex(settings.data_dir).path
    whoosh_index.create_in(str(path), older)
    found = services.search(session, "urgente", viewer=make.user(role="admin"), settings=settings)
    assert found.rebuilding and found.results == []
    session.commit()
    from helpdesk.search.jobs import index_changes_job

    index_changes_job()
    assert find("urgente") == [ticket.folio]


@pytest.mark.parametrize("engine", ["whoosh"], indirect=True)  # PostgreSQL: MVCC does it
def test_reindex_while_searching_keeps_answering(make, index, find, session, settings, app):
    for n in range(40):
        make.ticket(subject=f"Transferencia {n}")
    index()
    answers: list[int] = []
    stop = threading.Event()
    index_path = WhooshIndex(settings.data_dir)

    def keep_searching() -> None:
        from helpdesk.search.query import parse

        while not stop.is_set():
            answers.append(
                index_path.search(parse("transferencia"), visible=None, page=1, per_page=50).total
            )

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        services.rebuild(session, settings=settings)
        session.commit()
    finally:
        stop.set()
        searcher.join()
    assert answers and set(answers) == {40}


def test_an_indexer_that_dies_mid_batch_leaves_its_tickets_for_the_next(
    make, index, find, session, settings, monkeypatch
):
    ticket = make.ticket(subject="Quebranto")
    session.commit()
    backend_class = type(services.backend_for(session, settings))
    real_write = backend_class.write

    def dies(self, *args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(backend_class, "write", dies)
    from helpdesk.search.jobs import index_changes_job

    with pytest.raises(RuntimeError):
        index_changes_job()  # the worker dies in the middle of the batch
    session.rollback()
    assert session.scalar(select(SearchChange.ticket_id)) == ticket.id  # still waiting
    monkeypatch.setattr(backend_class, "write", real_write)
    assert index_changes_job() == 1
    assert find("quebranto") == [ticket.folio]
    assert session.scalar(select(SearchChange.ticket_id)) is None


@pytest.mark.parametrize("step", [1, -1], ids=["newest-last", "newest-first"])
def test_past_the_count_bound_the_latest_matches_are_ranked(
    make, index, session, settings, monkeypatch, step
):
    """Both engines count and rank at most COUNT_BOUND + 1 matches, the latest first (the
    page then says "more than 1,000"). Here the bound is 2, and Whoosh reads windows of 2
    documents from the end, so the widening is exercised. With ``newest-first`` the
    tickets' activity runs against the order they were made (and logged for indexing):
    the index must still end with the latest."""
    from helpdesk.search import postgres_index, whoosh_index

    monkeypatch.setattr(postgres_index, "COUNT_BOUND", 2)
    monkeypatch.setattr(whoosh_index, "COUNT_BOUND", 2)
    monkeypatch.setattr(whoosh_index, "FIRST_WINDOW", 2)
    start = clock.now()
    made = []
    for n in range(5):
        ticket = make.ticket(subject=f"Caso {n}", text="Pido la aclaración del cargo.")
        ticket.last_activity_at = start + timedelta(minutes=n * step)
        made.append(ticket)
        make.ticket(subject=f"Otro {n}", text="Nada que ver.")  # a non-match in every window
    index()
    viewer = make.user(role="supervisor")
    found = services.search(session, "aclaracion", viewer=viewer, settings=settings)
    assert found.total == 3  # the bound + 1: "more than 2"
    latest = sorted(made, key=lambda t: t.last_activity_at, reverse=True)[:3]
    assert [r.ticket.folio for r in found.results] == [t.folio for t in latest]


def test_a_rebuild_keeps_the_latest_activity_first_whatever_the_ticket_order(
    make, index, session, settings, monkeypatch
):
    """Tickets opened in one order and active in the reverse one: after a full rebuild the
    latest activity still wins the bounded count."""
    from helpdesk.search import whoosh_index

    monkeypatch.setattr(whoosh_index, "COUNT_BOUND", 1)
    monkeypatch.setattr(whoosh_index, "FIRST_WINDOW", 1)
    from helpdesk.search import postgres_index

    monkeypatch.setattr(postgres_index, "COUNT_BOUND", 1)
    start = clock.now()
    made = [make.ticket(subject=f"Caso {n}", text="Un embargo injusto.") for n in range(4)]
    for n, ticket in enumerate(made):
        ticket.last_activity_at = start - timedelta(hours=n)  # the first opened is the latest
    session.flush()
    services.rebuild(session, settings=settings)
    session.commit()
    viewer = make.user(role="supervisor")
    found = services.search(session, "embargo", viewer=viewer, settings=settings)
    assert found.total == 2
    assert {r.ticket.folio for r in found.results} == {made[0].folio, made[1].folio}


@pytest.mark.parametrize("engine", ["postgresql"])
def test_a_rebuild_leaves_the_planner_fresh_statistics(make, index, session, settings):
    """Without them a rebuilt table is planned blind until autovacuum passes (a common
    word 25 times slower at a million messages)."""
    for n in range(3):
        make.ticket(subject=f"Caso {n}", text="Un embargo injusto.")
    session.flush()
    count = services.rebuild(session, settings=settings)
    session.commit()
    planned = session.scalar(
        text("SELECT reltuples FROM pg_class WHERE relname = 'search_documents'")
    )
    assert count >= 3 and planned == count


def test_a_word_finds_tags_and_addresses_and_accounts_without_digits(make, index, find, session):
    from helpdesk.routing.services import add_tags

    tagged = make.ticket(subject="Llamadas", text="Me llaman de noche.")
    add_tags(session, tagged, ["hostigamiento"], actor=Actor.system("test"), now=clock.now())
    contact = make.contact(name="Marisol Peña", email="marisol@correo.mx")
    account = make.ticket(contact, subject="Cargo", text="No lo reconozco.")
    account.accounts.append(make.account(contact, number="MX-DISPUTA"))
    make.ticket(subject="Otro caso", text="Sin relación.")
    index()
    assert find("hostigamiento") == [tagged.folio]  # a tag is a word of the ticket
    assert find("tag:hostigamiento") == [tagged.folio]
    assert find("mx-disputa") == [account.folio]  # an account number with no digit
    assert find("marisol@correo.mx") == [account.folio]
