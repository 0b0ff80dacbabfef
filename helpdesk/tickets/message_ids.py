"""Our outgoing Message-IDs, signed so that a forged reference is not trusted.

Shape: ``aclara.<ticket id>.<random>.<signature>@<domain>``. The signature is an HMAC of
the rest with the secret key, so a reply naming one of our ids can be threaded even when
the stored outgoing message is gone, and a made-up id naming a ticket is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

_OURS = re.compile(r"^aclara\.(\d+)\.([0-9a-f]{16})\.([0-9a-f]{20})@")


def _signature(secret: str, ticket_id: int, nonce: str) -> str:
    payload = f"{ticket_id}.{nonce}".encode()
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()[:20]


def make_message_id(ticket_id: int, *, domain: str, secret: str) -> str:
    """A new Message-ID (without angle brackets) for mail about ``ticket_id``."""
    nonce = secrets.token_hex(8)
    return f"aclara.{ticket_id}.{nonce}.{_signature(secret, ticket_id, nonce)}@{domain}"


def ticket_id_from(message_id: str, *, secret: str) -> int | None:
    """The ticket a Message-ID of ours names, or None (not ours, or a forgery)."""
    match = _OURS.match(message_id.strip("<> ").lower())
    if not match:
        return None
    ticket_id, nonce, signature = int(match.group(1)), match.group(2), match.group(3)
    if not hmac.compare_digest(signature, _signature(secret, ticket_id, nonce)):
        return None
    return ticket_id


def looks_like_ours(message_id: str) -> bool:
    return bool(_OURS.match(message_id.strip("<> ").lower()))
