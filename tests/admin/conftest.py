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

from helpdesk.extensions import limiter


@pytest.fixture
def client(cookie_client: Any) -> Any:
    return cookie_client


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
