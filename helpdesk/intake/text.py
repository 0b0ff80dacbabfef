"""Text from outside (mail headers, JSON, forms) made storable before it reaches a service.

Every channel hands intake values that no one here wrote. Two shapes are cleaned here,
once, for all of them:

* ``clean_text``: a body or a form field — valid Unicode (a lone surrogate, which is
  what an undecodable byte becomes, is replaced by "?") and no NUL (replaced by U+FFFD),
  the same on every database; line breaks are kept.
* ``clean_line``: a header-like value (subject, display name, address, Message-ID) —
  the same, plus folding undone and every control character (CR, LF, TAB, NUL, C1 …)
  turned into a space, runs of spaces collapsed, and capped at a length.

``clean_inbound`` applies them to every field of an :class:`Inbound` and caps what a
hostile header can make expensive (thousands of addresses, references, huge subjects),
leaving a note (a skipped part) on the message; the raw message keeps everything.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace

from helpdesk.intake.inbound import Bounce, Inbound, Sender, SkippedPart, ThreadHints
from helpdesk.text import (  # noqa: F401  (the cleaning itself is shared plumbing)
    MAX_ADDRESS,
    MAX_ID,
    MAX_NAME,
    MAX_SUBJECT,
    SUMMARY_LENGTH,
    clean_id,
    clean_line,
    clean_text,
    summary_line,
)

# Caps on what one message may carry into intake (the raw row keeps the rest).
MAX_PARTICIPANTS = 50
MAX_RECIPIENTS = 100
MAX_REFERENCES = 50
_OCTETS = "application/octet-stream"


def clean_inbound(inbound: Inbound) -> Inbound:
    """``inbound`` with every value cleaned and the expensive ones capped (idempotent)."""
    notes: list[SkippedPart] = []
    participants = _people(inbound.participants)
    if len(participants) > MAX_PARTICIPANTS:
        notes.append(_note("participants", len(participants), MAX_PARTICIPANTS))
        participants = participants[:MAX_PARTICIPANTS]
    recipients = tuple(
        dict.fromkeys(
            filter(None, (clean_line(r, MAX_ADDRESS).lower() for r in inbound.recipients))
        )
    )
    if len(recipients) > MAX_RECIPIENTS:
        notes.append(_note("recipients", len(recipients), MAX_RECIPIENTS))
        recipients = recipients[:MAX_RECIPIENTS]
    hints = inbound.hints
    references = tuple(filter(None, (clean_id(r) for r in hints.references)))
    if len(references) > MAX_REFERENCES:
        notes.append(_note("references", len(references), MAX_REFERENCES))
        references = references[-MAX_REFERENCES:]  # the newest ones: the nearest parents
    subject = inbound.subject or ""
    if len(subject) > MAX_SUBJECT:
        notes.append(_note("subject", len(subject), MAX_SUBJECT))
    return replace(
        inbound,
        external_id=clean_id(inbound.external_id) or _hashed_id(inbound.external_id),
        sender=_person(inbound.sender),
        subject=clean_line(subject, MAX_SUBJECT),
        text=clean_text(inbound.text or ""),
        new_text=clean_text(inbound.new_text),
        html=clean_text(inbound.html),
        participants=participants,
        recipients=recipients,
        hints=ThreadHints(
            in_reply_to=clean_id(hints.in_reply_to),
            references=references,
            folio=clean_id(hints.folio),
            context_id=clean_id(hints.context_id),
        ),
        files=tuple(
            replace(f, filename=clean_line(f.filename, 255) or "attachment",
                    content_type=clean_line(f.content_type, 100).lower() or _OCTETS,
                    content_id=clean_id(f.content_id))
            for f in inbound.files
        ),
        skipped=tuple(
            replace(s, filename=clean_line(s.filename, 255), reason=clean_line(s.reason, 500),
                    content_type=clean_line(s.content_type, 100))
            for s in inbound.skipped
        ) + tuple(notes),
        language=clean_line(inbound.language, 8) or None,
        bounce=_bounce(inbound.bounce),
    )  # fmt: skip


MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def json_too_deep(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests arrays and objects deeper than ``limit`` (read without
    parsing it: ``json.loads`` recurses, and deep enough input raises RecursionError)."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub('""', text)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def _bounce(bounce: Bounce | None) -> Bounce | None:
    if bounce is None:
        return None
    return replace(
        bounce,
        original_message_id=clean_id(bounce.original_message_id),
        recipient=clean_line(bounce.recipient, MAX_ADDRESS).replace(" ", "") or None,
        action=clean_line(bounce.action, 20),
        status=clean_line(bounce.status, 20) or None,
        diagnostic=clean_line(bounce.diagnostic, 500),
    )


def _hashed_id(value: str) -> str:
    """An id for a message whose own id cleans to nothing: stable for the same value."""
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"sha256-{digest}@aclara.invalid"


def _person(sender: Sender) -> Sender:
    return replace(
        sender,
        value=clean_line(sender.value, MAX_ADDRESS).replace(" ", ""),
        display_name=clean_line(sender.display_name, MAX_NAME),
    )


def _people(people: tuple[Sender, ...]) -> tuple[Sender, ...]:
    seen: dict[str, Sender] = {}
    for person in people:
        cleaned = _person(person)
        if cleaned.value and cleaned.value not in seen:
            seen[cleaned.value] = cleaned
    return tuple(seen.values())


NOTE_TYPE = "text/x-aclara-note"


def _note(what: str, found: int, kept: int) -> SkippedPart:
    """A note kept with the message's skipped parts: ``what`` (participants, recipients,
    references, subject) had ``found`` items, only ``kept`` are on the message; the raw
    message keeps them all. The inbox shows it translated."""
    return SkippedPart(filename=what, content_type=NOTE_TYPE, size=found, reason=f"capped:{kept}")
