"""Routing rules: what a rule may say, checking it, and evaluating rules on the facts of a
new ticket (pure: no database in ``evaluate``).

Conditions (all given ones must hold; inside a list, any value will do):
``channels``, ``recipients`` (receiving address or number), ``types``, ``words`` (in the
subject or body; whole words, accent- and case-insensitive), ``portfolios``,
``balance_min``/``balance_max`` and ``days_past_due_min``/``days_past_due_max`` (one
linked account must satisfy every account condition), ``languages`` (the contact's).
Actions: ``queue_id``, ``priority``, ``type``, ``tags``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from helpdesk.errors import FieldError
from helpdesk.routing.text import fold, has_phrase, words
from helpdesk.tickets.vocabulary import Channel, Priority, TicketType

LIST_CONDITIONS = ("channels", "recipients", "types", "words", "portfolios", "languages")
RANGE_CONDITIONS = ("balance", "days_past_due")
ACCOUNT_CONDITIONS = ("portfolios", "balance", "days_past_due")


class RuleError(FieldError):
    """A rule that cannot be saved; ``field`` names the culprit."""


@dataclass(frozen=True)
class AccountFacts:
    portfolio: str
    balance: Decimal
    days_past_due: int


@dataclass(frozen=True)
class Facts:
    """What rules can see of a new ticket."""

    channel: str
    ticket_type: str
    subject: str = ""
    body: str = ""
    recipients: tuple[str, ...] = ()
    accounts: tuple[AccountFacts, ...] = ()
    language: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What the matching rules decided (None: leave as it is)."""

    queue_id: int | None = None
    priority: str | None = None
    ticket_type: str | None = None
    tags: tuple[str, ...] = ()
    matched: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleView:
    """A rule as plain values (a stored ``RoutingRule`` qualifies)."""

    name: str
    conditions: Mapping[str, Any]
    actions: Mapping[str, Any]
    stops: bool = True
    id: int | None = None


@dataclass
class _Building:
    values: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)


def evaluate(rules: Iterable[Any], facts: Facts) -> Outcome:
    """Apply the matching rules in order; a matching rule that stops ends it."""
    state = _Building()
    for rule in rules:
        if not matches(rule.conditions, facts):
            continue
        state.matched.append(rule.name)
        actions = rule.actions
        for key in ("queue_id", "priority", "type"):
            if actions.get(key):
                state.values[key] = actions[key]
        state.tags.extend(t for t in actions.get("tags", ()) if t not in state.tags)
        if rule.stops:
            break
    return Outcome(
        queue_id=state.values.get("queue_id"),
        priority=state.values.get("priority"),
        ticket_type=state.values.get("type"),
        tags=tuple(state.tags),
        matched=tuple(state.matched),
    )


def matches(conditions: Mapping[str, Any], facts: Facts) -> bool:
    return all(passed for _name, passed in explain(conditions, facts))


def explain(conditions: Mapping[str, Any], facts: Facts) -> list[tuple[str, bool]]:
    """Each given condition with whether it holds (what the admin preview shows)."""
    results = []
    checks = {
        "channels": lambda values: facts.channel in values,
        "recipients": lambda values: bool(
            {fold(r) for r in facts.recipients} & {fold(v) for v in values}
        ),
        "types": lambda values: facts.ticket_type in values,
        "words": lambda values: _any_phrase(facts, values),
        "languages": lambda values: fold(facts.language or "")[:2] in {fold(v)[:2] for v in values},
    }
    for name, check in checks.items():
        if conditions.get(name):
            results.append((name, check(conditions[name])))
    if any(_has_account_condition(conditions, name) for name in ACCOUNT_CONDITIONS):
        results.append(("accounts", any(_account_fits(conditions, a) for a in facts.accounts)))
    return results


def _any_phrase(facts: Facts, phrases: Sequence[str]) -> bool:
    text = words(f"{facts.subject}\n{facts.body}")
    return any(has_phrase(text, phrase) for phrase in phrases)


def _has_account_condition(conditions: Mapping[str, Any], name: str) -> bool:
    if name == "portfolios":
        return bool(conditions.get("portfolios"))
    return any(conditions.get(f"{name}_{end}") is not None for end in ("min", "max"))


def _account_fits(conditions: Mapping[str, Any], account: AccountFacts) -> bool:
    portfolios = conditions.get("portfolios")
    if portfolios and fold(account.portfolio) not in {fold(p) for p in portfolios}:
        return False
    for name, value in (("balance", account.balance), ("days_past_due", account.days_past_due)):
        low, high = conditions.get(f"{name}_min"), conditions.get(f"{name}_max")
        if low is not None and value < Decimal(str(low)):
            return False
        if high is not None and value > Decimal(str(high)):
            return False
    return True


# --- Checking what an admin saves -----------------------------------------------------


def clean_conditions(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise and check conditions; raises RuleError naming the field."""
    cleaned: dict[str, Any] = {}
    for name in LIST_CONDITIONS:
        values = [str(v).strip() for v in raw.get(name) or () if str(v).strip()]
        if values:
            cleaned[name] = values
    _check_known(cleaned.get("channels", ()), {c.value for c in Channel}, "channels")
    _check_known(cleaned.get("types", ()), {t.value for t in TicketType}, "types")
    for name in RANGE_CONDITIONS:
        low = _number(raw.get(f"{name}_min"), f"{name}_min", integer=name == "days_past_due")
        high = _number(raw.get(f"{name}_max"), f"{name}_max", integer=name == "days_past_due")
        if low is not None and high is not None and Decimal(low) > Decimal(high):
            raise RuleError(f"{name}_max", _l("The maximum is below the minimum."))
        cleaned.update({k: v for k, v in ((f"{name}_min", low), (f"{name}_max", high)) if v})
    if not cleaned:
        raise RuleError("channels", _l("Give the rule at least one condition."))
    return cleaned


def clean_actions(raw: Mapping[str, Any], queue_ids: Iterable[int]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if raw.get("queue_id"):
        if int(raw["queue_id"]) not in set(queue_ids):
            raise RuleError("queue_id", _l("Unknown queue."))
        cleaned["queue_id"] = int(raw["queue_id"])
    if raw.get("priority"):
        _check_known([raw["priority"]], {p.value for p in Priority}, "priority")
        cleaned["priority"] = raw["priority"]
    if raw.get("type"):
        _check_known([raw["type"]], {t.value for t in TicketType}, "type")
        cleaned["type"] = raw["type"]
    tags = [clean_tag(t) for t in raw.get("tags") or () if clean_tag(t)]
    if tags:
        cleaned["tags"] = list(dict.fromkeys(tags))
    if not cleaned:
        raise RuleError("queue_id", _l("Give the rule at least one action."))
    return cleaned


def clean_tag(tag: str) -> str:
    return "-".join(str(tag).strip().lower().split())[:60]


def _check_known(values: Iterable[str], known: set[str], field_name: str) -> None:
    unknown = [v for v in values if v not in known]
    if unknown:
        raise RuleError(
            field_name, _l("Unknown value: %(value)s", value=", ".join(sorted(unknown)))
        )


def _number(value: Any, field_name: str, *, integer: bool) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RuleError(field_name, _l("Write a number.")) from None
    if not number.is_finite() or number < 0 or (integer and number != number.to_integral()):
        raise RuleError(
            field_name,
            _l("Write a whole number of zero or more.")
            if integer
            else _l("Write an amount of zero or more."),
        )
    return str(int(number)) if integer else str(number)
