"""The mail poll's Redis lock heals: a short time to live, renewed while the poll runs, so a
poller killed with ``kill -9`` frees its mailbox within a minute (not fifteen)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from helpdesk.app import create_app
from helpdesk.channels.email.poll import mailbox_lock
from tests.conftest import REDIS_TEST_URL, app_config, require_service
from tests.factories import email_settings

REPO_ROOT = Path(__file__).resolve().parents[3]
KEY = "aclara:lock:mail-poll:{}"


def test_the_lock_lives_a_minute_by_default_and_is_configurable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lock.sqlite3'}"
    assert create_app(app_config(url, tmp_path)).config["MAIL_POLL_LOCK_SECONDS"] == 60
    tuned = create_app(app_config(url, tmp_path, MAIL_POLL_LOCK_SECONDS="5"))
    assert tuned.config["MAIL_POLL_LOCK_SECONDS"] == 5


@pytest.fixture
def redis13() -> Iterator[Redis]:
    connection = Redis.from_url(REDIS_TEST_URL)
    try:
        connection.ping()
    except RedisConnectionError:
        require_service(False, f"Redis is not reachable at {REDIS_TEST_URL}")
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.mark.redis
def test_a_poll_longer_than_the_ttl_keeps_its_lock(
    app: Flask, redis13: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_TEST_URL)
    monkeypatch.setitem(app.config, "MAIL_POLL_LOCK_SECONDS", 0.6)
    mailbox_id = 20_000 + os.getpid()
    with app.app_context(), mailbox_lock(mailbox_id, email_settings()) as held:
        assert held
        for _ in range(4):  # 2 s: more than three times the time to live
            time.sleep(0.5)
            assert 0 < redis13.pttl(KEY.format(mailbox_id)) <= 600
            with mailbox_lock(mailbox_id, email_settings()) as second:
                assert not second
    assert redis13.exists(KEY.format(mailbox_id)) == 0  # released at the end


HOLDER = textwrap.dedent(
    """
    import sys, time
    from helpdesk.app import create_app
    from helpdesk.channels.email.poll import mailbox_lock
    from helpdesk.channels.email.settings import EmailSettings
    from tests.conftest import app_config
    from pathlib import Path

    home, seconds, mailbox_id = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    overrides = {"REDIS_URL": sys.argv[4]}
    if seconds != "default":
        overrides["MAIL_POLL_LOCK_SECONDS"] = seconds
    app = create_app(app_config(f"sqlite:///{home / 'holder.sqlite3'}", home, **overrides))
    settings = EmailSettings.from_config(app.config)
    with app.app_context(), mailbox_lock(mailbox_id, settings) as held:
        print("held" if held else "not held", flush=True)
        time.sleep(600)
    """
)


def hold_then_kill(tmp_path: Path, seconds: str, mailbox_id: int) -> None:
    """A poller that takes the lock, then ``kill -9`` after its first renewal."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path), seconds, str(mailbox_id), REDIS_TEST_URL],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "held", process.stderr.read()
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.mark.redis
def test_a_killed_pollers_mailbox_is_free_again_within_the_ttl(
    app: Flask, redis13: Redis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_TEST_URL)
    mailbox_id = 30_000 + os.getpid()
    hold_then_kill(tmp_path, "1.5", mailbox_id)
    killed_at = time.monotonic()

    with app.app_context():
        with mailbox_lock(mailbox_id, email_settings()) as right_after:
            assert not right_after  # the dead poller's lock is still there ...
        # ... set to live no longer than its TTL (Redis's clock, not this machine's speed)
        assert 0 < redis13.pttl(KEY.format(mailbox_id)) <= 1500
        while time.monotonic() - killed_at < 5:
            with mailbox_lock(mailbox_id, email_settings()) as held:
                if held:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("the killed poller's lock did not expire")


@pytest.mark.redis
def test_with_the_default_setting_a_killed_pollers_lock_expires_within_a_minute(
    redis13: Redis, tmp_path: Path
) -> None:
    mailbox_id = 40_000 + os.getpid()
    hold_then_kill(tmp_path, "default", mailbox_id)

    assert 0 < redis13.pttl(KEY.format(mailbox_id)) <= 60_000
