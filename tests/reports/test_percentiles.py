"""``grouped_percentiles`` (two light passes) returns exactly what ``percentile_disc``
(a full sort per group) does: on values full of ties, bucket edges, zeros, negatives
and NULLs, in groups of one value and of thousands, with a NULL key as its own group."""

from __future__ import annotations

import math
import random

import pytest
from sqlalchemy import Boolean, Column, Float, Integer, MetaData, Table, func, insert, select
from sqlalchemy.orm import Session

from helpdesk.reports.percentiles import (
    BUCKETS_PER_E,
    EVERYTHING,
    Measured,
    grouped_percentiles,
)

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], scope="session")

FRACTIONS = (0.1, 0.5, 0.9, 0.95, 1.0)


def _sample_table(session: Session) -> Table:
    table = Table(
        "percentile_sample",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("queue", Integer),
        Column("agent", Integer),
        Column("first", Float),
        Column("second", Float),
        Column("counted", Boolean),
        prefixes=["TEMPORARY"],
    )
    table.create(session.connection())  # gone with the test's transaction
    return table


def _value(rng: random.Random) -> float | None:
    edge = math.exp(rng.randint(0, 600) / BUCKETS_PER_E) - 1  # a bucket's lower edge
    return rng.choice(
        [
            None,
            0.0,
            float(rng.randint(0, 30)),  # many ties
            round(rng.uniform(0, 5000), 1),
            round(rng.lognormvariate(4, 1.5), 1),
            edge,
            math.nextafter(edge, 0),  # just below it
            -round(rng.uniform(0, 100), 1),
            rng.uniform(0, 1e-9),
        ]
    )


def _fill(session: Session, table: Table, rng: random.Random, count: int) -> None:
    rows = [
        {
            "id": n + 1,
            "queue": rng.choice([1, 2, 3, None]),
            # agent 9 gets a single row: a group of one
            "agent": 9 if n == 0 else rng.choice([4, 5, 6, 7, None]),
            "first": 12.5 if n == 0 else _value(rng),
            "second": _value(rng),
            "counted": n == 0 or rng.random() < 0.9,
        }
        for n in range(count)
    ]
    session.execute(insert(table), rows)


def _by_percentile_disc(session: Session, table: Table, value: Column, key: Column | None) -> dict:
    parts = [func.percentile_disc(f).within_group(value) for f in FRACTIONS]
    grouped = [] if key is None else [key]
    statement = (
        select(*grouped, *parts)
        .where(table.c.counted, value.is_not(None))
        .group_by(*grouped)
        .having(func.count(value) > 0)
    )
    found = {}
    for row in session.execute(statement):
        group = None if key is None else row[0]
        found[group] = dict(zip(FRACTIONS, map(float, row[len(grouped) :]), strict=True))
    return found


@pytest.mark.parametrize(
    "seed, count", [(seed, 40 + seed * 7) for seed in range(12)] + [(99, 6000)]
)
def test_the_same_values_as_percentile_disc(session: Session, seed: int, count: int) -> None:
    table = _sample_table(session)
    _fill(session, table, random.Random(seed), count)
    measures = [
        Measured(table.c.first, [table.c.counted]),
        Measured(table.c.second, [table.c.counted]),
    ]
    keys = [table.c.queue, table.c.agent]
    found = grouped_percentiles(
        session, measures, keys, {0: FRACTIONS, 1: FRACTIONS, EVERYTHING: FRACTIONS}
    )

    expected = {}
    for index, measured in enumerate(measures):
        for grouping, key in ((0, keys[0]), (1, keys[1]), (EVERYTHING, None)):
            by_group = _by_percentile_disc(session, table, measured.value, key)
            for group, values in by_group.items():
                expected[(index, grouping, group)] = values
    assert found == expected
    assert (0, 1, 9) in found  # the group of one value is there


def test_only_the_fractions_asked_for_each_grouping(session: Session) -> None:
    table = _sample_table(session)
    _fill(session, table, random.Random(7), 300)
    found = grouped_percentiles(
        session,
        [Measured(table.c.first, [table.c.counted])],
        [table.c.queue],
        {0: (0.5,), EVERYTHING: (0.5, 0.9)},
    )
    assert {len(values) for (_, grouping, _), values in found.items() if grouping == 0} == {1}
    assert set(found[(0, EVERYTHING, None)]) == {0.5, 0.9}


def test_no_values_no_percentiles(session: Session) -> None:
    table = _sample_table(session)
    measures = [Measured(table.c.first, [table.c.counted])]
    assert grouped_percentiles(session, measures, [table.c.queue], {EVERYTHING: (0.5,)}) == {}
