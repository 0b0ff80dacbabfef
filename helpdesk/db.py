"""Declarative base, the UTC datetime column type and the constraint naming convention."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator, event, func, select, text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC. Naive datetimes are refused: they hide bugs."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime refused: {value!r}")
        value = value.astimezone(UTC)
        # SQLite keeps no zone: store naive UTC there, aware everywhere else.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite behave: foreign keys on, WAL, a busy timeout, and real SAVEPOINTs.

    pysqlite opens transactions lazily on its own, which breaks nested transactions;
    SQLAlchemy's documented recipe takes that over and emits BEGIN itself.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def configure_postgresql(engine: Engine) -> None:
    """Send list parameters (``= ANY(array)`` lookups) in binary: psycopg's text form
    quotes every element in Python, six times slower for the import's arrays of 5,000
    keys. The database receives the same array either way."""
    if engine.dialect.name != "postgresql":
        return
    from psycopg.types.array import ListBinaryDumper

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.adapters.register_dumper(list, ListBinaryDumper)


_TRANSACTION_CACHE = "db.transaction_cache"


def transaction_cache(session: Session, name: str) -> dict[Any, Any]:
    """A dict that lives until ``session``'s transaction ends (commit or any rollback).

    For lookups repeated while one transaction ingests a group of messages (the same
    sender's contact, say); dropping it at every rollback keeps it from ever holding an
    object the database no longer has.
    """
    caches: dict[str, dict[Any, Any]] = session.info.setdefault(_TRANSACTION_CACHE, {})
    return caches.setdefault(name, {})


def cached(session: Session, name: str) -> dict[Any, Any] | None:
    """The transaction cache ``name`` if something filled it (a group's prefetch), else None."""
    return session.info.get(_TRANSACTION_CACHE, {}).get(name)


_ID_BLOCKS = "db.id_blocks"


def reserve_ids(session: Session, counts: Mapping[type[Any], int]) -> dict[type[Any], list[int]]:
    """Give the next ``count`` new objects of each model in this transaction their ids as
    soon as they join the session, before any flush.

    A group of messages can then be built in memory with every id known (what refers to
    them, the SLA memory, the audit trail) and written by one flush of multi-row INSERTs
    without RETURNING, instead of a flush per message to learn each id. PostgreSQL draws
    the ids from the tables' sequences (:func:`draw_ids`); SQLite, which serialises
    writers, counts on from the largest id (a concurrent writer would make the flush fail,
    and the caller falls back).
    """
    wanted = {model: count for model, count in counts.items() if count > 0}
    if session.get_bind().dialect.name == "postgresql":
        drawn = draw_ids(session, {model.__table__.name: n for model, n in wanted.items()})
        ids = {model: drawn[model.__table__.name] for model in wanted}
    else:
        ids = {}
        for model, count in wanted.items():
            start = (session.scalar(select(func.max(model.__table__.c.id))) or 0) + 1
            ids[model] = list(range(start, start + count))
    blocks = session.info.setdefault(_ID_BLOCKS, {})
    for model, reserved in ids.items():
        blocks[model] = deque(reserved)
    return ids


def draw_ids(session: Session, counts: Mapping[str, int]) -> dict[str, list[int]]:
    """The next ``count`` values of each table's ``id`` sequence (PostgreSQL), all tables
    in one statement. Never given twice, even to concurrent transactions; the ones left
    unused are simply skipped, as sequences do."""
    wanted = [(table, count) for table, count in counts.items() if count > 0]
    if not wanted:
        return {}
    # Only numbered placeholders go into the text; sequence names and counts are bound.
    branches = [
        f"SELECT {n}, array_agg(nextval(CAST(:s{n} AS regclass))) "  # noqa: S608
        f"FROM generate_series(1, :n{n})"
        for n in range(len(wanted))
    ]
    params: dict[str, Any] = {}
    for n, (table, count) in enumerate(wanted):
        params |= {f"s{n}": _id_sequence(session, table), f"n{n}": count}
    rows = session.execute(text(" UNION ALL ".join(branches)), params)
    return {wanted[branch][0]: list(ids) for branch, ids in rows}


_SEQUENCES: dict[tuple[str, str], str] = {}


def _id_sequence(session: Session, table: str) -> str:
    """The sequence behind ``table.id``, asked once per database and table (asking inside
    the drawing query cost a catalog lookup for every id: 25 ms for 5,000)."""
    key = (session.connection().engine.url.render_as_string(), table)
    if key not in _SEQUENCES:
        _SEQUENCES[key] = session.scalar(
            text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}
        )
    return _SEQUENCES[key]


def release_ids(session: Session) -> None:
    """Stop giving reserved ids (the unused ones are simply skipped, as sequences do)."""
    session.info.pop(_ID_BLOCKS, None)


@event.listens_for(Session, "transient_to_pending")
def _give_reserved_id(session: Session, instance: Any) -> None:
    block = session.info.get(_ID_BLOCKS, {}).get(type(instance))
    if block and getattr(instance, "id", None) is None:
        instance.id = block.popleft()


@event.listens_for(Session, "after_transaction_end")
def _drop_at_the_end(session: Session, transaction: SessionTransaction) -> None:
    # Only the outermost transaction: a savepoint released inside it (after_commit fires
    # for those too) leaves everything the caches hold in place.
    if transaction.parent is None:
        _drop_transaction_cache(session)


@event.listens_for(Session, "after_soft_rollback")
def _drop_transaction_cache(session: Session, *_: Any) -> None:
    forget_transaction_caches(session)


def forget_cache(session: Session, *names: str) -> None:
    """Drop these transaction caches now (their rows were changed another way)."""
    caches = session.info.get(_TRANSACTION_CACHE, {})
    for name in names:
        caches.pop(name, None)


def forget_transaction_caches(session: Session) -> None:
    session.info.pop(_TRANSACTION_CACHE, None)
    session.info.pop(_ID_BLOCKS, None)


def caches_intact(session: Session, *names: str) -> bool:
    """Whether these transaction caches are still there (a rollback drops them)."""
    return all(cached(session, name) is not None for name in names)
