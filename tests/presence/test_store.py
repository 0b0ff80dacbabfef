"""The presence stores: who has a ticket open and who is typing, expiring on their own.
Both stores must behave the same; Redis is also shared by separate app instances (what
several gunicorn workers are)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from helpdesk.app import create_app
from helpdesk.presence.store import (
    TYPING_SECONDS,
    VIEWING_SECONDS,
    LocalPresence,
    PresenceStore,
    PresenceUnavailable,
    RedisPresence,
    Viewer,
    presence_store,
)
from tests.conftest import REDIS_TEST_URL, app_config, migrate_to_head, require_service


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def redis_client() -> Iterator[Redis]:
    connection = Redis.from_url(REDIS_TEST_URL)
    try:
        connection.ping()
    except RedisConnectionError:
        require_service(False, f"Redis is not reachable at {REDIS_TEST_URL}")
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.redis)])
def store_and_clock(request: pytest.FixtureRequest) -> tuple[PresenceStore, FakeClock]:
    clock = FakeClock()
    if request.param == "local":
        return LocalPresence(clock=clock), clock
    redis = request.getfixturevalue("redis_client")
    return RedisPresence(redis, prefix=f"test:{uuid.uuid4().hex}", clock=clock), clock


def test_each_viewer_sees_the_others_not_themselves(store_and_clock):
    store, _clock = store_and_clock
    assert store.beat(7, 1, "Lucía Herrera", typing=False) == []
    assert store.beat(7, 2, "Sofía Méndez", typing=False) == [Viewer(1, "Lucía Herrera", False)]
    assert store.beat(7, 3, "Ana Pérez", typing=True) == [
        Viewer(1, "Lucía Herrera", False),
        Viewer(2, "Sofía Méndez", False),
    ]
    assert store.beat(7, 1, "Lucía Herrera", typing=False) == [
        Viewer(3, "Ana Pérez", True),
        Viewer(2, "Sofía Méndez", False),
    ]
    assert store.beat(8, 4, "Otro caso", typing=False) == []  # tickets do not mix


def test_a_page_that_stops_beating_is_gone_after_the_viewing_period(store_and_clock):
    store, clock = store_and_clock
    store.beat(7, 1, "Lucía Herrera", typing=False)
    clock.advance(VIEWING_SECONDS - 1)
    assert [v.name for v in store.beat(7, 2, "Sofía Méndez", typing=False)] == ["Lucía Herrera"]
    clock.advance(2)
    assert store.beat(7, 2, "Sofía Méndez", typing=False) == []
    assert [v.name for v in store.viewers(7)] == ["Sofía Méndez"]


def test_typing_lapses_sooner_than_viewing_and_a_beat_without_typing_ends_it(store_and_clock):
    store, clock = store_and_clock
    store.beat(7, 1, "Lucía Herrera", typing=True)
    assert store.viewers(7) == [Viewer(1, "Lucía Herrera", True)]
    clock.advance(TYPING_SECONDS + 0.5)  # the browser vanished mid-sentence
    assert store.viewers(7) == [Viewer(1, "Lucía Herrera", False)]

    store.beat(7, 1, "Lucía Herrera", typing=True)
    store.beat(7, 1, "Lucía Herrera", typing=False)  # stopped typing
    assert store.viewers(7) == [Viewer(1, "Lucía Herrera", False)]


def test_leaving_is_immediate(store_and_clock):
    store, _clock = store_and_clock
    store.beat(7, 1, "Lucía Herrera", typing=True)
    store.beat(7, 2, "Sofía Méndez", typing=False)
    store.leave(7, 1)
    assert store.viewers(7) == [Viewer(2, "Sofía Méndez", False)]
    store.leave(7, 99)  # never there: nothing to do


def test_the_local_store_forgets_tickets_nobody_opens_again():
    clock = FakeClock()
    store = LocalPresence(clock=clock)
    for ticket_id in range(50):
        store.beat(ticket_id, 1, "Lucía Herrera", typing=False)
    clock.advance(VIEWING_SECONDS * 2)
    store.beat(999, 2, "Sofía Méndez", typing=False)
    assert list(store._tickets) == [999]


@pytest.mark.redis
def test_redis_keys_expire_when_nobody_beats(redis_client):
    store = RedisPresence(redis_client, prefix="expiry")
    store.beat(7, 1, "Lucía Herrera", typing=True)
    ttls = [redis_client.ttl(k) for k in redis_client.keys("expiry:7:*")]
    assert len(ttls) == 3
    assert all(0 < ttl <= VIEWING_SECONDS + 1 for ttl in ttls)


def test_an_unreachable_redis_is_presence_unavailable_not_a_crash():
    store = RedisPresence(Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2))
    with pytest.raises(PresenceUnavailable):
        store.beat(7, 1, "Lucía Herrera", typing=False)
    with pytest.raises(PresenceUnavailable):
        store.viewers(7)


# --- Two app instances, as two gunicorn workers are ------------------------------------


def _signed_in_client(app: Flask, email: str) -> object:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": "contraseña larga 2026"})
    assert response.status_code == 302, response.data[:300]
    return client


@pytest.mark.redis
def test_two_workers_sharing_redis_see_each_others_agents(redis_client, tmp_path: Path):
    from helpdesk import clock
    from helpdesk.audit.services import Actor
    from helpdesk.contacts.services import create_contact
    from helpdesk.extensions import db
    from helpdesk.tickets.services import open_ticket
    from helpdesk.users.services import create_user

    url = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    config = app_config(url, tmp_path, REDIS_URL=REDIS_TEST_URL)
    first, second = create_app(config), create_app(config)
    migrate_to_head(first)
    assert isinstance(presence_store(first), RedisPresence)
    assert presence_store(first) is not presence_store(second)
    with first.app_context():
        actor, now = Actor.system("test"), clock.now()
        people = [("lucia@aclara.mx", "Lucía Herrera"), ("sofia@aclara.mx", "Sofía Méndez")]
        for email, name in people:
            create_user(
                db.session, email=email, name=name, role="agent",
                password="contraseña larga 2026", actor=actor, now=now,
            )
        contact = create_contact(
            db.session, name="Deudor", email="d@correo.mx", actor=actor, now=now
        )
        folio = open_ticket(
            db.session, contact=contact, subject="Cargo", text="No reconozco el cargo.",
            channel="email", folio_prefix="ACL", actor=Actor.for_contact(contact), now=now,
        ).folio
        db.session.commit()

    try:
        lucia = _signed_in_client(first, "lucia@aclara.mx")
        sofia = _signed_in_client(second, "sofia@aclara.mx")
        assert lucia.post(f"/tickets/{folio}/presence", json={"typing": False}).json["others"] == []
        seen_by_sofia = sofia.post(f"/tickets/{folio}/presence", json={"typing": True}).json
        assert [o["name"] for o in seen_by_sofia["others"]] == ["Lucía Herrera"]
        seen_by_lucia = lucia.post(f"/tickets/{folio}/presence", json={"typing": False}).json
        assert seen_by_lucia["others"] == [
            {
                "name": "Sofía Méndez",
                "typing": True,
                "text": "Sofía Méndez está escribiendo una respuesta…",
            }
        ]
    finally:
        for app in (first, second):
            with app.app_context():
                db.engine.dispose()
