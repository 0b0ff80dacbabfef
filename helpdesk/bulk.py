"""Inserting thousands of rows in one go (the accounts import).

On PostgreSQL the rows go through ``COPY … FROM STDIN`` and the ids the caller needs are
taken from the table's sequence in one query beforehand: no statement with thousands of
placeholders to build, send and parse, no ``RETURNING`` to sort back into order. Other
databases (SQLite) get the portable executemany ``INSERT`` (``RETURNING`` when ids are
needed). Both write the same rows: values go through each column's bind processing, and
scalar column defaults fill in the keys a row leaves out, as ``insert()`` would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Connection, Table, any_, cast, exc, insert
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from helpdesk.db import draw_ids


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``."""
    if not rows:
        return
    connection = session.connection()
    if uses_copy(connection, len(rows)):
        _copy(connection, table, rows)
    else:
        session.execute(insert(table), list(rows))


def insert_rows_returning_ids(
    session: Session, table: Table, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert ``rows`` into ``table`` (primary key ``id``) and return their ids, in order."""
    if not rows:
        return []
    connection = session.connection()
    if not uses_copy(connection, len(rows)):
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(session.scalars(statement, list(rows)))
    ids = draw_ids(session, {table.name: len(rows)})[table.name]
    _copy(connection, table, rows, ids=ids)
    return ids


# Below this many rows a plain INSERT is as fast and takes fewer round trips (COPY also
# asks for the column types first): one account through the API stays a few statements.
COPY_FROM = 50


def any_of(session: Session, column: Any, values: list[Any]) -> list[Any]:
    """Conditions ``column IN values``, as few and as cheap as the database allows: one
    array parameter on PostgreSQL (a thousand placeholders cost more to prepare than to
    run), chunks of placeholders elsewhere."""
    if not values:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return [column == any_(cast(values, ARRAY(column.type)))]
    return [column.in_(values[start : start + 500]) for start in range(0, len(values), 500)]



def uses_copy(connection: Connection, count: int) -> bool:
    """Whether ``count`` rows go through COPY (tests switch it to compare both paths)."""
    return connection.dialect.name == "postgresql" and count >= COPY_FROM


def _copy(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    ids: Sequence[int] | None = None,
) -> None:
    """COPY ``rows`` (and their ``ids`` when given) into ``table``, in binary format."""
    given = [c for c in table.columns if c.key in rows[0]]
    defaults = [(c, _scalar_default(c)) for c in table.columns if c.key not in rows[0]]
    defaults = [(c, value) for c, value in defaults if value is not None]
    columns = ([table.c.id] if ids is not None else []) + given + [c for c, _ in defaults]
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in columns)
    statement = f"COPY {quote(table.name)} ({names}) FROM STDIN (FORMAT BINARY)"
    values = [list(ids)] if ids is not None else []
    values += [[row[c.key] for row in rows] for c in given]
    values += [[value] * len(rows) for _, value in defaults]
    dbapi = connection.dialect.loaded_dbapi
    try:
        with connection.connection.driver_connection.cursor() as cursor:
            types = _column_types(cursor, table.name, [c.name for c in columns])
            values = [
                _processed(connection.dialect, column, column_values, as_text=oid == _JSON)
                for column, column_values, oid in zip(columns, values, types, strict=True)
            ]
            with cursor.copy(statement) as copy:
                copy.set_types([_TEXT if oid == _JSON else oid for oid in types])
                for line in zip(*values, strict=True):
                    copy.write_row(line)
    except dbapi.Error as error:
        # The same exception classes (IntegrityError…) as a statement run through SQLAlchemy.
        raise exc.DBAPIError.instance(statement, None, error, dbapi.Error) from error


_UNSET = object()
# The binary form of PostgreSQL's json is its text: JSON values go out as serialized text.
_JSON, _TEXT = 114, 25


def _processed(dialect: Any, column: Column[Any], values: list[Any], *, as_text: bool) -> list[Any]:
    """A column's ``values`` through its bind processing (``insert()`` does the same).

    ``as_text``: JSON serialized by the generic type (with the dialect's serializer, as
    the driver would), rather than wrapped for the driver to serialize row by row. Many
    rows share one value (the import's ``now``, a constant JSON): processing is pure, so
    it runs again only when the value changes.
    """
    kind = column.type if as_text else column.type.dialect_impl(dialect)
    process = kind.bind_processor(dialect)
    if process is None:
        return values
    processed, before, after = [], _UNSET, None
    for value in values:
        if value is not before:
            before, after = value, process(value)
        processed.append(after)
    return processed


def _column_types(cursor: Any, table: str, names: list[str]) -> list[int]:
    """The type oids of ``names`` in ``table``: binary COPY needs them, in order."""
    cursor.execute(
        "SELECT attname, atttypid FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attname = ANY(%s)",
        (table, names),
    )
    oids = dict(cursor.fetchall())
    return [oids[name] for name in names]


def _scalar_default(column: Column[Any]) -> Any:
    default = column.default
    if default is None or column.primary_key:
        return None
    if not default.is_scalar:
        raise NotImplementedError(f"{column}: only scalar defaults are filled in by COPY")
    return default.arg
