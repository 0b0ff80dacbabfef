"""``X-Hub-Signature-256``: HMAC-SHA256 of the exact raw body, keyed with the app secret.

Meta signs the body as sent (``ñ`` travels as ``\\u00f1``): hash the bytes, never a
re-serialisation, and compare in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

PREFIX = "sha256="


def sign(body: bytes, app_secret: bytes) -> str:
    return PREFIX + hmac.new(app_secret, body, hashlib.sha256).hexdigest()


def is_valid(body: bytes, header: str | None, app_secrets: Iterable[bytes]) -> bool:
    """True when ``header`` is the signature of ``body`` under one of ``app_secrets``."""
    if not header or not header.startswith(PREFIX):
        return False
    given = header.strip().encode("ascii", "replace")
    matched = False
    for secret in app_secrets:
        # No early exit: the time taken does not tell which secret (if any) matched.
        matched |= hmac.compare_digest(sign(body, secret).encode(), given)
    return matched
