"""Text from outside (JSON, forms) made storable before it reaches a service."""

from __future__ import annotations

from typing import Any


def clean_text(value: Any) -> Any:
    """JSON and forms may carry NUL characters and lone surrogates (``\\ud800``) that no
    database stores: they are replaced (NUL by U+FFFD, a lone surrogate by "?") instead of
    failing. Dicts and lists are cleaned throughout; other values pass unchanged."""
    if isinstance(value, str):
        if value.isascii() and "\x00" not in value:
            return value
        return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {clean_text(k): clean_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_text(v) for v in value]
    return value
