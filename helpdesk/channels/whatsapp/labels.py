"""WhatsApp words shown to people: message kinds, media failures, Meta's error codes and
the audit events of the channel. Everything goes through gettext."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

KINDS = {
    "image": _l("Image"),
    "video": _l("Video"),
    "audio": _l("Voice or audio message"),
    "document": _l("Document"),
    "sticker": _l("Sticker"),
    "location": _l("Location"),
    "contacts": _l("Shared contact"),
    "interactive": _l("Reply to a button or list"),
    "button": _l("Template button reply"),
    "system": _l("WhatsApp system message"),
    "unsupported": _l("Message type WhatsApp does not support"),
    "template": _l("Template"),
    "order": _l("Order"),
}

MEDIA_REASONS = {
    "too_large": _l("the file is larger than WhatsApp allows for its type"),
    "sha256_mismatch": _l("the file did not match its checksum"),
    "expired": _l("WhatsApp no longer has the file (media is kept 7 days)"),
    "url_expired": _l("the download link kept expiring"),
    "no_token": _l("the number has no access token"),
    "no_number": _l("the number it came to is no longer configured"),
}

ERROR_HINTS = {
    131047: _l(
        "More than 24 hours had passed since the debtor's last message: "
        "only an approved template can reach them now."
    ),
    131026: _l("The debtor's phone cannot receive this message (no WhatsApp, or an old app)."),
    131051: _l("WhatsApp does not support this kind of message."),
    130429: _l("Too many messages per second from this number; it was tried again later."),
    131056: _l("Too many messages to this debtor in a short time; it was tried again later."),
    132000: _l("The template's parameters do not match the approved template."),
    132001: _l("The template does not exist in this language."),
    132015: _l("The template is paused for its low quality."),
}


def kind_label(kind: str | None) -> str:
    return str(KINDS.get(kind or "", kind or ""))


def media_reason(reason: str | None) -> str:
    if not reason:
        return ""
    return str(MEDIA_REASONS.get(reason, reason))


def error_hint(code: int | None) -> str:
    hint = ERROR_HINTS.get(code) if code is not None else None
    return str(hint) if hint else ""


def whatsapp_label(event: Any) -> str:
    after = event.after or {}
    action = event.action
    if action == "whatsapp.reaction":
        if after.get("emoji"):
            return _("The debtor reacted %(emoji)s", emoji=after["emoji"])
        return _("The debtor removed a reaction")
    if action == "whatsapp.media_downloaded":
        return _("%(kind)s downloaded from WhatsApp", kind=kind_label(after.get("kind")))
    if action == "whatsapp.media_failed":
        return _(
            "%(kind)s could not be downloaded: %(reason)s",
            kind=kind_label(after.get("kind")),
            reason=media_reason(after.get("error")),
        )
    return f"{action} ({event.actor_label})"
