"""``helpdesk whatsapp …``: numbers, templates and webhook payloads from the command line.

A failure a user can fix is one line on stderr starting with ``helpdesk:``, exit status 1.
"""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.channels.whatsapp import numbers, webhook
from helpdesk.channels.whatsapp.models import WhatsAppNumber, WhatsAppWebhook
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.cli_support import CommandError
from helpdesk.extensions import db
from helpdesk.queues.models import Queue


@click.group("whatsapp")
def whatsapp_group() -> None:
    """WhatsApp numbers, templates and webhook payloads."""


@whatsapp_group.command("number-add")
@click.argument("name")
@click.option("--phone-number-id", required=True, help="As Meta shows it.")
@click.option("--display-number", default="", help="The number debtors see, e.g. +52 55 …")
@click.option("--api-version", default=None, help="Default: HELPDESK_WHATSAPP_API_VERSION.")
@click.option("--queue", "queue_name", metavar="QUEUE_NAME", help="Queue of new tickets.")
@with_appcontext
def number_add(
    name: str,
    phone_number_id: str,
    display_number: str,
    api_version: str | None,
    queue_name: str | None,
) -> None:
    """Add a number; reads the access token, app secret and verify token from stdin, one
    a line (never as arguments)."""
    token, secret, verify = (sys.stdin.readline().strip() for _ in range(3))
    queue = None
    if queue_name:
        queue = db.session.scalar(select(Queue).where(Queue.name == queue_name))
        if queue is None:
            raise CommandError(f"no queue named {queue_name}")
    try:
        number = numbers.add_number(
            db.session,
            name=name,
            phone_number_id=phone_number_id,
            display_number=display_number,
            access_token=token,
            app_secret=secret,
            verify_token=verify,
            api_version=api_version,
            queue=queue,
            settings=WhatsAppSettings.from_config(current_app.config),
            actor=Actor.system("cli"),
            now=clock.now(),
        )
    except numbers.NumberError as error:
        raise CommandError(f"cannot add number {name}: {error.field}: {error}") from None
    db.session.commit()
    click.echo(f"added WhatsApp number {number.name} ({number.phone_number_id})")


@whatsapp_group.command("number-list")
@with_appcontext
def number_list() -> None:
    """The numbers as JSON (secrets never shown)."""
    numbers.environment_number(db.session, WhatsAppSettings.from_config(current_app.config))
    rows = [numbers.summary(n) for n in numbers.all_numbers(db.session)]
    db.session.commit()
    click.echo(json.dumps(rows, ensure_ascii=False, indent=2))


@whatsapp_group.command("template-add")
@click.argument("number_name")
@click.argument("template_name")
@click.option("--language", required=True, help="e.g. es_MX")
@click.option("--parameters", default="", help="Comma-separated, e.g. contact_name,folio")
@click.option("--body", default="", help="The approved text, with {{1}}, {{2}}…")
@with_appcontext
def template_add(
    number_name: str, template_name: str, language: str, parameters: str, body: str
) -> None:
    """Add an approved template to a number."""
    number = db.session.scalar(select(WhatsAppNumber).where(WhatsAppNumber.name == number_name))
    if number is None:
        raise CommandError(f"no WhatsApp number named {number_name}")
    names = [p.strip() for p in parameters.split(",") if p.strip()]
    try:
        numbers.add_template(
            db.session,
            number,
            name=template_name,
            language=language,
            parameters=names,
            body=body,
            actor=Actor.system("cli"),
            now=clock.now(),
        )
    except numbers.NumberError as error:
        raise CommandError(f"cannot add template {template_name}: {error}") from None
    db.session.commit()
    click.echo(f"added template {template_name} ({language}) to {number_name}")


@whatsapp_group.command("reprocess")
@click.argument("webhook_id", type=int)
@with_appcontext
def reprocess(webhook_id: int) -> None:
    """Process a stored payload again (safe: what was already done is not repeated)."""
    row = db.session.get(WhatsAppWebhook, webhook_id)
    if row is None:
        raise CommandError(f"no webhook payload {webhook_id}")
    settings = WhatsAppSettings.from_config(current_app.config)
    outcome = webhook.process(db.session, row, settings=settings, now=clock.now())
    db.session.commit()
    click.echo(json.dumps({"action": row.action, "reason": row.reason, **outcome.counts}))


whatsapp_commands = [whatsapp_group]
