"""The REST API the collection system talks to (``/api/v1``). Thin: parse, call, shape."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from blueprints.api import openapi
from blueprints.api.auth import authenticate, require_scope
from blueprints.api.errors import ApiError, handle_api_error, handle_http_error
from helpdesk import clock
from helpdesk.accounts import services as account_service
from helpdesk.accounts.models import CollectionAccount
from helpdesk.accounts.parsing import AccountSettings, parse_contact, trim
from helpdesk.accounts.queries import accounts_by_number, contact_consents
from helpdesk.audit.services import Actor
from helpdesk.contacts.matching import ContactMatcher
from helpdesk.extensions import csrf, db
from helpdesk.holds import queries as hold_queries
from helpdesk.holds import services as holds
from helpdesk.intake.inbound import Inbound, Sender
from helpdesk.intake.services import IntakeSettings, receive
from helpdesk.intake.text import clean_text, json_too_deep
from helpdesk.tickets import queries
from helpdesk.tickets import services as tickets
from helpdesk.tickets.vocabulary import TicketType

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
bp.before_request(authenticate)
bp.register_error_handler(ApiError, handle_api_error)
bp.register_error_handler(HTTPException, handle_http_error)


@bp.get("/openapi.json")
def openapi_document() -> Any:
    return jsonify(openapi.document())


@bp.put("/accounts/<number>")
@require_scope("accounts:write")
def account_put(number: str) -> Any:
    report = account_service.upsert_accounts(
        db.session,
        [_json()],
        numbers=[number],
        settings=AccountSettings.from_config(current_app.config),
        actor=_actor(),
        now=clock.now(),
    )
    if report.errors:
        error = report.errors[0]
        status, code = (409, "account_conflict") if error.conflict else (422, "invalid_account")
        raise ApiError(status, code, "the account was not stored", error.errors)
    db.session.commit()
    creditor, stored_number = (report.created or report.updated or report.unchanged)[0]
    account = _account_or_404(stored_number, creditor)
    return jsonify(_account_json(account)), 201 if report.created else 200


@bp.post("/accounts:batch")
@require_scope("accounts:write")
def accounts_batch() -> Any:
    rows = _json().get("accounts")
    if not isinstance(rows, list) or not 1 <= len(rows) <= account_service.MAX_BATCH:
        raise ApiError(
            422,
            "invalid_batch",
            f"accounts must be a list of 1 to {account_service.MAX_BATCH} accounts",
        )
    report = account_service.upsert_accounts(
        db.session,
        rows,
        settings=AccountSettings.from_config(current_app.config),
        actor=_actor(),
        now=clock.now(),
    )
    db.session.commit()
    return jsonify(report.as_dict())


@bp.get("/accounts/<number>")
@require_scope("accounts:read")
def account_get(number: str) -> Any:
    return jsonify(_account_json(_account_or_404(number, request.args.get("creditor"))))


@bp.post("/tickets")
@require_scope("tickets:write")
def ticket_create() -> Any:
    body = _json()
    ticket_type, subject, text = _ticket_fields(body)
    account = (
        _account_or_404(body["account"], body.get("creditor")) if body.get("account") else None
    )
    contact_id = _contact_id(body.get("contact"), account)
    result = receive(
        db.session,
        Inbound(
            channel="api",
            external_id=f"api:{uuid.uuid4()}",
            subject=subject,
            text=text,
            sender=Sender(kind="api", value=g.api_token.name),
            ticket_type=ticket_type,
            contact_id=contact_id,
            account_ids=(account.id,) if account else (),
        ),
        settings=IntakeSettings.from_config(current_app.config),
        now=clock.now(),
    )
    db.session.commit()
    return jsonify(_ticket_json(result.ticket.folio)), 201


@bp.get("/tickets/<folio>")
@require_scope("tickets:read")
def ticket_get(folio: str) -> Any:
    return jsonify(_ticket_json(folio))


@bp.post("/tickets/<folio>/resolve")
@require_scope("tickets:write")
def ticket_resolve(folio: str) -> Any:
    ticket = queries.ticket_by_folio(db.session, folio) or _not_found("ticket", folio)
    body = _json()
    outcome, note = body.get("outcome"), body.get("note")
    if not isinstance(outcome, str) or outcome not in holds.OUTCOMES or not isinstance(
        note, str | None
    ):
        raise ApiError(
            422,
            "invalid_outcome",
            "outcome must be favourable, unfavourable or partial; note must be text",
            {"outcome": outcome},
        )
    now = clock.now()
    holds.record_outcome(
        db.session,
        ticket,
        outcome,
        note=note,
        grace=holds.grace_period(current_app.config),
        actor=_actor(),
        now=now,
    )
    tickets.set_status(db.session, ticket, "resolved", actor=_actor(), now=now)
    db.session.commit()
    return jsonify(_ticket_json(folio))


# --- helpers ------------------------------------------------------------------------------


def _json() -> dict[str, Any]:
    if "aclara.api_body" not in request.environ:  # parsed and cleaned once per request
        try:
            body = None if json_too_deep(request.get_data()) else request.get_json(silent=True)
        except RecursionError:
            body = None
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_json", "the body must be a JSON object")
        request.environ["aclara.api_body"] = clean_text(body)
    return request.environ["aclara.api_body"]


def _actor() -> Actor:
    return Actor(kind="api", label=f"api:{g.api_token.name}")


def _ticket_fields(body: dict[str, Any]) -> tuple[str, str, str]:
    errors = {}
    if not isinstance(body.get("type"), str) or body["type"] not in {t.value for t in TicketType}:
        errors["type"] = f"one of {', '.join(t.value for t in TicketType)}"
    for name in ("subject", "text"):
        if not isinstance(body.get(name), str) or not trim(body[name]):
            errors[name] = "required text"
    if body.get("channel", "api") != "api":
        errors["channel"] = 'must be "api"'
    if body.get("account") is not None and not isinstance(body.get("account"), str):
        errors["account"] = "an account number (text)"
    if body.get("creditor") is not None and not isinstance(body.get("creditor"), str):
        errors["creditor"] = "a creditor name (text)"
    if body.get("account") is None and body.get("contact") is None:
        errors["contact"] = "give an account or a contact"
    if errors:
        raise ApiError(422, "invalid_ticket", "the ticket was not opened", errors)
    return body["type"], trim(body["subject"])[:300], body["text"]


def _contact_id(contact: Any, account: CollectionAccount | None) -> int:
    if contact is None and account is not None and account.contact_id is not None:
        return account.contact_id
    config = current_app.config
    person, errors = parse_contact(contact, phone_region=config["DEFAULT_PHONE_REGION"])
    if person is None:
        raise ApiError(422, "invalid_contact", "the contact is not valid", errors)
    matcher = ContactMatcher(
        db.session, secret_key=config["SECRET_KEY"], actor=_actor(), now=clock.now()
    )
    return matcher.match([person])[0]


def _account_or_404(number: str, creditor: str | None) -> CollectionAccount:
    # Path and query strings may carry a NUL too (PostgreSQL refuses it in a parameter).
    number, creditor = clean_text(number), clean_text(creditor)
    found = accounts_by_number(db.session, number, creditor=creditor, limit=2)
    if len(found) > 1:
        raise ApiError(
            409, "ambiguous_account", "several creditors use this number: add ?creditor=…"
        )
    return found[0] if found else _not_found("account", number)


def _not_found(kind: str, key: str) -> Any:
    raise ApiError(404, "not_found", f"no {kind} {key}")


def _account_json(account: CollectionAccount) -> dict[str, Any]:
    contact = account.contact
    return {
        "number": account.number,
        "creditor": account.creditor,
        "portfolio": account.portfolio,
        "balance": str(account.balance),
        "currency": account.currency,
        "days_past_due": account.days_past_due,
        "status": account.status,
        "next_due_date": account.next_due_date.isoformat() if account.next_due_date else None,
        "flags": account.flags or [],
        "contact": {
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "national_id": contact.national_id_masked,
            "birth_date": contact.birth_date.isoformat() if contact.birth_date else None,
            "consents": [c.channel for c in contact_consents(db.session, contact.id)],
        }
        if contact
        else None,
        "hold": hold_queries.hold_json(
            hold_queries.hold_state(db.session, account, now=clock.now())
        ),
        "updated_at": account.updated_at.isoformat(),
    }


def _ticket_json(folio: str) -> dict[str, Any]:
    ticket = queries.ticket_by_folio(db.session, folio) or _not_found("ticket", folio)
    detail = queries.ticket_detail(ticket)
    outcome = hold_queries.outcome_of(db.session, ticket.id)
    detail["outcome"] = outcome.outcome if outcome else None
    detail["accounts"] = [_account_json(a) for a in ticket.accounts]
    return detail
