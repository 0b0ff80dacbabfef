"""Web form helpers: a valid post (signed start time well in the past), clean limits."""

from __future__ import annotations

import shutil
from datetime import timedelta
from typing import Any

import pytest

from helpdesk import clock
from helpdesk.channels.webform import tokens as webform
from helpdesk.extensions import limiter
from tests.portal.conftest import outbox_dir
from tests.receipts.conftest import sla_queue  # noqa: F401  (a fixture: a queue with an SLA policy)

ES = {"Accept-Language": "es-MX,es;q=0.9"}


@pytest.fixture(autouse=True)
def fresh_limits_and_outbox(app: Any) -> None:
    with app.app_context():
        limiter.reset()
    shutil.rmtree(outbox_dir(app), ignore_errors=True)


def started(app: Any, seconds_ago: float = 30) -> str:
    return webform.form_token(
        app.config["SECRET_KEY"], now=clock.now() - timedelta(seconds=seconds_ago)
    )


@pytest.fixture
def send_form(app: Any, client: Any) -> Any:
    """Post the form as a person who took half a minute to fill it."""

    def send(http: Any = None, *, headers: dict | None = None, **fields: Any) -> Any:
        data: dict[str, Any] = {
            "name": "María Fernanda López",
            "email": "",
            "phone": "",
            "account": "",
            "kind": "dispute",
            "text": "No reconozco el cargo de $1,250.00 del 3 de octubre.",
            "website": "",
            "started": started(app),
        }
        data.update(fields)
        return (http or client).post(
            "/contacto", data=data, content_type="multipart/form-data",
            headers={**ES, **(headers or {})},
        )  # fmt: skip

    return send


def token_of(response: Any) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    return response.headers["Location"].split("/contacto/recibido/")[1]
