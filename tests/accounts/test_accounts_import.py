"""The bulk path of accounts (API batch, ``helpdesk import-accounts``): what the fast
writes (COPY on PostgreSQL) could get wrong, and the CLI's report."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from flask import current_app
from sqlalchemy import func, select, text

from helpdesk import bulk, clock
from helpdesk.accounts.cli import import_accounts
from helpdesk.accounts.models import CollectionAccount
from helpdesk.accounts.parsing import AccountSettings
from helpdesk.accounts.services import ANALYZE_AFTER, upsert_accounts
from helpdesk.audit.models import AuditEvent
from helpdesk.audit.services import Actor
from helpdesk.contacts.models import Contact, ContactIdentity
from helpdesk.contacts.services import national_id_hash
from tests.api.helpers import account_body


@pytest.fixture(autouse=True)
def every_batch_through_copy(monkeypatch):
    """These batches are small: make PostgreSQL take its COPY path all the same."""
    monkeypatch.setattr(bulk, "COPY_FROM", 1)


def _upsert(session, rows):
    settings = AccountSettings.from_config(current_app.config)
    return upsert_accounts(
        session, rows, settings=settings, actor=Actor.system("test"), now=clock.now()
    )


def _person(n: int, **fields) -> dict:
    return {
        "name": f"Deudor {n}",
        "email": f"deudor{n}@correo.mx",
        "phone": f"+5255{n:08d}",
        "national_id": f"CURP{n:014d}",
        **fields,
    }


def _row(n: int, **fields) -> dict:
    return account_body(number=f"IMP-{n:05d}", contact=_person(n), **fields)


def test_rows_sharing_a_new_contact_create_one_contact(session):
    shared = {"name": "Rosa", "email": "rosa@correo.mx"}
    rows = [
        account_body(number="S-1", contact=shared),
        account_body(number="S-2", contact={**shared, "email": "ROSA@correo.mx"}),
        account_body(number="S-3", contact={"name": "Rosa", "phone": "+525511112222"}),
    ]
    report = _upsert(session, rows)
    assert len(report.created) == 3 and not report.errors
    owners = session.scalars(select(CollectionAccount.contact_id)).all()
    assert len(owners) == 3 and owners[0] == owners[1] != owners[2]
    assert session.get(Contact, owners[0]).name == "Rosa"
    assert session.scalar(select(func.count(Contact.id))) == 2
    assert (
        session.scalar(
            select(func.count(ContactIdentity.id)).where(ContactIdentity.value == "rosa@correo.mx")
        )
        == 1
    )
    created = session.scalars(
        select(AuditEvent.object_id).where(AuditEvent.action == "contact.created")
    ).all()
    assert sorted(created) == sorted(set(owners))


def test_a_chunk_mixing_new_and_existing_accounts(session):
    _upsert(session, [_row(1), _row(2), _row(3)])
    first_contact = session.scalar(
        select(CollectionAccount.contact_id).where(CollectionAccount.number == "IMP-00001")
    )
    rows = [
        _row(1),  # unchanged
        _row(2, balance="99.10"),  # updated
        _row(3, currency="USD"),  # conflict: the currency cannot change
        _row(4),  # new, new contact
        account_body(number="IMP-00005", contact={"name": "Otro", "email": "deudor1@correo.mx"}),
    ]
    report = _upsert(session, rows)
    assert [len(report.unchanged), len(report.updated), len(report.created)] == [1, 1, 2]
    assert [(e.index, e.conflict, list(e.errors)) for e in report.errors] == [
        (2, True, ["currency"])
    ]
    accounts = {a.number: a for a in session.scalars(select(CollectionAccount)).all()}
    assert accounts["IMP-00002"].balance == Decimal("99.10")
    assert accounts["IMP-00003"].currency == "MXN"
    assert accounts["IMP-00005"].contact_id == first_contact  # matched by email
    assert session.scalar(select(func.count(Contact.id))) == 4
    history = session.execute(
        select(CollectionAccount.number, AuditEvent.action, AuditEvent.after)
        .join(AuditEvent, AuditEvent.object_id == CollectionAccount.id)
        .where(AuditEvent.object_type == "collection_accounts")
        .order_by(AuditEvent.id)
    ).all()
    assert [(n, a) for n, a, _ in history] == [
        ("IMP-00001", "account.created"),
        ("IMP-00002", "account.created"),
        ("IMP-00003", "account.created"),
        ("IMP-00002", "account.updated"),
        ("IMP-00004", "account.created"),
        ("IMP-00005", "account.created"),
    ]
    assert history[0][2] == {"number": "IMP-00001", "balance": "12500.00"}
    assert history[3][2] == {"balance": "99.10"}


def test_contacts_keep_their_details(session):
    person = _person(7, national_id="gode-5612 31")
    _upsert(session, [account_body(number="D-1", contact=person)])
    contact = session.scalar(select(Contact))
    assert (contact.name, contact.language, contact.timezone) == ("Deudor 7", "es", None)
    assert contact.national_id_hash == national_id_hash(
        "GODE561231", secret_key=current_app.config["SECRET_KEY"]
    )
    assert contact.national_id_masked == "••••••••2 31"
    assert (contact.email, contact.phone) == ("deudor7@correo.mx", "+525500000007")
    assert [i.is_verified for i in contact.identities] == [False, False]
    account = session.scalar(select(CollectionAccount))
    assert account.flags is None and account.created_at == clock.now()


def _snapshot(session) -> dict:
    """Everything the import wrote, with ids replaced by natural keys."""
    contact_key = {
        ident: (name, digest)
        for ident, name, digest in session.execute(
            select(Contact.id, Contact.name, Contact.national_id_hash)
        )
    }
    account_key = dict(
        session.execute(select(CollectionAccount.id, CollectionAccount.number)).tuples().all()
    )
    keys = {"contacts": contact_key, "collection_accounts": account_key}

    def rows(sql: str) -> list[tuple]:
        return sorted((tuple(r) for r in session.execute(text(sql))), key=repr)

    return {
        "contacts": rows(
            "SELECT name, language, timezone, preferred_channel, national_id_hash,"
            " national_id_masked, created_at FROM contacts"
        ),
        "identities": sorted(
            (
                (contact_key[c], kind, value, verified, bounced)
                for c, kind, value, verified, bounced in session.execute(
                    text(
                        "SELECT contact_id, kind, value, is_verified, bounced_at"
                        " FROM contact_identities"
                    )
                )
            ),
            key=repr,
        ),
        "accounts": sorted(
            (
                (contact_key[r[0]], *r[1:])
                for r in session.execute(
                    text(
                        "SELECT contact_id, number, creditor, portfolio, balance, currency,"
                        " days_past_due, status, next_due_date, CAST(flags AS TEXT), created_at,"
                        " updated_at FROM collection_accounts"
                    )
                )
            ),
            key=repr,
        ),
        "audit": sorted(
            (
                (keys[r[0]][r[1]], *r[2:])
                for r in session.execute(
                    text(
                        "SELECT object_type, object_id, created_at, actor_user_id, actor_kind,"
                        " actor_label, action, ticket_id, CAST(before AS TEXT),"
                        " CAST(after AS TEXT) FROM audit_events"
                        " WHERE object_type IN ('contacts', 'collection_accounts')"
                    )
                )
            ),
            key=repr,
        ),
    }


# COPY is the PostgreSQL path (SQLite only has the portable one): PostgreSQL alone, so
# the test runs rather than skips.
@pytest.mark.parametrize("backend", ["postgresql"], scope="session")
def test_copy_and_portable_writes_store_the_same(session, backend, monkeypatch):
    before = [_row(n) for n in range(0, 40)]
    batch = [_row(n, balance="10.00") if n % 3 == 0 else _row(n) for n in range(ANALYZE_AFTER)]
    batch += [
        account_body(number="X-1", contact={"name": "Sin teléfono", "email": "x@correo.mx"}),
        account_body(number="X-2", contact={"name": "Tab\tand\nnewline", "email": "x@correo.mx"}),
        account_body(number="X-3", contact={"name": "Solo id", "national_id": "AB-12 c"}),
        {"number": "X-4", "creditor": "Banco", "balance": "1"},  # refused
    ]
    snapshots, reports = [], []
    for copy in (True, False):
        monkeypatch.setattr(bulk, "uses_copy", lambda connection, count, copy=copy: copy)
        savepoint = session.begin_nested()
        _upsert(session, before)
        reports.append(_upsert(session, batch).as_dict())
        snapshots.append(_snapshot(session))
        savepoint.rollback()
    assert reports[0] == reports[1]
    assert reports[0]["created"] == ANALYZE_AFTER - 40 + 3
    assert snapshots[0] == snapshots[1]
    assert len(snapshots[0]["accounts"]) == ANALYZE_AFTER + 3


def test_import_accounts_reports_bad_rows_and_stores_the_good(app, session, tmp_path):
    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text(
        "number,creditor,portfolio,balance,currency,days_past_due,status,next_due_date,"
        "contact_name,contact_email,contact_phone,contact_national_id\n"
        "C-1,Banco Demo,Tarjetas,100.50,MXN,3,active,2026-12-15,Ana,ana@correo.mx,,\n"
        "C-2,Banco Demo,Tarjetas,doce,MXN,3,active,2026-12-15,Beto,beto@correo.mx,,\n"
        "C-3,Banco Demo,Tarjetas,7.00,MXN,3,active,,Ana,ANA@correo.mx,+525512345678,\n"
        "C-1,Banco Demo,Tarjetas,100.50,MXN,3,active,2026-12-15,Ana,ana@correo.mx,,\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(import_accounts, [str(csv_file)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert json.loads(lines[-1]) == {"created": 2, "updated": 0, "unchanged": 0, "errors": 2}
    errors = [json.loads(line) for line in lines if line.startswith('{"row"')]
    assert [(e["row"], e["number"], list(e["errors"])) for e in errors] == [
        (3, "C-2", ["balance"]),
        (5, "C-1", ["number"]),
    ]
    numbers = session.scalars(select(CollectionAccount.number).order_by("number")).all()
    assert numbers == ["C-1", "C-3"]
    assert session.scalar(select(func.count(Contact.id))) == 1


def test_numbers_and_emails_with_quotes_commas_and_braces_are_found_again(session):
    odd = ['A"1', "B\\2", "C,3", "{D4}", " E 5", "ÑU-6", "NULL"]
    rows = [
        account_body(number=number, contact={"name": "X", "email": f'{number}"x@correo.mx'})
        for number in odd
    ]
    assert len(_upsert(session, rows).created) == len(odd)
    again = _upsert(session, rows)
    assert (len(again.unchanged), len(again.created)) == (len(odd), 0)
    assert session.scalar(select(func.count(Contact.id))) == len(odd)


def test_import_accounts_takes_a_consents_column(app, session, tmp_path):
    from helpdesk.accounts.models import ChannelConsent

    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text(
        "number,creditor,portfolio,balance,currency,days_past_due,status,next_due_date,"
        "contact_name,contact_email,contact_phone,contact_national_id,consents\n"
        "K-1,Banco Demo,Tarjetas,100.50,COP,3,active,2026-12-15,Ana,ana@correo.co,,,"
        "email|whatsapp\n"
        "K-2,Banco Demo,Tarjetas,7.00,COP,3,active,,Beto,beto@correo.co,,,\n"
        "K-3,Banco Demo,Tarjetas,7.00,COP,3,active,,Caro,caro@correo.co,,,sms\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(import_accounts, [str(csv_file)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert json.loads(lines[-1]) == {"created": 2, "updated": 0, "unchanged": 0, "errors": 1}
    assert "contact.consents" in next(line for line in lines if '"K-3"' in line)
    consents = session.execute(
        select(ChannelConsent.channel, ChannelConsent.source).order_by(ChannelConsent.channel)
    ).all()
    assert consents == [("email", "import"), ("whatsapp", "import")]
    again = app.test_cli_runner().invoke(import_accounts, [str(csv_file)])
    assert json.loads(again.output.strip().splitlines()[-1])["unchanged"] == 2
    assert session.scalar(select(func.count(ChannelConsent.id))) == 2


def test_import_accounts_takes_a_birth_date_column(app, session, tmp_path):
    csv_file = tmp_path / "accounts.csv"
    header = (
        "number,creditor,portfolio,balance,currency,days_past_due,status,next_due_date,"
        "contact_name,contact_email,contact_phone,contact_national_id,birth_date\n"
    )
    csv_file.write_text(
        header
        + "B-1,Banco Demo,Tarjetas,1.00,MXN,0,active,,Ana,ana@correo.mx,,,1985-12-31\n"
        "B-2,Banco Demo,Tarjetas,1.00,MXN,0,active,,Beto,beto@correo.mx,,,07/03/1990\n"
        "B-3,Banco Demo,Tarjetas,1.00,MXN,0,active,,Caro,caro@correo.mx,,,31/02/1985\n"
        "B-4,Banco Demo,Tarjetas,1.00,MXN,0,active,,Dani,dani@correo.mx,,,\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(import_accounts, [str(csv_file)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert json.loads(lines[-1]) == {"created": 3, "updated": 0, "unchanged": 0, "errors": 1}
    error = json.loads(next(line for line in lines if '"B-3"' in line))
    assert error["row"] == 4 and list(error["errors"]) == ["contact.birth_date"]
    born = dict(session.execute(select(Contact.name, Contact.birth_date)).all())
    assert born == {"Ana": date(1985, 12, 31), "Beto": date(1990, 3, 7), "Dani": None}


def test_a_later_file_fills_in_a_birth_date_and_a_blank_one_keeps_it(session):
    row = account_body(number="B-9", contact={"name": "Eva", "email": "eva@correo.mx"})
    _upsert(session, [row])
    dated = {**row, "contact": {**row["contact"], "birth_date": "1979-05-02"}}
    report = _upsert(session, [dated])
    assert not report.errors and report.unchanged == [(row["creditor"], "B-9")]
    eva = session.scalar(select(Contact))
    assert eva.birth_date == date(1979, 5, 2)
    changed = session.scalars(
        select(AuditEvent.after).where(AuditEvent.action == "contact.updated")
    ).all()
    assert changed == [{"via": "accounts", "changed": ["birth_date"]}]  # not the date itself
    _upsert(session, [row])  # no birth date in this file: the stored one stays
    _upsert(session, [dated])  # the same one again: nothing to record
    session.expire_all()
    assert session.get(Contact, eva.id).birth_date == date(1979, 5, 2)
    assert session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "contact.updated")
    ) == 1
