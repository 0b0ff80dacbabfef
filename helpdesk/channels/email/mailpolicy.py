"""``policy.default``, with each distinct header value parsed once.

``EmailPolicy`` parses a header with its RFC 5322 grammar (written in Python) every time
the header is *read*, and the feed parser itself reads each part's Content-Type several
times while it splits a message: most of a bare parse is spent re-parsing the same few
header values. The header objects it builds are immutable (``str`` subclasses with their
parse tree), so one object per (name, value) can be shared by every read of every message.
The cache is bounded, so a sender cannot grow it, and ``lru_cache`` is thread-safe.
Parsing results are exactly those of ``policy.default``.
"""

from __future__ import annotations

import re
from email.headerregistry import BaseHeader, HeaderRegistry
from email.policy import EmailPolicy
from functools import lru_cache
from typing import Any

_LINE_BREAKS = re.compile(r"\n|\r")  # what EmailPolicy.header_fetch_parse unfolds


@lru_cache(maxsize=8192)
def _parsed_header(factory: HeaderRegistry, name: str, value: str) -> BaseHeader:
    return factory(name, value)


class SharedHeaderPolicy(EmailPolicy):
    def header_fetch_parse(self, name: str, value: Any) -> Any:
        if hasattr(value, "name"):  # already a header object (set by a program)
            return value
        return _parsed_header(self.header_factory, name, "".join(_LINE_BREAKS.split(value)))


PARSE_POLICY = SharedHeaderPolicy()
