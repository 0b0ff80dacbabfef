"""``helpdesk doctor``: everything that is missing or unsafe before (and while) running
for real, each with what to do about it.

A *blocking* finding means the installation does not work as a contact centre expects:
mail would not go out, a mailbox cannot be read, the schema is behind the code. A
*warning* is something an operator should look at soon (mail in quarantine, failed
webhook deliveries, a growing queue). The command exits 1 when anything blocks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.channels.email.imap import SERVER_ERRORS, check_mailbox, describe
from helpdesk.channels.email.models import InboundEmail, Mailbox
from helpdesk.channels.whatsapp.client import GraphError
from helpdesk.channels.whatsapp.models import WhatsAppNumber
from helpdesk.channels.whatsapp.numbers import NumberError, check_connection
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.health import OK, readiness
from helpdesk.jobs import QUEUES, redis_connection
from helpdesk.outbound_webhooks.delivery import FAILED
from helpdesk.outbound_webhooks.models import WebhookDelivery
from helpdesk.tickets.models import Message
from helpdesk.tickets.vocabulary import Delivery

log = logging.getLogger(__name__)

BLOCKING = "blocking"
WARNING = "warning"
QUEUE_BACKLOG = 1_000  # jobs waiting in one queue before it is worth a look
STUCK_AFTER = timedelta(minutes=15)  # an outgoing message still queued this long


@dataclass(frozen=True)
class Finding:
    severity: str  # blocking | warning
    area: str
    message: str


def diagnose(
    session: Session, config: dict[str, Any], *, migrations: Path, now: datetime
) -> list[Finding]:
    """Every finding, blocking ones first. Talks to the mail servers and the Graph API.

    The checks that read tables run only once the schema is there and current."""
    findings = [*_settings(config), *_redis(config)]
    schema = list(_database(session, config, migrations))
    findings += schema
    if not is_blocked(schema):
        checks: list[Callable[[], Iterator[Finding]]] = [
            lambda: _mailboxes(session, config["SECRET_KEY"]),
            lambda: _whatsapp_numbers(session, WhatsAppSettings.from_config(config)),
            lambda: _backlog(session, now),
        ]
        findings += [finding for check in checks for finding in check()]
    return sorted(findings, key=lambda f: f.severity != BLOCKING)


def is_blocked(findings: list[Finding]) -> bool:
    return any(f.severity == BLOCKING for f in findings)


def _settings(config: dict[str, Any]) -> Iterator[Finding]:
    production = config["ENV"] == "production"
    if not production:
        yield Finding(WARNING, "settings", "HELPDESK_ENV is not production: cookies are not "
                      "marked secure and a missing secret key is generated locally")  # fmt: skip
    if len(config.get("SECRET_KEY") or "") < 32:
        yield Finding(BLOCKING, "settings", "HELPDESK_SECRET_KEY must have at least 32 characters")
    if not config.get("SMTP_URL"):
        severity = BLOCKING if production else WARNING
        yield Finding(severity, "mail", "HELPDESK_SMTP_URL is not set: acknowledgements and "
                      "replies from queues without a mailbox SMTP account go to the "
                      "development outbox folder, not to debtors")  # fmt: skip
    if not config.get("MAIL_FROM"):
        yield Finding(WARNING, "mail", "HELPDESK_MAIL_FROM is not set: tickets whose queue "
                      "has no mailbox have no From address")  # fmt: skip
    if production and not config.get("PROXY_HOPS"):
        yield Finding(WARNING, "settings", "HELPDESK_PROXY_HOPS is 0: behind nginx every "
                      "request seems to come from nginx and shares one rate limit")  # fmt: skip


def _database(session: Session, config: dict[str, Any], migrations: Path) -> Iterator[Finding]:
    checks = readiness(session, migrations=migrations, redis_url=None)
    if checks["database"] != OK:
        yield Finding(BLOCKING, "database", "the database is unreachable (HELPDESK_DATABASE_URL)")
    elif checks["migrations"] != OK:
        yield Finding(BLOCKING, "database", "migrations are pending: run `helpdesk init-db`")
    if config["ENV"] == "production" and session.get_bind().dialect.name == "sqlite":
        yield Finding(WARNING, "database", "SQLite in production: fine on one machine, "
                      "PostgreSQL for several web servers")  # fmt: skip


def _redis(config: dict[str, Any]) -> Iterator[Finding]:
    url = config.get("REDIS_URL")
    connection = redis_connection(url) if url else None
    if connection is None:
        severity = BLOCKING if config["ENV"] == "production" else WARNING
        yield Finding(severity, "jobs", "REDIS_URL is not set: jobs run inside web requests "
                      "and no cron runs the mail poll, the SLA sweep or reminders")  # fmt: skip
        return
    try:
        lengths = {name: connection.llen(f"rq:queue:{name}") for name in QUEUES}
    except RedisError as error:
        yield Finding(BLOCKING, "jobs", f"Redis does not answer: {type(error).__name__}")
        return
    for name, waiting in lengths.items():
        if waiting >= QUEUE_BACKLOG:
            yield Finding(WARNING, "jobs", f"{waiting} jobs wait in the {name} queue: is its "
                          f"worker running? (systemctl status aclara-worker@{name})")  # fmt: skip


def _mailboxes(session: Session, secret_key: str) -> Iterator[Finding]:
    for mailbox in session.scalars(select(Mailbox).where(Mailbox.is_active)):
        try:
            check_mailbox(mailbox, secret_key=secret_key)
        except SERVER_ERRORS as error:
            yield Finding(BLOCKING, "mail", f"mailbox {mailbox.name} cannot log in and read "
                          f"{mailbox.folder}: {describe(error)}")  # fmt: skip
            continue
        if mailbox.consecutive_failures:
            failures, error = mailbox.consecutive_failures, mailbox.last_error
            yield Finding(WARNING, "mail", f"mailbox {mailbox.name} failed its last "
                          f"{failures} polls: {error}")  # fmt: skip


def _whatsapp_numbers(session: Session, settings: WhatsAppSettings) -> Iterator[Finding]:
    for number in session.scalars(select(WhatsAppNumber).where(WhatsAppNumber.is_active)):
        try:
            check_connection(number, settings)
        except (GraphError, NumberError, OSError) as error:
            yield Finding(BLOCKING, "whatsapp", f"WhatsApp number {number.name}: the Graph "
                          f"API refuses its token or id: {error}")  # fmt: skip


def _backlog(session: Session, now: datetime) -> Iterator[Finding]:
    quarantined = session.scalar(
        select(func.count(InboundEmail.id)).where(
            InboundEmail.action == "quarantined", InboundEmail.retried_at.is_(None)
        )
    )
    if quarantined:
        yield Finding(WARNING, "mail", f"{quarantined} emails are in quarantine: "
                      "`helpdesk quarantine list`, then retry or read them")  # fmt: skip
    failed = session.scalar(
        select(func.count(WebhookDelivery.id)).where(WebhookDelivery.status == FAILED)
    )
    if failed:
        yield Finding(WARNING, "webhooks", f"{failed} webhook deliveries failed for good: "
                      "`helpdesk webhooks list`, then replay")  # fmt: skip
    stuck = session.scalar(
        select(func.count(Message.id)).where(
            Message.delivery_status.in_([Delivery.QUEUED.value, Delivery.SENDING.value]),
            Message.created_at < now - STUCK_AFTER,
        )
    )
    if stuck:
        yield Finding(WARNING, "mail", f"{stuck} outgoing messages have been queued for more "
                      "than 15 minutes: are the mail workers and `helpdesk cron` running? "
                      "`helpdesk jobs run-pending` sends them now")  # fmt: skip
