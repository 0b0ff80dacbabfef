"""How one reminder leaves: the address it goes to, its words, and the channel adapter.

Email goes through ``helpdesk.mail.deliver`` (SMTP when configured; the development outbox
otherwise, where it still counts as sent); WhatsApp through the Cloud API client with
an approved template. Both raise ``SendError`` saying whether trying later can help.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any

from flask_babel import force_locale, format_currency, format_date
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from helpdesk.accounts.models import CollectionAccount
from helpdesk.channels.whatsapp import numbers
from helpdesk.channels.whatsapp.client import GraphError, Recipient
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.contacts.models import Contact, IdentityKind
from helpdesk.mail import DeliveryError, deliver
from helpdesk.reminders.models import ReminderStep

# Meta's template language codes for the contact's language.
TEMPLATE_LANGUAGES = {"es": "es_MX", "en": "en_US"}


class SendError(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def unreachable(contact: Contact | None, channel: str) -> str | None:
    """Why the contact cannot get a reminder on ``channel`` ("no_address", "bounced")."""
    if contact is None:
        return "no_address"
    if channel == "email":
        emails = [i for i in contact.identities if i.kind == IdentityKind.EMAIL]
        if not emails:
            return "no_address"
        return None if any(i.bounced_at is None for i in emails) else "bounced"
    if channel == "whatsapp":
        reachable = contact.phone or contact.identity(IdentityKind.WHATSAPP)
        return None if reachable else "no_address"
    return "no_address"


def channel_ready(session: Session, step: ReminderStep, settings: WhatsAppSettings) -> bool:
    """Whether the step's channel can send at all here (WhatsApp: a number and a template)."""
    if step.channel != "whatsapp":
        return True
    return bool(step.template_name) and numbers.default_number(session, settings) is not None


def send_email(
    account: CollectionAccount,
    step: ReminderStep,
    *,
    config: Mapping[str, Any],
    due_date: date,
    now: datetime,
    portal_url: str | None = None,
) -> str:
    """Send (or, in development, keep in the outbox) the email as the app's settings
    (``config``) say; returns its Message-ID. ``portal_url``: the debtor's magic link."""
    mail = _compose(account, step, config=config, due_date=due_date, now=now,
                    portal_url=portal_url)
    try:
        deliver(mail, config)
    except DeliveryError as error:
        raise SendError(str(error), permanent=error.permanent) from error
    return str(mail["Message-ID"]).strip("<>")


def send_whatsapp(
    session: Session,
    account: CollectionAccount,
    step: ReminderStep,
    *,
    settings: WhatsAppSettings,
    due_date: date,
    link_token: str | None = None,
) -> str:
    """Send the step's template from the default number; returns the wamid.
    ``link_token``: the debtor's magic link token, for templates approved with a URL
    button whose address ends in it (``https://…/portal/link/{{1}}``)."""
    contact = account.contact
    assert contact is not None
    number = numbers.default_number(session, settings)
    if number is None or not step.template_name:
        raise SendError("no WhatsApp number or template is configured", permanent=True)
    language = step.template_language or TEMPLATE_LANGUAGES.get(contact.language[:2], "es_MX")
    parameters = [
        contact.name or contact.display_name,
        account.number,
        str(account.balance),
        due_date.isoformat(),
    ]
    try:
        client = numbers.client_for(number, settings)
        return client.send_template(
            Recipient(phone=contact.phone, user_id=contact.identity(IdentityKind.WHATSAPP)),
            step.template_name,
            language,
            parameters,
            components=_with_link_button(parameters, link_token) if link_token else None,
        )
    except numbers.NumberError as error:
        raise SendError(str(error), permanent=True) from error
    except GraphError as error:
        raise SendError(error.describe(), permanent=not error.is_temporary) from error


def _with_link_button(parameters: list[str], token: str) -> list[dict[str, Any]]:
    return [
        {"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]},
        {
            "type": "button",
            "sub_type": "url",
            "index": "0",
            "parameters": [{"type": "text", "text": token}],
        },
    ]


def _compose(
    account: CollectionAccount,
    step: ReminderStep,
    *,
    config: Mapping[str, Any],
    due_date: date,
    now: datetime,
    portal_url: str | None = None,
) -> EmailMessage:
    contact = account.contact
    assert contact is not None
    address = config["MAIL_FROM"] or f"cobranza@{config['MAIL_DOMAIN']}"
    with force_locale(contact.language or config["DEFAULT_LOCALE"]):
        values = {
            "name": contact.name or contact.display_name,
            "number": account.number,
            "amount": format_currency(account.balance, account.currency),
            "due_date": format_date(due_date, "long"),
            "creditor": account.creditor,
        }
        subject, body = _words(step, values)
        footer = _("To stop these reminders, reply STOP to this email.")
        if portal_url:
            footer = "\n\n".join((_portal_words(portal_url), footer))
    mail = EmailMessage()
    mail["From"] = formataddr((account.creditor, address))
    mail["To"] = formataddr((values["name"], _address(contact)))
    mail["Subject"] = subject
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(domain=config["MAIL_DOMAIN"])
    mail["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to a reminder
    mail["X-Auto-Response-Suppress"] = "All"
    mail["List-Unsubscribe"] = f"<mailto:{address}?subject=STOP>"
    mail.set_content(f"{body}\n\n-- \n{footer}\n")
    return mail


def _portal_words(url: str) -> str:
    return str(
        _(
            "See your account or answer us in your portal, without a password (this link "
            "works once, for 72 hours):\n%(url)s",
            url=url,
        )
    )


def _words(step: ReminderStep, values: dict[str, str]) -> tuple[str, str]:
    """The step's own subject and body (``{number}`` placeholders), else the defaults."""
    if step.subject and step.body:
        return step.subject.format_map(_Keep(values)), step.body.format_map(_Keep(values))
    subject = _("Payment reminder: account %(number)s", number=values["number"])
    if step.offset_days < 0:
        text = _(
            "Hello %(name)s,\n\nThis is a reminder that the payment of your account "
            "%(number)s with %(creditor)s is due on %(due_date)s. Balance: %(amount)s.",
            **values,
        )
    elif step.offset_days == 0:
        text = _(
            "Hello %(name)s,\n\nToday, %(due_date)s, the payment of your account %(number)s "
            "with %(creditor)s is due. Balance: %(amount)s.",
            **values,
        )
    else:
        text = _(
            "Hello %(name)s,\n\nThe payment of your account %(number)s with %(creditor)s was "
            "due on %(due_date)s and we have not received it. Balance: %(amount)s. If you "
            "already paid or do not recognise this debt, reply to this email.",
            **values,
        )
    return str(subject), str(text)


class _Keep(dict[str, str]):
    """``format_map`` values that leave unknown ``{placeholders}`` as they were written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _address(contact: Contact) -> str:
    return next(
        i.value
        for i in contact.identities
        if i.kind == IdentityKind.EMAIL and i.bounced_at is None
    )

