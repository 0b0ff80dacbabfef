"""Admin screens: a client that proves who it is on every request (two browsers in one
test), fresh rate limits and an empty development outbox per test."""

from __future__ import annotations

import re
import shutil
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from flask import g
from flask.testing import FlaskClient

from helpdesk.extensions import limiter


class Browser(FlaskClient):
    """Flask-Login caches the user in ``g``, which outlives requests in tests."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app, session):
    app.test_client_class = Browser
    try:
        yield app.test_client()
    finally:
        app.test_client_class = None


@pytest.fixture(autouse=True)
def fresh_limits_and_outbox(app: Any) -> None:
    with app.app_context():
        limiter.reset()
    shutil.rmtree(outbox_dir(app), ignore_errors=True)


def outbox_dir(app: Any) -> Path:
    return Path(app.config["DATA_DIR"]) / "outbox"


def mails_to(app: Any, address: str) -> list[Any]:
    folder = outbox_dir(app)
    if not folder.exists():
        return []
    parser = BytesParser(policy=policy.default)
    paths = sorted(folder.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
    mails = [parser.parsebytes(path.read_bytes()) for path in paths]
    return [m for m in mails if address in str(m["To"])]


def reset_link(mail: Any) -> str:
    """The path of the reset link in a mail (the test client wants no host)."""
    text = mail.get_body(("plain",)).get_content()
    url = re.search(r"https?://\S+/password/reset/\S+", text).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]
