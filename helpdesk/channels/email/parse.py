"""Raw RFC 5322 bytes -> :class:`~helpdesk.intake.inbound.Inbound`. Pure: no database, no app.

Rules (details in the modules named):

* **Identity**: ``external_id`` is the Message-ID without angle brackets or whitespace,
  case kept; a message without one (or with an unusable one) gets
  ``sha256-<hex of its bytes>@aclara.invalid``, so a redelivery maps to the same id.
  ``raw_sha256`` is always set.
* **People**: the sender is the first address of From (else Sender, Reply-To,
  Return-Path; an empty value when none has an address), display names decoded,
  addresses lower-cased. ``recipients``: every address in To, Cc, Delivered-To,
  X-Original-To and Envelope-To, lower-cased, in order, once each (Cc counts: a
  helpdesk address can be Cc'd). ``participants``: To and Cc people who are neither the
  sender nor on ``our_domains``.
* **Thread hints**: In-Reply-To (its first id), References (all ids, order kept), and the
  folio in the subject, ``[ACL-2026-000123]`` or bare, in any case, returned upper-case
  (``folio_prefix`` sets the letters).
* **Body** (:mod:`parts`): text/plain wins for ``text``; HTML is sanitised into ``html``
  (:mod:`sanitise`) and, for HTML-only mail, gives ``text``. ``new_text`` is the text
  without the quoted history (:mod:`quotes`; HTML markers are used when the text has
  none), followed by any forwarded-message blocks; None when no history was found.
* **Charsets** (:mod:`charsets`), **automatic mail and bounces** (:mod:`automatic`,
  :mod:`bounces`): a bounce sets ``bounce`` and ``is_auto_reply``.
* **Refusal**: empty input, input without any header, or headers none of which is a mail
  header (From, To, Subject, Date, Message-ID, Received, …) raise
  :class:`UnparseableEmail`; every other defect is tolerated.
* ``sent_at`` is the Date header in UTC (a date without zone is taken as UTC); None when
  it cannot be read or is before 1990 (a sender clock at zero). Nothing here reads the
  clock, so a date in the future is kept: the caller can compare it with ``now``.
* ``language`` is the primary tag of Content-Language, lower-cased (``es-CO`` -> ``es``).
"""

from __future__ import annotations

import email
import hashlib
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from functools import cache
from typing import cast

from helpdesk.channels.email.automatic import detect_bounce, is_automatic
from helpdesk.channels.email.headers import (
    RawHeaders,
    message_ids,
    normalise_message_id,
    on_domains,
)
from helpdesk.channels.email.mailpolicy import PARSE_POLICY
from helpdesk.channels.email.parts import (
    Body,
    body_html_source,
    body_text,
    read_body,
    with_forwards,
)
from helpdesk.channels.email.quotes import has_html_quote, split_quoted
from helpdesk.channels.email.sanitise import html_to_texts, sanitise_html
from helpdesk.intake.inbound import Inbound, Sender, ThreadHints
from helpdesk.intake.text import clean_id, clean_inbound

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
_MAIL_HEADERS = (
    "from", "to", "cc", "subject", "date", "message-id", "received", "return-path",
    "sender", "reply-to", "mime-version", "delivered-to", "in-reply-to",
)  # fmt: skip
_RECIPIENT_HEADERS = ("to", "cc", "delivered-to", "x-original-to", "envelope-to")
_SENDER_HEADERS = ("from", "sender", "reply-to", "return-path")
_EARLIEST_YEAR = 1990


class UnparseableEmail(ValueError):
    """The bytes are not an email at all; the caller quarantines them with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_email(
    raw: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    our_domains: tuple[str, ...] = (),
    folio_prefix: str = "ACL",
) -> Inbound:
    """Parse one raw message; raise :class:`UnparseableEmail` when it is not mail at all."""
    msg, headers = load_message(raw)
    digest = hashlib.sha256(raw).hexdigest()
    domains = tuple(d.strip().lower() for d in our_domains if d.strip())
    body = read_body(msg, max_bytes=max_bytes)
    text, new_text, html = _texts(body)
    bounce = detect_bounce(msg, headers=headers, text=text)
    sender = _sender(headers)
    return clean_inbound(Inbound(
        channel="email",
        external_id=clean_id(normalise_message_id(headers.first("message-id")))
        or f"sha256-{digest}@aclara.invalid",
        sender=sender,
        subject=headers.text("subject"),
        text=text,
        new_text=new_text,
        html=html,
        files=tuple(body.files),
        skipped=tuple(body.skipped),
        participants=_participants(headers, sender.value, domains),
        recipients=tuple(dict.fromkeys(a for _, a in headers.addresses(*_RECIPIENT_HEADERS))),
        hints=thread_hints(headers, folio_prefix=folio_prefix),
        sent_at=_sent_at(headers.first("date")),
        is_auto_reply=bounce is not None or is_automatic(msg, our_domains=domains, headers=headers),
        bounce=bounce,
        language=_language(headers.first("content-language")),
        raw_sha256=digest,
    ))


def load_message(raw: bytes) -> tuple[EmailMessage, RawHeaders]:
    """Parse ``raw`` with ``policy.default`` (headers parsed once); refuse what is not mail."""
    if not raw or not raw.strip():
        raise UnparseableEmail("empty message")
    try:
        msg = cast(EmailMessage, email.message_from_bytes(raw, policy=PARSE_POLICY))
    except Exception as exc:  # the stdlib parser is lenient; anything it raises is fatal
        raise UnparseableEmail(f"parser error: {type(exc).__name__}") from exc
    headers = RawHeaders(msg)
    headers.fallback_charset = headers.part_info.charset  # for raw 8-bit headers
    if headers.is_empty():
        raise UnparseableEmail("no headers")
    if not any(name in headers for name in _MAIL_HEADERS):
        raise UnparseableEmail("no mail headers (From, To, Subject, Date, Message-ID…)")
    return msg, headers


def _texts(body: Body) -> tuple[str, str | None, str | None]:
    """(text, new_text, sanitised html) of the walked body."""
    own, html_new = body_text(body)
    html_source = body_html_source(body)
    new = html_new if html_new is not None else split_quoted(own)
    if new is None and html_source and body.plain and has_html_quote(html_source):
        new = html_to_texts(html_source)[1]
    text = with_forwards(own, body)
    new_text = with_forwards(new, body) if new is not None else None
    html = sanitise_html(html_source) if html_source else None
    return text, new_text, html or None


def _sender(headers: RawHeaders) -> Sender:
    for name in _SENDER_HEADERS:
        found = headers.addresses(name)
        if found:
            display_name, address = found[0]
            return Sender(kind="email", value=address, display_name=display_name)
    return Sender(kind="email", value="")


def _participants(headers: RawHeaders, sender: str, domains: tuple[str, ...]) -> tuple[Sender, ...]:
    people: dict[str, Sender] = {}
    for display_name, address in headers.addresses("to", "cc"):
        if address == sender or address in people or on_domains(address, domains):
            continue
        people[address] = Sender(kind="email", value=address, display_name=display_name)
    return tuple(people.values())


def thread_hints(headers: RawHeaders, *, folio_prefix: str = "ACL") -> ThreadHints:
    """In-Reply-To, References and the subject's folio."""
    references = message_ids(" ".join(headers.all("references")))
    return ThreadHints(
        in_reply_to=normalise_message_id(headers.first("in-reply-to")),
        references=references,
        folio=find_folio(headers.text("subject"), prefix=folio_prefix),
    )


def find_folio(subject: str, *, prefix: str = "ACL") -> str | None:
    """``ACL-2026-000123`` from ``Re: [ACL-2026-000123] …`` (a bracketed one first)."""
    found = _folio_pattern(prefix.upper()).findall(subject.upper())
    if not found:
        return None
    bracketed = [folio for bracket, folio in found if bracket]
    return bracketed[0] if bracketed else found[0][1]


@cache
def _folio_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"(\[\s*)?(?<![\w-])({re.escape(prefix)}-\d{{4}}-\d{{6,}})(?![\w-])")


def _sent_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.year < _EARLIEST_YEAR:  # a clock at 0 (1970) or a broken year: not a date
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _language(value: str | None) -> str | None:
    if not value:
        return None
    primary = value.split(",")[0].strip().split("-")[0].lower()
    return primary if primary.isalpha() and len(primary) <= 8 else None
