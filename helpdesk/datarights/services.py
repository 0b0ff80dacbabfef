"""Data-rights requests from the portal, and data exports made and delivered by agents.

A request goes through the portal's intake door (``portal.services.open_case``) as a
``data_rights`` ticket, then gets the tag of its legal basis — the country's law and the
right — which picks the SLA policy with that law's deadline (``sla_policies.tag``; the
table is in ``docs/data-rights.md``). An opposition to a channel is applied at once: it
is the debtor's own signed-in request, stopping a channel harms nobody, and the legal
deadline is a maximum, not a waiting period.

Writes flush and record their audit event; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.accounts.models import ChannelOptOut, CollectionAccount
from helpdesk.audit.services import Actor, record
from helpdesk.contacts.models import Contact
from helpdesk.datarights.labels import CHANNEL_LABELS, SUBJECTS
from helpdesk.datarights.models import DataExport, DataRightsRequest, ExportStatus, RightKind
from helpdesk.errors import FieldError
from helpdesk.intake.services import IntakeSettings
from helpdesk.jobs import enqueue_after_commit
from helpdesk.portal import services as portal_services
from helpdesk.queues.models import Queue
from helpdesk.reminders.models import ReminderSchedule
from helpdesk.routing.services import add_tags
from helpdesk.sla.models import SlaPolicy
from helpdesk.tickets import services as tickets
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.vocabulary import TicketType
from helpdesk.users.models import User

COUNTRIES = ("MX", "CO", "AR")
DEFAULT_COUNTRY = "MX"
OPPOSABLE_CHANNELS = ("email", "whatsapp", "phone", "all")
MAX_FIELD = 2000

# (country, right) -> the tag of its legal basis; the SLA policy carrying that tag holds
# the deadline (helpdesk/sla/defaults.py installs them; admins may change the amounts).
LEGAL_BASIS = {
    ("MX", RightKind.ACCESS): "arco-mx",
    ("MX", RightKind.RECTIFICATION): "arco-mx",
    ("MX", RightKind.OPPOSITION): "arco-mx",
    ("CO", RightKind.ACCESS): "habeas-data-consulta",
    ("CO", RightKind.RECTIFICATION): "habeas-data-reclamo",
    ("CO", RightKind.OPPOSITION): "habeas-data-reclamo",
    ("AR", RightKind.ACCESS): "ley-25326-acceso",
    ("AR", RightKind.RECTIFICATION): "ley-25326-rectificacion",
    ("AR", RightKind.OPPOSITION): "ley-25326-rectificacion",
}
_CURRENCY_COUNTRY = {"MXN": "MX", "COP": "CO", "ARS": "AR"}
_ZONE_COUNTRY = (("America/Bogota", "CO"), ("America/Argentina/", "AR"), ("America/", "MX"))


class RequestError(FieldError):
    """A request that cannot be opened; ``field`` names the form field to show it on."""


class ExportError(Exception):
    """An export action refused (not ready, not allowed)."""


@dataclass(frozen=True)
class RightsRequest:
    """What the debtor asked, as the form gives it."""

    kind: str
    text: str = ""
    wrong: str = ""
    right: str = ""
    channel: str = ""


def country_of(session: Session, contact: Contact) -> str:
    """The country whose law governs the debtor's data: the reminder schedule of one of
    their accounts, else the accounts' currency, else their time zone, else Mexico."""
    accounts = list(
        session.execute(
            select(
                CollectionAccount.creditor, CollectionAccount.portfolio, CollectionAccount.currency
            )
            .where(CollectionAccount.contact_id == contact.id)
            .order_by(CollectionAccount.id)
        )
    )
    for creditor, portfolio, _currency in accounts:
        country = session.scalar(
            select(ReminderSchedule.country)
            .where(ReminderSchedule.creditor == creditor, ReminderSchedule.portfolio == portfolio)
            .limit(1)
        )
        if country in COUNTRIES:
            return country
    for _creditor, _portfolio, currency in accounts:
        if (currency or "").upper() in _CURRENCY_COUNTRY:
            return _CURRENCY_COUNTRY[currency.upper()]
    for prefix, country in _ZONE_COUNTRY:
        if (contact.timezone or "").startswith(prefix):
            return country
    return DEFAULT_COUNTRY


def open_request(
    session: Session,
    contact: Contact,
    wanted: RightsRequest,
    *,
    settings: IntakeSettings,
    now: datetime,
) -> DataRightsRequest:
    """Open the debtor's data-rights ticket with its legal deadline. Flushes."""
    kind, details = _checked(wanted)
    ticket = portal_services.open_case(
        session,
        contact,
        kind=TicketType.DATA_RIGHTS.value,
        account_id=None,
        subject=str(SUBJECTS[kind.value]),
        text=_ticket_text(kind, wanted),
        settings=settings,
        now=now,
    )
    country = country_of(session, contact)
    basis = LEGAL_BASIS[(country, kind)]
    actor = Actor.for_contact(contact)
    _to_queue_of(session, ticket, basis, actor=actor, now=now)
    add_tags(session, ticket, [basis], actor=actor, now=now)  # the tag picks the law's policy
    request = DataRightsRequest(
        ticket=ticket,
        contact_id=contact.id,
        kind=kind.value,
        country=country,
        legal_basis=basis,
        details=details,
        created_at=now,
    )
    session.add(request)
    session.flush()
    record(
        session,
        actor,
        "data_rights.requested",
        request,
        now=now,
        ticket=ticket,
        after={"kind": kind.value, "country": country, "legal_basis": basis},
    )
    if kind is RightKind.OPPOSITION:
        opt_out(session, contact, details["channel"], ticket=ticket, actor=actor, now=now)
    return request


def opt_out(
    session: Session,
    contact: Contact,
    channel: str,
    *,
    ticket: Ticket | None,
    actor: Actor,
    now: datetime,
) -> ChannelOptOut:
    """The contact's "stop" on ``channel`` (the reminder dispatcher skips it). Idempotent."""
    existing = session.scalar(
        select(ChannelOptOut).where(
            ChannelOptOut.contact_id == contact.id, ChannelOptOut.channel == channel
        )
    )
    if existing is not None:
        return existing
    row = ChannelOptOut(
        contact_id=contact.id,
        channel=channel,
        ticket_id=ticket.id if ticket else None,
        created_at=now,
    )
    session.add(row)
    session.flush()
    record(
        session, actor, "contact.opted_out", row, now=now, ticket=ticket, after={"channel": channel}
    )
    return row


def _checked(wanted: RightsRequest) -> tuple[RightKind, dict[str, str]]:
    try:
        kind = RightKind(wanted.kind)
    except ValueError:
        raise RequestError("kind", str(_l("Choose what you are asking for."))) from None
    if any(len(v) > MAX_FIELD for v in (wanted.text, wanted.wrong, wanted.right)):
        raise RequestError("text", str(_l("Please write at most 2,000 characters.")))
    if kind is RightKind.RECTIFICATION:
        if not wanted.wrong.strip():
            raise RequestError("wrong", str(_l("Tell us which of your data is wrong.")))
        if not wanted.right.strip():
            raise RequestError("right", str(_l("Tell us what the right data is.")))
        return kind, {"wrong": wanted.wrong.strip(), "right": wanted.right.strip()}
    if kind is RightKind.OPPOSITION:
        if wanted.channel not in OPPOSABLE_CHANNELS:
            raise RequestError("channel", str(_l("Choose the channel.")))
        return kind, {"channel": wanted.channel}
    return kind, {}


def _ticket_text(kind: RightKind, wanted: RightsRequest) -> str:
    lines = [str(SUBJECTS[kind.value])]
    if kind is RightKind.RECTIFICATION:
        lines += [
            _("Wrong: %(value)s", value=wanted.wrong.strip()),
            _("Right: %(value)s", value=wanted.right.strip()),
        ]
    if kind is RightKind.OPPOSITION:
        lines.append(_("Channel: %(value)s", value=str(CHANNEL_LABELS[wanted.channel])))
    if wanted.text.strip():
        lines += ["", wanted.text.strip()]
    return "\n".join(lines)


def _to_queue_of(
    session: Session, ticket: Ticket, basis: str, *, actor: Actor, now: datetime
) -> None:
    """Move the ticket to the queue whose policy carries the law's tag, when routing put
    it elsewhere: the legal deadline matters more than the words of the subject."""
    queue_ids = set(session.scalars(select(SlaPolicy.queue_id).where(SlaPolicy.tag == basis)))
    if not queue_ids or ticket.queue_id in queue_ids:
        return
    queue = session.get(Queue, min(queue_ids))
    if queue is not None and queue.is_active:
        tickets.set_queue(session, ticket, queue, actor=actor, now=now)


# --- Exports ----------------------------------------------------------------------------


def request_export(session: Session, ticket: Ticket, user: User, *, now: datetime) -> DataExport:
    """Queue a new export of the ticket's contact (the job runs after the commit)."""
    export = DataExport(
        contact_id=ticket.contact_id,
        ticket=ticket,
        requested_by_id=user.id,
        status=ExportStatus.QUEUED.value,
        progress=0,
        messages_done=0,
        messages_total=0,
        created_at=now,
    )
    session.add(export)
    session.flush()
    record(session, Actor.for_user(user), "data_export.requested", export, now=now, ticket=ticket)
    from helpdesk.datarights.jobs import build_export_job  # the job's name RQ holds

    enqueue_after_commit(session, build_export_job, export.id, queue="reports")
    return export


def deliver_export(session: Session, export: DataExport, user: User, *, now: datetime) -> None:
    """Let the contact download a finished export on the portal."""
    if export.status != ExportStatus.DONE.value:
        raise ExportError("not ready")
    if export.delivered_at is not None:
        return
    export.delivered_at = now
    session.flush()
    record(
        session,
        Actor.for_user(user),
        "data_export.delivered",
        export,
        now=now,
        ticket_id=export.ticket_id,
    )


def record_download(
    session: Session, export: DataExport, *, actor: Actor, part: str, now: datetime
) -> None:
    record(
        session,
        actor,
        "data_export.downloaded",
        export,
        now=now,
        ticket_id=export.ticket_id,
        after={"part": part},
    )
