"""Outbound webhook tests: the collection system's receiver on loopback, an endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import current_app

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.outbound_webhooks import services as endpoints
from tests.outbound_webhooks import receiver as receiver_server


@pytest.fixture
def receiver() -> Iterator[receiver_server.Receiver]:
    state, server = receiver_server.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def endpoint(session: Any, receiver: receiver_server.Receiver) -> tuple[Any, str]:
    """An endpoint subscribed to every event; returns it and its secret."""
    row, secret = endpoints.add_endpoint(
        session,
        name="Sistema de cobranza",
        url=receiver.url,
        event_types=list(endpoints.EVENT_TYPES),
        secret_key=current_app.config["SECRET_KEY"],
        actor=Actor.system("test"),
        now=clock.now(),
    )
    session.commit()
    return row, secret
