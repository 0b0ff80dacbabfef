"""The OpenAPI 3.1 document of ``/api/v1``. Tests check that the API accepts what it says
(schemathesis), so the two cannot drift apart silently."""

from __future__ import annotations

from typing import Any

from babel.numbers import list_currencies

from helpdesk.accounts.models import CONSENT_CHANNELS
from helpdesk.accounts.services import MAX_BATCH
from helpdesk.holds.services import OUTCOMES
from helpdesk.tickets.vocabulary import TicketType

TEXT = {"type": "string", "minLength": 1, "pattern": r"\S"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error_responses(*codes: int) -> dict[str, Any]:
    meaning = {
        400: "Malformed JSON",
        401: "Missing, wrong or expired token",
        403: "The token lacks the scope",
        404: "Not found",
        409: "Ambiguous account number",
        413: "Body too large",
        422: "Validation failed; details by field",
    }
    return {
        str(c): {
            "description": meaning[c],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        for c in codes
    }


CONTACT_IN = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {**TEXT, "maxLength": 200},
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "phone": {
            "type": "string",
            "description": "E.164; a national number of the default region is also accepted "
            "when it is a possible number there",
            "pattern": r"^\+[1-9][0-9]{7,14}$",
        },
        "national_id": {**TEXT, "maxLength": 32},
        "birth_date": {
            "type": "string",
            "format": "date",
            "pattern": r"^(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}$",  # a year before 1900 is a typo
            "description": "The debtor's date of birth (DD/MM/YYYY is also accepted); the "
            "portal asks it when the creditor is configured for it. A stored one is replaced, "
            "never erased by a contact without one",
        },
        "consents": {
            "type": "array",
            "description": "Channels the debtor authorised reminders on (added to the stored "
            "ones, never removed: withdrawing consent is an opt-out)",
            "items": {"type": "string", "enum": list(CONSENT_CHANNELS)},
        },
    },
    "anyOf": [{"required": ["email"]}, {"required": ["phone"]}, {"required": ["national_id"]}],
}

ACCOUNT_IN = {
    "type": "object",
    "required": ["creditor", "contact", "balance", "currency"],
    "properties": {
        "creditor": {**TEXT, "maxLength": 120},
        "portfolio": {"type": "string", "maxLength": 120},
        "contact": _ref("ContactInput"),
        "balance": {
            "type": "string",
            "pattern": r"^[0-9]{1,11}(\.[0-9]{1,2})?$",
            "examples": ["12500.00"],
        },
        "currency": {"type": "string", "enum": sorted(list_currencies())},
        "days_past_due": {"type": "integer", "minimum": 0, "maximum": 36500},
        "status": {**TEXT, "maxLength": 30},
        "next_due_date": {"type": "string", "format": "date"},
    },
}

HOLD = {
    "type": "object",
    "required": ["active", "since", "reasons"],
    "properties": {
        "active": {"type": "boolean"},
        "since": {"type": ["string", "null"], "format": "date-time"},
        "reasons": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "ticket": {"type": ["string", "null"]},
                    "type": {"type": "string"},
                    "channel": {"type": ["string", "null"]},
                    "resumes_at": {"type": ["string", "null"]},
                },
            },
        },
    },
}

ACCOUNT = {
    "type": "object",
    "required": ["number", "creditor", "balance", "currency", "hold"],
    "properties": {
        "number": {"type": "string"},
        "creditor": {"type": "string"},
        "portfolio": {"type": "string"},
        "balance": {"type": "string"},
        "currency": {"type": "string"},
        "days_past_due": {"type": "integer"},
        "status": {"type": "string"},
        "next_due_date": {"type": ["string", "null"]},
        "flags": {"type": "array", "items": {"type": "string"}},
        "contact": {"type": ["object", "null"]},
        "hold": _ref("Hold"),
        "updated_at": {"type": "string"},
    },
}

TICKET_IN = {
    "type": "object",
    "required": ["type", "subject", "text"],
    "properties": {
        "type": {"type": "string", "enum": [t.value for t in TicketType]},
        "account": {**TEXT, "maxLength": 64},
        "creditor": {**TEXT, "maxLength": 120},
        "contact": _ref("ContactInput"),
        "subject": {**TEXT, "maxLength": 300},
        "text": TEXT,
        "channel": {"type": "string", "enum": ["api"]},
    },
    "anyOf": [{"required": ["account"]}, {"required": ["contact"]}],
}

TICKET = {
    "type": "object",
    "required": ["folio", "status", "type", "messages", "accounts"],
    "properties": {
        "folio": {"type": "string"},
        "status": {"type": "string"},
        "type": {"type": "string"},
        "subject": {"type": "string"},
        "outcome": {"type": ["string", "null"]},
        "messages": {"type": "array"},
        "accounts": {"type": "array", "items": _ref("Account")},
    },
}

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": ["object", "array"]},
            },
        }
    },
}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _ok(description: str, schema: dict[str, Any], code: str = "200") -> dict[str, Any]:
    return {code: {"description": description, "content": {"application/json": {"schema": schema}}}}


NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^[A-Za-z0-9._-]+$"},
}
FOLIO = {
    "name": "folio",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": r"^[A-Z]{2,8}-[0-9]{4}-[0-9]{6,}$"},
}
CREDITOR = {"name": "creditor", "in": "query", "required": False, "schema": {"type": "string"}}


def paths() -> dict[str, Any]:
    return {
        "/accounts/{number}": {
            "put": {
                "summary": "Create or update one account",
                "operationId": "putAccount",
                "parameters": [NUMBER],
                "requestBody": _json_body(_ref("AccountInput")),
                "responses": {
                    **_ok("Updated", _ref("Account")),
                    **_ok("Created", _ref("Account"), "201"),
                    **_error_responses(400, 401, 403, 409, 413, 422),
                },
            },
            "get": {
                "summary": "One account with its hold state",
                "operationId": "getAccount",
                "parameters": [NUMBER, CREDITOR],
                "responses": {
                    **_ok("The account", _ref("Account")),
                    **_error_responses(401, 403, 404, 409),
                },
            },
        },
        "/accounts:batch": {
            "post": {
                "summary": f"Create or update up to {MAX_BATCH} accounts",
                "operationId": "batchAccounts",
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "required": ["accounts"],
                        "properties": {
                            "accounts": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": MAX_BATCH,
                                "items": {
                                    "allOf": [
                                        _ref("AccountInput"),
                                        {
                                            "type": "object",
                                            "required": ["number"],
                                            "properties": {"number": NUMBER["schema"]},
                                        },
                                    ]
                                },
                            }
                        },
                    }
                ),
                "responses": {
                    **_ok("Per-row report", _ref("BatchReport")),
                    **_error_responses(400, 401, 403, 413, 422),
                },
            },
        },
        "/tickets": {
            "post": {
                "summary": "Open a ticket",
                "operationId": "createTicket",
                "requestBody": _json_body(_ref("TicketInput")),
                "responses": {
                    **_ok("Opened", _ref("Ticket"), "201"),
                    **_error_responses(400, 401, 403, 404, 409, 413, 422),
                },
            },
        },
        "/tickets/{folio}": {
            "get": {
                "summary": "One ticket",
                "operationId": "getTicket",
                "parameters": [FOLIO],
                "responses": {
                    **_ok("The ticket", _ref("Ticket")),
                    **_error_responses(401, 403, 404),
                },
            },
        },
        "/tickets/{folio}/resolve": {
            "post": {
                "summary": "Record the outcome and resolve",
                "operationId": "resolveTicket",
                "parameters": [FOLIO],
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "required": ["outcome"],
                        "properties": {
                            "outcome": {"type": "string", "enum": list(OUTCOMES)},
                            "note": {"type": "string"},
                        },
                    }
                ),
                "responses": {
                    **_ok("Resolved", _ref("Ticket")),
                    **_error_responses(400, 401, 403, 404, 413, 422),
                },
            },
        },
    }


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Aclara API",
            "version": "1.0.0",
            "description": "Collection accounts, holds and tickets for the creditor's "
            "collection system.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "ContactInput": CONTACT_IN,
                "AccountInput": ACCOUNT_IN,
                "Account": ACCOUNT,
                "Hold": HOLD,
                "TicketInput": TICKET_IN,
                "Ticket": TICKET,
                "Error": ERROR,
                "BatchReport": {
                    "type": "object",
                    "required": ["created", "updated", "unchanged", "errors"],
                    "properties": {
                        "created": {"type": "integer"},
                        "updated": {"type": "integer"},
                        "unchanged": {"type": "integer"},
                        "errors": {"type": "array"},
                    },
                },
            },
        },
    }
