"""What each ticket type does to its linked accounts, as an admin configures it.

The defaults (``helpdesk.holds.services.DEFAULT_EFFECTS``) hold until an admin saves
a type; then its ``ticket_type_effects`` row wins. A change applies to accounts linked
from then on: holds already open stay open until their ticket is resolved.
Services flush; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from helpdesk.audit.services import Actor, record
from helpdesk.errors import FieldError
from helpdesk.holds.models import TicketTypeEffect
from helpdesk.holds.services import Effect, effect_for
from helpdesk.tickets.vocabulary import Channel, TicketType

EFFECTS = ("hold", "flag", "suppress", "none")
# The channels reminders go out on: a hold or a suppression can target one of them.
CHANNELS = (Channel.EMAIL.value, Channel.WHATSAPP.value, Channel.PHONE.value)
_FLAG = re.compile(r"[a-z][a-z0-9_]{0,39}")


class EffectError(FieldError):
    """The effect cannot be saved as asked; ``field`` names the culprit."""


@dataclass(frozen=True)
class _AuditTarget:
    """``ticket_type_effects`` is keyed by the type's slug, which the audit event carries
    in before/after; the integer ``object_id`` has nothing to hold, so it is 0."""

    __tablename__ = "ticket_type_effects"
    id: int = 0


def all_effects(session: Session) -> list[tuple[str, Effect]]:
    """Every ticket type with its effect now (saved or default), in vocabulary order."""
    return [(t.value, effect_for(session, t.value)) for t in TicketType]


def check(effect: str, channel: str | None, flag: str | None) -> Effect:
    """A valid Effect, or EffectError. ``none`` keeps no channel nor flag, ``suppress`` no
    flag (the form sends every field whatever the effect chosen)."""
    channel, flag = (channel or None), ((flag or "").strip() or None)
    if effect not in EFFECTS:
        raise EffectError("effect", _l("Choose one of the listed effects."))
    if channel is not None and channel not in CHANNELS:
        raise EffectError("channel", _l("Choose one of the listed channels."))
    if flag is not None and not _FLAG.fullmatch(flag):
        raise EffectError(
            "flag",
            _l("A flag is a short name in lowercase letters, digits and _ (e.g. under_review)."),
        )
    if effect == "flag" and flag is None:
        raise EffectError("flag", _l("Name the flag to put on the account."))
    if effect == "flag" and channel is not None:
        raise EffectError("channel", _l("A flag applies to the account, not to a channel."))
    if effect == "none":
        return Effect("none")
    if effect == "suppress":
        return Effect("suppress", channel=channel)
    return Effect(effect, channel=channel if effect == "hold" else None, flag=flag)


def set_effect(
    session: Session,
    ticket_type: str,
    *,
    effect: str,
    channel: str | None,
    flag: str | None,
    actor: Actor,
    now: datetime,
) -> Effect:
    """Save a type's effect (validated, audited); accounts linked later follow it."""
    if ticket_type not in {t.value for t in TicketType}:
        raise EffectError("ticket_type", _l("Unknown ticket type."))
    before, after = effect_for(session, ticket_type), check(effect, channel, flag)
    if before == after:
        return after
    row = session.get(TicketTypeEffect, ticket_type) or TicketTypeEffect(ticket_type=ticket_type)
    row.effect, row.channel, row.flag, row.updated_at = (
        after.effect,
        after.channel,
        after.flag,
        now,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "ticket_type.effect_changed",
        _AuditTarget(),
        now=now,
        before={"ticket_type": ticket_type, **_as_dict(before)},
        after={"ticket_type": ticket_type, **_as_dict(after)},
    )
    return after


def _as_dict(effect: Effect) -> dict[str, Any]:
    return {"effect": effect.effect, "channel": effect.channel, "flag": effect.flag}
