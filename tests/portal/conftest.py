"""Portal helpers: the development outbox where code mails land, and signing in through
the real code flow."""

from __future__ import annotations

import re
import shutil
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from helpdesk.extensions import limiter


def outbox_dir(app: Any) -> Path:
    return Path(app.config["DATA_DIR"]) / "outbox"


@pytest.fixture(autouse=True)
def fresh_limits_and_outbox(app: Any) -> None:
    """Rate-limit counters and the outbox live as long as the app; each test starts clean."""
    with app.app_context():
        limiter.reset()
    shutil.rmtree(outbox_dir(app), ignore_errors=True)


def mails_to(app: Any, address: str) -> list[Any]:
    folder = outbox_dir(app)
    if not folder.exists():
        return []
    parser = BytesParser(policy=policy.default)
    paths = sorted(folder.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)  # oldest first
    mails = [parser.parsebytes(path.read_bytes()) for path in paths]
    return [m for m in mails if address in str(m["To"])]


def code_mails_to(app: Any, address: str) -> list[Any]:
    """Sign-in code mails only (agents' replies land in the same outbox)."""
    return [m for m in mails_to(app, address) if re.search(r": \d{6}$", str(m["Subject"]))]


def code_from(mail: Any) -> str:
    return re.search(r"\b(\d{6})\b", mail.get_body(("plain",)).get_content()).group(1)


@pytest.fixture
def portal_sign_in(app: Any, client: Any) -> Any:
    """Sign a contact in through the form and the mailed code; returns the client."""

    def sign_in(contact: Any, http: Any = None) -> Any:
        http = http or client
        response = http.post("/portal/login", data={"email": contact.email})
        assert response.status_code == 302, response.data[:300]
        code = code_from(code_mails_to(app, contact.email)[-1])
        response = http.post("/portal/verify", data={"code": code})
        assert response.status_code == 302 and response.headers["Location"] == "/portal/"
        return http

    return sign_in
