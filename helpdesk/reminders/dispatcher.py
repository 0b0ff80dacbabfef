"""The reminder dispatcher: find the due reminders and send each one, or say why not.

A reminder *occurrence* is (account, step, due date): the step's moment is the start of
``next_due_date + offset_days`` in the debtor's time zone. ``run_due`` handles each due
occurrence in its own short transaction, in this order:

1. lock the account row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises
   writers anyway) and read the occurrence's send-log row again under the lock;
2. hold (``is_held`` for the step's channel) → skipped "hold"; opt-out of the channel or
   of all → skipped "opt_out"; the country's contact rule requires consent and the
   contact gave none for the channel → skipped "no_consent"; no usable address → skipped
   "no_address" / "bounced";
   WhatsApp without a number or template → skipped "not_configured" (all looked at
   again on every run: a hold ends, consent is recorded, an address gets fixed);
3. outside the debtor's contact window → deferred until it opens; over a frequency cap
   → deferred until the cap frees (and the window is open): never dropped;
4. otherwise the row is flushed as "sent" — the unique (account, step, due date) stops a
   racing worker here, before any network call — then the channel adapter sends, and
   the transaction commits.

**Why the send happens inside the lock.** Opening a hold locks the same account row
(``holds.lock_account``), so a dispute either committed before our check (we see it and
skip) or waits until our commit — and the message has already left by then. A reminder
can therefore never go out after the hold's commit. Sending after the commit (from a job)
would release the lock first and leave a window in which the hold commits and the
message still leaves. The price: a slow SMTP or Graph call (timeouts of 20–30 s) holds
that one account's lock meanwhile, so a dispute arriving for it waits as long; and if the
process dies between the send and the commit, the next run sends the reminder again
(at-least-once in that rare case, rather than ever sending during a dispute).

A temporary channel failure is deferred "retry" (15 minutes); a permanent one is
"failed". An occurrence already "sent", "failed" or "superseded" is final. When several steps of
the same due date are due at once (after a hold, or for a new account), only the latest
is sent: the earlier ones are skipped "superseded", so a debtor never gets a burst.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helpdesk.accounts.models import ChannelConsent, ChannelOptOut, CollectionAccount
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.contacts.models import Contact
from helpdesk.holds.queries import is_held
from helpdesk.holds.services import lock_account
from helpdesk.reminders import log as send_log
from helpdesk.reminders import rules as contact_rules
from helpdesk.reminders import send as reminder_send
from helpdesk.reminders.log import Decision, Occurrence
from helpdesk.reminders.models import ReminderDispatch, ReminderSchedule, ReminderStep
from helpdesk.signins import links as magic_links

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=15)


@dataclass
class DispatchReport:
    """What one run did, in the shape ``helpdesk dunning run-due --json`` prints."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    deferred: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def add(self, account: str, step: ReminderStep, decision: Decision) -> None:
        if decision.status == "sent":
            self.sent.append({"account": account, "step": step.key, "channel": step.channel})
        elif decision.status == "deferred":
            until = decision.until.isoformat() if decision.until else None
            self.deferred.append(
                {"account": account, "step": step.key, "until": until, "reason": decision.reason}
            )
        else:  # skipped, or failed for good
            reason = decision.reason
            if decision.status == "failed":
                reason = f"failed: {reason}"
            self.skipped.append({"account": account, "step": step.key, "reason": reason})

    def failed(self, account: str, step: ReminderStep, error: Exception) -> None:
        reason = f"error: {type(error).__name__}"
        self.skipped.append({"account": account, "step": step.key, "reason": reason})

    def as_json(self) -> dict[str, list[dict[str, Any]]]:
        return {"sent": self.sent, "deferred": self.deferred, "skipped": self.skipped}


def run_due(session: Session, *, config: Mapping[str, Any], now: datetime) -> DispatchReport:
    """Dispatch every due reminder. Commits once per reminder (each holds a row lock).
    ``config``: the app's settings, for the email (``helpdesk.mail.deliver``) and
    WhatsApp channels."""
    report = DispatchReport()
    occurrences = due_occurrences(session, now=now)
    latest = _latest_offsets(session, occurrences)
    for occurrence in occurrences:
        step = session.get(ReminderStep, occurrence.step_id)
        superseded = step is not None and step.offset_days < latest[occurrence.account_id]
        try:
            result = dispatch(
                session, occurrence, config=config, now=now, superseded=superseded
            )
            session.commit()
        except IntegrityError:
            session.rollback()  # a racing worker recorded this very reminder first
            continue
        except Exception as error:
            # One broken account must not stop everyone's reminders: say it, go on; the
            # occurrence is still pending and the next run tries it again.
            session.rollback()
            log.exception("reminder for account %s failed", occurrence.account_id)
            if step is not None:
                report.failed(_number(session, occurrence.account_id), step, error)
            continue
        if result is not None:
            report.add(*result)
    return report


def _number(session: Session, account_id: int) -> str:
    return session.scalar(
        select(CollectionAccount.number).where(CollectionAccount.id == account_id)
    ) or str(account_id)


def due_occurrences(session: Session, *, now: datetime) -> list[Occurrence]:
    """Occurrences whose moment has come and that are neither final nor deferred further."""
    offsets = set(session.scalars(select(ReminderStep.offset_days).distinct()))
    if not offsets:
        return []
    horizon = now.date() + timedelta(days=1)  # a local date is at most a day ahead of UTC
    rows = session.execute(
        select(
            CollectionAccount.id,
            CollectionAccount.next_due_date,
            ReminderStep.id,
            ReminderStep.offset_days,
            ReminderSchedule.country,
            Contact.timezone,
        )
        .join(
            ReminderSchedule,
            and_(
                ReminderSchedule.creditor == CollectionAccount.creditor,
                ReminderSchedule.portfolio == CollectionAccount.portfolio,
            ),
        )
        .join(ReminderStep, ReminderStep.schedule_id == ReminderSchedule.id)
        .outerjoin(Contact, Contact.id == CollectionAccount.contact_id)
        .outerjoin(ReminderDispatch, send_log.same_occurrence())
        .where(
            ReminderSchedule.is_active,
            CollectionAccount.status != "closed",
            CollectionAccount.next_due_date.is_not(None),
            send_log.pending(now),
            or_(
                *(
                    and_(
                        ReminderStep.offset_days == offset,
                        CollectionAccount.next_due_date <= horizon - timedelta(days=offset),
                    )
                    for offset in offsets
                )
            ),
        )
        .order_by(CollectionAccount.id, ReminderStep.offset_days, ReminderStep.id)
    ).all()
    found = []
    rules: dict[str, contact_rules.Rule] = {}  # one lookup per country, not per row
    for account_id, due, step_id, offset, country, zone in rows:
        if country not in rules:
            rules[country] = contact_rules.rule_for(session, country)
        moment = step_moment(due, offset, debtor_timezone(zone, rules[country].timezone))
        if moment <= now:
            found.append(Occurrence(account_id, step_id, due, moment))
    return found


def dispatch(
    session: Session,
    occurrence: Occurrence,
    *,
    config: Mapping[str, Any],
    now: datetime,
    superseded: bool = False,
) -> tuple[str, ReminderStep, Decision] | None:
    """Decide and act on one occurrence under the account's row lock; the caller commits.

    Returns None when there is nothing to do any more (another worker got there first,
    the account closed or moved to another due date)."""
    account = lock_account(session, occurrence.account_id)
    step = session.get(ReminderStep, occurrence.step_id)
    if account is None or step is None or account.status == "closed":
        return None
    if account.next_due_date != occurrence.due_date:
        return None
    row = send_log.current_row(session, occurrence)
    if row is not None and not send_log.is_pending(row, now):
        return None
    whatsapp = WhatsAppSettings.from_config(config)
    if superseded:
        decision = Decision("skipped", "superseded")
    else:
        decision = _decide(session, account, step, whatsapp=whatsapp, now=now)
    previous = (row.status, row.reason, row.until) if row is not None else None
    if decision.status == "send":
        row = send_log.claim(session, row, account, step, occurrence, now=now)
        decision = _send(
            session, account, step, occurrence, config=config, whatsapp=whatsapp, now=now
        )
    send_log.write(session, row, account, step, occurrence, decision, previous=previous, now=now)
    return account.number, step, decision


def step_moment(due: date, offset_days: int, timezone: str) -> datetime:
    """The start of the step's local day, in UTC."""
    local = datetime.combine(due + timedelta(days=offset_days), time(0), tzinfo=ZoneInfo(timezone))
    return local.astimezone(ZoneInfo("UTC"))


def debtor_timezone(contact_timezone: str | None, fallback: str) -> str:
    """The contact's own time zone when it is a real one, else ``fallback`` (the rule's)."""
    if contact_timezone:
        try:
            ZoneInfo(contact_timezone)
            return contact_timezone
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("contact time zone %r is unknown; using the country's", contact_timezone)
    return fallback


# --- Deciding -------------------------------------------------------------------------


def _decide(
    session: Session,
    account: CollectionAccount,
    step: ReminderStep,
    *,
    whatsapp: WhatsAppSettings,
    now: datetime,
) -> Decision:
    if is_held(session, account.id, step.channel, now=now):
        return Decision("skipped", "hold")
    if _opted_out(session, account.contact_id, step.channel):
        return Decision("skipped", "opt_out")
    rule = contact_rules.rule_for(session, step.schedule.country)
    if rule.requires_consent and not _consented(session, account.contact_id, step.channel):
        return Decision("skipped", "no_consent")
    unreachable = reminder_send.unreachable(account.contact, step.channel)
    if unreachable:
        return Decision("skipped", unreachable)
    if not reminder_send.channel_ready(session, step, whatsapp):
        return Decision("skipped", "not_configured")  # looked at again on the next run
    zone = debtor_timezone(account.contact.timezone, rule.timezone)
    opening = contact_rules.next_allowed(rule, zone, now)
    if opening is not None:
        return Decision("deferred", "contact_window", opening)
    freed = contact_rules.cap_until(session, rule, account.id, step.channel, timezone=zone, now=now)
    if freed is not None:
        until = contact_rules.next_allowed(rule, zone, freed) or freed
        return Decision("deferred", "frequency_cap", until)
    return Decision("send")


def _opted_out(session: Session, contact_id: int | None, channel: str) -> bool:
    if contact_id is None:
        return False
    return (
        session.scalar(
            select(ChannelOptOut.id)
            .where(
                ChannelOptOut.contact_id == contact_id,
                ChannelOptOut.channel.in_((channel, "all")),
            )
            .limit(1)
        )
        is not None
    )


def _consented(session: Session, contact_id: int | None, channel: str) -> bool:
    if contact_id is None:
        return False
    return (
        session.scalar(
            select(ChannelConsent.id)
            .where(ChannelConsent.contact_id == contact_id, ChannelConsent.channel == channel)
            .limit(1)
        )
        is not None
    )


def _send(
    session: Session,
    account: CollectionAccount,
    step: ReminderStep,
    occurrence: Occurrence,
    *,
    config: Mapping[str, Any],
    whatsapp: WhatsAppSettings,
    now: datetime,
) -> Decision:
    try:
        if step.channel == "whatsapp":
            external_id = reminder_send.send_whatsapp(
                session, account, step, settings=whatsapp, due_date=occurrence.due_date,
                link_token=_whatsapp_link_token(session, account, config=config, now=now),
            )
        else:
            external_id = reminder_send.send_email(
                account, step, config=config, due_date=occurrence.due_date, now=now,
                portal_url=_portal_link(session, account, config=config, now=now),
            )
    except reminder_send.SendError as error:
        log.warning("reminder for account %s not sent: %s", account.id, error)
        if error.permanent:
            return Decision("failed", str(error)[:500])
        return Decision("deferred", "retry", now + RETRY_AFTER)
    return Decision("sent", external_id=external_id)


def _portal_link(
    session: Session, account: CollectionAccount, *, config: Mapping[str, Any], now: datetime
) -> str | None:
    """A magic link into the portal for the reminder's debtor (committed with the
    dispatch, so it works as soon as the mail can be read)."""
    if not config.get("PORTAL_MAGIC_LINKS") or account.contact_id is None:
        return None
    return magic_links.link_for(
        session, account.contact_id, purpose="reminder", secret=config["SECRET_KEY"],
        public_url=config.get("PUBLIC_URL"), now=now,
    )


def _whatsapp_link_token(
    session: Session, account: CollectionAccount, *, config: Mapping[str, Any], now: datetime
) -> str | None:
    """A magic link's token for WhatsApp reminder templates approved with a URL button
    (``REMINDER_WHATSAPP_LINK_BUTTON``); a template without one would be refused."""
    if not config.get("REMINDER_WHATSAPP_LINK_BUTTON") or account.contact_id is None:
        return None
    return magic_links.issue(
        session, account.contact_id, purpose="reminder", secret=config["SECRET_KEY"], now=now
    )


def _latest_offsets(session: Session, occurrences: list[Occurrence]) -> dict[int, int]:
    """Per account, the offset of the latest step that is due (the one worth sending)."""
    steps = {
        s.id: s.offset_days
        for s in session.scalars(
            select(ReminderStep).where(ReminderStep.id.in_({o.step_id for o in occurrences}))
        )
    }
    latest: dict[int, int] = {}
    for occurrence in occurrences:
        offset = steps.get(occurrence.step_id, 0)
        latest[occurrence.account_id] = max(offset, latest.get(occurrence.account_id, offset))
    return latest
