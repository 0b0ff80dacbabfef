"""/healthz and /readyz: what a load balancer sees, without a session."""

from __future__ import annotations

import socket

from helpdesk.app import create_app
from helpdesk.extensions import db
from tests.conftest import REDIS_TEST_URL, _port_open, app_config, require_service


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_liveness_answers_without_a_session(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok"}


def test_a_migrated_database_is_ready(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.get_json()["checks"] == {"database": "ok", "migrations": "ok"}


def test_a_database_without_the_schema_is_not_ready(tmp_path):
    app = create_app(app_config(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path))
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["status"] == "not ready"
    assert body["checks"]["migrations"].startswith("pending migrations")
    with app.app_context():
        db.engine.dispose()


def test_an_unreachable_database_is_not_ready_and_says_no_more(tmp_path):
    url = f"postgresql+psycopg://nobody:secret@127.0.0.1:{closed_port()}/nowhere"
    app = create_app(app_config(url, tmp_path))
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["database"] == "unreachable"
    assert "secret" not in answer.get_data(as_text=True)


def test_redis_is_checked_when_jobs_go_through_it(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{closed_port()}/0")
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.get_json()["checks"]["redis"] == "unreachable"

    require_service(_port_open("127.0.0.1", 6379), "Redis is not running on 127.0.0.1:6379")
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_TEST_URL)
    up = client.get("/readyz")
    assert up.status_code == 200
    assert up.get_json()["checks"]["redis"] == "ok"


def test_behind_one_proxy_the_client_address_is_the_forwarded_one(tmp_path):
    from flask import request

    app = create_app(
        app_config(f"sqlite:///{tmp_path / 'proxy.sqlite3'}", tmp_path, PROXY_HOPS=1)
    )
    seen = []
    app.before_request(lambda: seen.append((request.remote_addr, request.scheme)) and None)
    app.test_client().get(
        "/healthz",
        headers={"X-Forwarded-For": "201.141.10.7", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert seen == [("201.141.10.7", "https")]
