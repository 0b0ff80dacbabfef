"""Bulk inserts: COPY on PostgreSQL, executemany elsewhere — the same rows and errors."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from helpdesk import bulk, clock
from helpdesk.contacts.models import Contact, ContactIdentity


def test_ids_come_back_in_order_and_defaults_fill_missing_keys(session, path):
    named = [{"name": f"Deudor {n}", "created_at": clock.now()} for n in range(3)]
    unnamed = [{"created_at": clock.now()}] * 2  # rows share their keys; name is left out
    ids = bulk.insert_rows_returning_ids(session, Contact.__table__, named)
    ids += bulk.insert_rows_returning_ids(session, Contact.__table__, unnamed)
    stored = session.execute(
        select(Contact.id, Contact.name, Contact.language).where(Contact.id.in_(ids))
    ).all()
    expected = [
        (ident, row.get("name", ""), "es") for ident, row in zip(ids, named + unnamed, strict=True)
    ]
    assert sorted(stored) == sorted(expected)
    assert bulk.insert_rows_returning_ids(session, Contact.__table__, []) == []


def test_a_unique_violation_is_sqlalchemys_integrity_error(session, path):
    contact = Contact(name="Ana", created_at=clock.now())
    session.add(contact)
    session.flush()
    row = {"contact_id": contact.id, "kind": "email", "value": "ana@correo.mx"}
    savepoint = session.begin_nested()
    with pytest.raises(IntegrityError):
        bulk.insert_rows(session, ContactIdentity.__table__, [row, dict(row)])
    savepoint.rollback()
    assert session.scalar(select(ContactIdentity.id)) is None
    assert session.get(Contact, contact.id).name == "Ana"  # the transaction goes on


def test_copy_is_the_postgresql_path_for_many_rows(session, backend):
    connection = session.connection()
    assert bulk.uses_copy(connection, bulk.COPY_FROM) is (backend == "postgresql")
    assert not bulk.uses_copy(connection, bulk.COPY_FROM - 1)


@pytest.fixture(params=["copy", "insert"])
def path(request, monkeypatch):
    """Both paths wherever the backend has them (COPY only exists on PostgreSQL)."""
    if request.param == "insert":
        monkeypatch.setattr(bulk, "uses_copy", lambda connection, count: False)
    else:
        monkeypatch.setattr(
            bulk, "uses_copy", lambda connection, count: connection.dialect.name == "postgresql"
        )
    return request.param
