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

from sqlalchemy import Column, Connection, Table, exc, insert, text
from sqlalchemy.orm import Session

# Ids for n rows in one round trip (one array, not n rows); taken from the sequence, so
# never given twice.
_NEXT_IDS = text(
    "SELECT array_agg(nextval(pg_get_serial_sequence(:table, 'id'))) FROM generate_series(1, :n)"
)


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``."""
    if not rows:
        return
    connection = session.connection()
    if uses_copy(connection):
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
    if not uses_copy(connection):
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(session.scalars(statement, list(rows)))
    ids = session.scalar(_NEXT_IDS, {"table": table.name, "n": len(rows)})
    _copy(connection, table, [{**row, "id": ident} for row, ident in zip(rows, ids, strict=True)])
    return ids


_UNSET = object()


def uses_copy(connection: Connection) -> bool:
    """Whether rows go through COPY here (tests turn it off to compare both paths)."""
    return connection.dialect.name == "postgresql"


def _copy(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    dialect = connection.dialect
    given = [c for c in table.columns if c.key in rows[0]]
    defaults = [(c, _scalar_default(c)) for c in table.columns if c.key not in rows[0]]
    defaults = [(c, value) for c, value in defaults if value is not None]
    columns = given + [c for c, _ in defaults]
    processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    processed = [(n, p) for n, p in enumerate(processors) if p is not None]
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in columns)
    statement = f"COPY {quote(table.name)} ({names}) FROM STDIN (FORMAT BINARY)"
    fixed = [value for _, value in defaults]
    keys = [c.key for c in given]
    raw = connection.connection.driver_connection
    try:
        with raw.cursor() as cursor:
            types = _column_types(cursor, table.name, [c.name for c in columns])
            with cursor.copy(statement) as copy:
                copy.set_types(types)
                # Many rows share one value (the import's ``now``, a constant JSON):
                # bind processing is pure, so it runs again only when the value changes.
                last: dict[int, tuple[Any, Any]] = {}
                for row in rows:
                    values = [row[key] for key in keys]
                    values += fixed
                    for n, process in processed:
                        before, after = last.get(n, (_UNSET, None))
                        if values[n] is not before:
                            after = process(values[n])
                            last[n] = (values[n], after)
                        values[n] = after
                    copy.write_row(values)
    except dialect.loaded_dbapi.Error as error:
        # The same exception classes (IntegrityError…) as a statement run through SQLAlchemy.
        raise exc.DBAPIError.instance(statement, None, error, dialect.loaded_dbapi.Error) from error


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
