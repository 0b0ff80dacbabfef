"""Webhook endpoints: the admin's writes, and the signing secret.

The secret is generated here (never typed by a person), returned once to be shown, and
stored sealed with the app's key (``helpdesk.secrets``). Audit
events say that a secret changed, never its value. Services flush; the caller commits.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.errors import FieldError
from helpdesk.outbound_webhooks.models import WebhookEndpoint
from helpdesk.secrets import SecretError, seal, unseal

HOLD_STARTED = "account.hold_started"
HOLD_ENDED = "account.hold_ended"
TICKET_OPENED = "ticket.opened"
TICKET_RESOLVED = "ticket.resolved"
TEST = "webhook.test"  # sent from the admin page to one endpoint, whatever it subscribed
EVENT_TYPES = (HOLD_STARTED, HOLD_ENDED, TICKET_OPENED, TICKET_RESOLVED)
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


class EndpointError(FieldError):
    """An endpoint cannot be saved as asked; ``field`` names the culprit."""


def check_url(url: str) -> str:
    """An absolute http(s) URL without credentials (they would end up in logs)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError("url", _l("The address must start with https:// or http://."))
    if parts.username or parts.password:
        raise EndpointError("url", _l("Put no user or password in the address."))
    if len(url) > 500:
        raise EndpointError("url", _l("The address is too long (500 characters at most)."))
    return url


def add_endpoint(
    session: Session,
    *,
    name: str,
    url: str,
    event_types: list[str],
    secret_key: str,
    actor: Actor,
    now: datetime,
) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint with a new secret, sealed with the app's ``secret_key``; returns it
    and the secret (to show once)."""
    name = _check_name(session, name)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        name=name,
        url=check_url(url),
        event_types=_check_types(event_types),
        secret_encrypted=seal(secret, secret_key=secret_key),
        is_active=True,
        created_at=now,
    )
    session.add(endpoint)
    session.flush()
    record(session, actor, "webhook.endpoint_created", endpoint, now=now, after=summary(endpoint))
    return endpoint, secret


def update_endpoint(
    session: Session,
    endpoint: WebhookEndpoint,
    *,
    name: str,
    url: str,
    event_types: list[str],
    actor: Actor,
    now: datetime,
) -> None:
    before = summary(endpoint)
    endpoint.name = _check_name(session, name, endpoint)
    endpoint.url = check_url(url)
    endpoint.event_types = _check_types(event_types)
    session.flush()
    if summary(endpoint) != before:
        record(
            session,
            actor,
            "webhook.endpoint_updated",
            endpoint,
            now=now,
            before=before,
            after=summary(endpoint),
        )


def rotate_secret(
    session: Session, endpoint: WebhookEndpoint, *, secret_key: str, actor: Actor, now: datetime
) -> str:
    """A new secret, effective for the next POST; the old one stops working at once."""
    secret = new_secret()
    endpoint.secret_encrypted = seal(secret, secret_key=secret_key)
    endpoint.secret_rotated_at = now
    record(session, actor, "webhook.secret_rotated", endpoint, now=now)
    return secret


def set_active(
    session: Session, endpoint: WebhookEndpoint, active: bool, *, actor: Actor, now: datetime
) -> None:
    if endpoint.is_active == active:
        return
    endpoint.is_active = active
    action = "webhook.endpoint_activated" if active else "webhook.endpoint_deactivated"
    record(session, actor, action, endpoint, now=now)


def signing_secret(endpoint: WebhookEndpoint, *, secret_key: str) -> str | None:
    """The decrypted secret, or None when the app's key changed (rotate it then)."""
    try:
        return unseal(endpoint.secret_encrypted, secret_key=secret_key)
    except SecretError:
        return None


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def all_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.name)))


def subscribed(session: Session, event_type: str) -> list[WebhookEndpoint]:
    """Active endpoints that want ``event_type`` (JSON lists are filtered here: portable)."""
    active = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.is_active))
    return [e for e in active if event_type in (e.event_types or [])]


def summary(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """What may be shown, logged or audited of an endpoint: never its secret."""
    parts = urlsplit(endpoint.url)
    return {
        "name": endpoint.name,
        # Scheme and host only: a path or query may carry the receiver's own token.
        "url": f"{parts.scheme}://{parts.netloc}",
        "events": list(endpoint.event_types or []),
        "active": endpoint.is_active,
    }


def _check_name(session: Session, name: str, current: WebhookEndpoint | None = None) -> str:
    name = name.strip()
    if not name or len(name) > 80:
        raise EndpointError("name", _l("The name must have 1 to 80 characters."))
    query = select(WebhookEndpoint.id).where(WebhookEndpoint.name == name)
    if current is not None:
        query = query.where(WebhookEndpoint.id != current.id)
    if session.scalar(query) is not None:
        raise EndpointError("name", _l("An endpoint with this name already exists."))
    return name


def _check_types(event_types: list[str]) -> list[str]:
    unknown = [t for t in event_types if t not in EVENT_TYPES]
    if unknown:
        raise EndpointError(
            "event_types", _l("Unknown events: %(names)s", names=", ".join(unknown))
        )
    if not event_types:
        raise EndpointError("event_types", _l("Choose at least one event."))
    return [t for t in EVENT_TYPES if t in event_types]
