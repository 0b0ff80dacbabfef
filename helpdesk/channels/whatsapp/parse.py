"""Reading a Cloud API webhook payload: every entry, every change, every item.

Pure functions over the decoded JSON (no database). Zammad and Chatwoot read only the
first entry and change; a POST may batch up to 1,000 updates, so everything is walked.
Message types we do not know are kept as what they are, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MEDIA_KINDS = ("image", "video", "audio", "document", "sticker")


@dataclass(frozen=True)
class Change:
    """One ``entry[].changes[]`` item of field ``messages``."""

    phone_number_id: str
    display_number: str
    messages: list[dict[str, Any]]
    statuses: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
    errors: list[dict[str, Any]]


@dataclass(frozen=True)
class MediaRef:
    kind: str
    media_id: str
    mime_type: str
    sha256: str | None
    filename: str | None


@dataclass(frozen=True)
class Parsed:
    """What one inbound message says, ready for an ``Inbound``."""

    wamid: str
    kind: str
    text: str
    sent_at: datetime | None
    wa_id: str | None
    user_id: str | None
    context_id: str | None = None
    media: tuple[MediaRef, ...] = ()
    reaction_to: str | None = None
    emoji: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def changes(payload: Any) -> tuple[list[Change], list[str]]:
    """The ``messages`` changes of a payload, and what was skipped (other fields).
    ValueError when it is not a WhatsApp Business payload at all."""
    found: list[Change] = []
    skipped: list[str] = []
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise ValueError("not a whatsapp_business_account payload")
    for entry in _list(payload.get("entry")):
        for change in _list(entry.get("changes")):
            if change.get("field") != "messages":
                skipped.append(f"field {change.get('field')!r} ignored")
                continue
            found.append(_change(change.get("value") or {}))
    return found, skipped


def _change(value: dict[str, Any]) -> Change:
    metadata = value.get("metadata") or {}
    return Change(
        phone_number_id=str(metadata.get("phone_number_id") or ""),
        display_number=str(metadata.get("display_phone_number") or ""),
        messages=_list(value.get("messages")),
        statuses=_list(value.get("statuses")),
        contacts=_list(value.get("contacts")),
        errors=_list(value.get("errors")),
    )


def timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def profile_name(contacts: list[dict[str, Any]], wa_id: str | None, user_id: str | None) -> str:
    for contact in contacts:
        if (wa_id and contact.get("wa_id") == wa_id) or (
            user_id and contact.get("user_id") == user_id
        ):
            return str((contact.get("profile") or {}).get("name") or "")
    if len(contacts) == 1:
        return str((contacts[0].get("profile") or {}).get("name") or "")
    return ""


def user_id_of(message: dict[str, Any], contacts: list[dict[str, Any]]) -> str | None:
    """The business-scoped user id, from the message or its contact entry."""
    value = message.get("from_user_id") or message.get("user_id")
    if not value:
        wa_id = message.get("from")
        for contact in contacts:
            if contact.get("user_id") and (not wa_id or contact.get("wa_id") == wa_id):
                value = contact["user_id"]
                break
    return str(value) if value else None


def parse_message(message: dict[str, Any], contacts: list[dict[str, Any]]) -> Parsed:
    kind = str(message.get("type") or "unsupported")
    body = message.get(kind) if isinstance(message.get(kind), dict) else {}
    context = message.get("context") or {}
    details = {k: True for k in ("forwarded", "frequently_forwarded") if context.get(k)}
    if message.get("errors"):
        details["errors"] = _errors(message["errors"])
    parsed = Parsed(
        wamid=str(message.get("id") or ""),
        kind=kind,
        text=_text(kind, body, message),
        sent_at=timestamp(message.get("timestamp")),
        wa_id=str(message["from"]) if message.get("from") else None,
        user_id=user_id_of(message, contacts),
        context_id=str(context["id"]) if context.get("id") else None,
        media=_media(kind, body),
        reaction_to=str(body.get("message_id") or "") or None if kind == "reaction" else None,
        emoji=(body.get("emoji") or None) if kind == "reaction" else None,
        details=details | _extra(kind, body),
    )
    return parsed


def _text(kind: str, body: dict[str, Any], message: dict[str, Any]) -> str:
    if kind == "text":
        return str(body.get("body") or "")
    if kind in MEDIA_KINDS:
        return str(body.get("caption") or "")
    if kind == "location":
        return _location(body)
    if kind == "contacts":
        return "\n".join(_contact_card(c) for c in _list(message.get("contacts")))
    if kind == "interactive":
        reply = body.get(body.get("type") or "") or {}
        parts = [reply.get("title"), reply.get("description"), reply.get("body")]
        return "\n".join(str(p) for p in parts if p)
    if kind == "button":
        return str(body.get("text") or body.get("payload") or "")
    if kind == "system":
        return str(body.get("body") or "")
    return str(body.get("body") or body.get("text") or "") if body else ""


def _location(body: dict[str, Any]) -> str:
    lat, lng = body.get("latitude"), body.get("longitude")
    lines = [str(body[k]) for k in ("name", "address") if body.get(k)]
    if lat is not None and lng is not None:
        lines.append(f"📍 {lat}, {lng}")
        lines.append(f"https://www.openstreetmap.org/?mlat={lat}&mlon={lng}")
    if body.get("url"):
        lines.append(str(body["url"]))
    return "\n".join(lines)


def _contact_card(card: dict[str, Any]) -> str:
    name = (card.get("name") or {}).get("formatted_name") or ""
    phones = [p.get("phone") or p.get("wa_id") for p in _list(card.get("phones"))]
    emails = [e.get("email") for e in _list(card.get("emails"))]
    return " · ".join(str(v) for v in [name, *phones, *emails] if v)


def _media(kind: str, body: dict[str, Any]) -> tuple[MediaRef, ...]:
    if kind not in MEDIA_KINDS or not body.get("id"):
        return ()
    return (
        MediaRef(
            kind=kind,
            media_id=str(body["id"]),
            mime_type=str(body.get("mime_type") or "application/octet-stream"),
            sha256=str(body["sha256"]) if body.get("sha256") else None,
            filename=str(body["filename"]) if body.get("filename") else None,
        ),
    )


def _extra(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    if kind == "system":
        return {k: body[k] for k in ("type", "new_wa_id", "wa_id", "customer") if k in body}
    if kind == "interactive":
        reply = body.get(body.get("type") or "") or {}
        return {"reply_type": body.get("type"), "reply_id": reply.get("id")}
    if kind == "button":
        return {"payload": body.get("payload")}
    return {}


def _errors(errors: Any) -> list[dict[str, Any]]:
    return [
        {
            "code": e.get("code"),
            "title": e.get("title") or e.get("message"),
            "details": (e.get("error_data") or {}).get("details"),
        }
        for e in _list(errors)
    ]


def status_error(status: dict[str, Any]) -> tuple[int | None, str | None, str | None]:
    errors = _errors(status.get("errors"))
    if not errors:
        return None, None, None
    first = errors[0]
    return first["code"], first["title"], first["details"]


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
