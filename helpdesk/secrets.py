"""Sealing stored secrets with the app's key: mailbox and WhatsApp passwords and tokens,
outbound-webhook signing secrets, portal sign-in codes on their way through the queue.

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under a key derived from the
app's ``SECRET_KEY``: ``HKDF-SHA256(SECRET_KEY, salt=None, info=_KEY_INFO, length=32)``,
urlsafe-base64 encoded as Fernet expects. Changing ``SECRET_KEY`` therefore makes every
sealed value unreadable (``SecretError``): the admin enters those secrets again.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# The name says "mailbox passwords" because mailboxes were the first to use it; changing
# it would make every value sealed so far unreadable.
_KEY_INFO = b"aclara mailbox passwords v1"


class SecretError(ValueError):
    """A sealed value cannot be opened: the app's key changed, or the value is damaged."""


def seal(value: str, *, secret_key: str) -> str:
    """``value`` encrypted and authenticated with the app's ``secret_key`` (the caller's
    boundary passes ``SECRET_KEY``), as ASCII text to store."""
    return _fernet(secret_key).encrypt(value.encode()).decode("ascii")


def unseal(token: str, *, secret_key: str) -> str:
    """What ``seal`` sealed; ``SecretError`` when it cannot be read with this key."""
    try:
        return _fernet(secret_key).decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise SecretError(
            "cannot decrypt the stored secret (was HELPDESK_SECRET_KEY changed?)"
        ) from None


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))
