"""The few SQL pieces PostgreSQL and SQLite spell differently, so each figure is written once.

* Percentiles are *nearest rank* on both (the value at rank ⌈p·n⌉ in ascending order):
  ``percentile_disc`` on PostgreSQL, ``row_number`` and ``count`` windows on SQLite. The
  report's per-queue and per-agent times on PostgreSQL come from
  ``percentiles.grouped_percentiles``, the same values without a sort per group.
* Seconds between two timestamps: ``extract(epoch …)`` or ``julianday`` arithmetic.
* Days: PostgreSQL groups by the number of the period's local day a moment falls in
  (``width_bucket`` among the period's local midnights); SQLite keeps no zones, so it
  groups by UTC hour and :func:`local_days` folds the hours into local days. Either way
  the database returns one row per bucket, never one per ticket.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    DateTime,
    Float,
    Numeric,
    Select,
    Text,
    and_,
    cast,
    func,
    literal_column,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

if TYPE_CHECKING:
    from helpdesk.reports.scope import Period


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# What the report's reads ask of PostgreSQL's planner, for their transaction only.
# random_page_cost 1.1 instead of 4: tables and indexes sit on SSDs or in the page cache,
# where reading a page out of order costs about what reading the next one does. With 4 the
# planner hashes a whole 1,000,000-row table (a parallel sequential scan) to join the
# month's 17,000 outcomes or holds to their tickets instead of looking each one up by its
# key (0.5 s against 0.06 s each, measured at 1,000,000 tickets; docs/benchmarks.md).
# work_mem 64 MB instead of 4: a month's 81,000 rows sorted for the percentiles spill to
# disk at 4 MB. Read-only statements, a few a report: the memory is held for seconds.
REPORT_PLANNER = {"random_page_cost": "1.1", "work_mem": "64MB"}


@contextmanager
def report_planner(session: Session, *, zone: str | None = None) -> Iterator[None]:
    """Run the block with :data:`REPORT_PLANNER` on PostgreSQL (``set_config(…, true)``:
    local to the transaction), and with the session's ``TimeZone`` set to ``zone`` if
    given (for :func:`iso_time`), then put back what was there. Nothing on SQLite."""
    if not is_postgres(session):
        yield
        return
    wanted = dict(REPORT_PLANNER)
    if zone is not None:
        wanted["TimeZone"] = ZoneInfo(zone).key
        # Floats as their shortest exact text (PostgreSQL's default, unless a server or
        # role says otherwise): the ticket CSV rounds that text (see ``csv_number``).
        wanted["extra_float_digits"] = "1"
    names = list(wanted)
    current = session.execute(select(*(func.current_setting(name) for name in names))).one()
    _set(session, wanted)
    yield
    # Not in a ``finally``: after an error the transaction is rolled back, and a local
    # setting goes with it.
    _set(session, dict(zip(names, current, strict=True)))


def _set(session: Session, values: dict[str, Any]) -> None:
    """One round trip for all of them."""
    calls = ", ".join(f"set_config(:name{n}, :value{n}, true)" for n in range(len(values)))
    parameters: dict[str, str] = {}
    for n, (name, value) in enumerate(values.items()):
        parameters[f"name{n}"], parameters[f"value{n}"] = name, str(value)
    session.execute(text(f"SELECT {calls}"), parameters)


def iso_time(session: Session, column: Any) -> Any:
    """PostgreSQL: ``column`` as Python's ``isoformat()`` writes it in the session's time
    zone (``2026-11-13T17:00:00-06:00``, ``.ffffff`` only when there are microseconds).
    SQLite: the column itself (naive UTC), for Python to format."""
    if not is_postgres(session):
        return type_coerce(column, DateTime())
    # One to_char with the microseconds, then drop them when they are zero: ".000000"
    # cannot occur anywhere else in the text.
    spelled = func.to_char(column, literal_column("""'YYYY-MM-DD"T"HH24:MI:SS.USTZH:TZM'"""))
    return func.replace(spelled, literal_column("'.000000'"), literal_column("''"))


def csv_number(column: Any) -> Any:
    """A float rounded to one decimal as ``export._minutes`` writes it: the shortest text
    that reads back as the float (``extra_float_digits`` 1, set by :func:`report_planner`),
    rounded half up as a decimal (``round(numeric)``), e.g. ``390.0``, ``0.2`` for 0.15."""
    return func.round(cast(cast(column, Text), Numeric), 1)


def csv_text(column: Any) -> Any:
    """A text column for ``COPY … (FORMAT csv)``, which quotes an empty string (``""``) to
    tell it from NULL where Python's ``csv`` writes nothing for either."""
    return func.nullif(column, "")


def copy_csv(session: Session, statement: Select[Any]) -> Iterator[bytes]:
    """The rows of ``statement`` as CSV written by PostgreSQL itself (``COPY (…) TO STDOUT
    WITH (FORMAT csv)`` through psycopg): one ``\\n``-terminated line per row, as the
    server sends them, in the session's transaction, never more than one row in memory.

    COPY takes no server-side parameters: psycopg binds them into the text client-side,
    quoted as literals. SQLAlchemy's bind processors are applied first (an aware time to
    UTC); the items of an ``IN`` list have none of their own and go as they are."""
    connection = session.connection()
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    parameters = compiled.construct_params()
    for key, value in parameters.items():
        bind = compiled.binds.get(key)
        process = None if bind is None else bind.type.bind_processor(dialect)
        if process is not None:
            parameters[key] = process(value)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    copy = f"COPY ({compiled.string}) TO STDOUT WITH (FORMAT csv)"
    with cursor, cursor.copy(copy, parameters) as rows:
        yield from rows


def seconds_between(session: Session, start: Any, end: Any) -> ColumnElement[float]:
    if is_postgres(session):
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def percentiles(
    session: Session,
    value: ColumnElement[Any],
    conditions: Sequence[ColumnElement[bool]],
    *,
    group: ColumnElement[Any] | None = None,
    fractions: Sequence[float] = (0.5, 0.9),
    join: Any = None,
) -> dict[Hashable, tuple[float | None, ...]]:
    """Nearest-rank percentiles of ``value`` over the rows meeting ``conditions``,
    per ``group`` (the key ``None`` when there is no group)."""
    key = group if group is not None else literal_column("NULL")
    if is_postgres(session):
        parts = [func.percentile_disc(f).within_group(value) for f in fractions]
        statement = _joined(select(key, *parts), join).where(*conditions, value.is_not(None))
        if group is not None:
            statement = statement.group_by(group)
        return {row[0]: tuple(_float(v) for v in row[1:]) for row in session.execute(statement)}
    ranked = _joined(
        select(
            key.label("k"),
            value.label("v"),
            func.row_number().over(partition_by=group, order_by=value).label("rn"),
            func.count().over(partition_by=group).label("n"),
        ),
        join,
    ).where(*conditions, value.is_not(None))
    inner = ranked.subquery()
    result: dict[Hashable, list[float | None]] = defaultdict(lambda: [None] * len(fractions))
    for index, fraction in enumerate(fractions):
        target = cast(inner.c.n, Float) * fraction
        picked = select(inner.c.k, inner.c.v).where(
            and_(inner.c.rn >= target, inner.c.rn - 1 < target)
        )
        for k, v in session.execute(picked):
            result[k][index] = _float(v)
    return {k: tuple(v) for k, v in result.items()}


def _joined(statement: Select[Any], join: Any) -> Select[Any]:
    return statement.select_from(join) if join is not None else statement


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def day_bucket(session: Session, column: Any, period: Period) -> ColumnElement[Any]:
    """What to group by for "per local day of ``period``" (see :func:`local_days`)."""
    if is_postgres(session):
        # The number of the day (1 for the first) by a binary search among the period's
        # local midnights: a year's 991,000 tickets bucket in a fifth of the time that
        # ``timezone(zone, column)::date`` takes (docs/benchmarks.md). The midnights are
        # spelled into the SQL, not bound: PostgreSQL groups by an expression only when the
        # select list repeats it exactly, and two parameters never match. They are our
        # own ``isoformat()`` of aware datetimes.
        starts = [datetime.combine(day, time(), period.tz) for day in period.days]
        moments = [moment.astimezone(UTC).isoformat() for moment in [*starts, period.end_at]]
        spelled = "ARRAY[" + ", ".join(f"'{moment}'" for moment in moments) + "]::timestamptz[]"
        return func.width_bucket(column, literal_column(spelled))
    return func.strftime("%Y-%m-%d %H", column)


def local_day(value: Any, period: Period) -> date:
    """The local date of a bucket value returned for :func:`day_bucket`."""
    if isinstance(value, int):
        return period.days[value - 1]
    return _hour_to_day(str(value), period.zone)


@lru_cache(maxsize=65_536)
def _hour_to_day(hour: str, zone: str) -> date:
    """``2026-11-13 23`` (UTC) as a local date; cached: per-group rows repeat each hour."""
    moment = datetime(int(hour[:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13]), tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone)).date()


def local_days(
    rows: Iterable[Sequence[Any]], period: Period, *, key_index: int = 0
) -> dict[tuple[Any, ...], list[Any]]:
    """Fold rows of (…, bucket, …, counts…) into per-local-day sums.

    The key of the result is the row's non-numeric leading fields with the bucket replaced
    by its local date; every field after ``key_index`` … is summed."""
    folded: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        head = list(row[: key_index + 1])
        head[key_index] = local_day(row[key_index], period)
        sums = folded.setdefault(tuple(head), [0] * (len(row) - key_index - 1))
        for i, value in enumerate(row[key_index + 1 :]):
            sums[i] += value or 0
    return folded


def as_utc(value: Any) -> Any:
    """A datetime from a raw column as an aware UTC one (SQLite returns them naive, and
    expressions lose the column type that would say so); anything else as it is."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
