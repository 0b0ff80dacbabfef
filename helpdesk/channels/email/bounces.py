"""Read delivery-failure reports (bounces) into :class:`~helpdesk.intake.inbound.Bounce`.

RFC 3464 reports (``multipart/report; report-type=delivery-status``): the
``message/delivery-status`` part holds one per-message block and one block per recipient
(``Final-Recipient``, ``Action``, ``Status``, ``Diagnostic-Code``). We report the first
recipient whose ``Action`` is ``failed``, else ``delayed``, else the first one; the
decision rests on ``Action`` (a missing one is inferred from the status class). The
original Message-ID comes from the returned ``message/rfc822`` or ``text/rfc822-headers``
part, else from a ``Message-ID:`` line in the human-readable text, else from Gmail's
``X-Original-Message-ID`` in the per-message block.

Informal bounces (no report structure): ``Action`` is ``delayed`` when the subject speaks
of a delay, or the text does without calling the error permanent, else ``failed``; the
status is the first ``d.d.d`` code in the text; the recipient is ``X-Failed-Recipients`` or
the first address on the diagnostic line; the diagnostic is the first line with an SMTP
reply or status code, else the first with a typical phrase ("User unknown", "no
existe"…), else the first non-blank line.

Both the original Message-ID and the recipient may be None when the report does not say.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from helpdesk.channels.email.charsets import decode_bytes
from helpdesk.channels.email.headers import RawHeaders, normalise_message_id, part_info, unfold
from helpdesk.channels.email.parts import inner_message, report_bytes
from helpdesk.intake.inbound import Bounce

_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_MESSAGE_ID_LINE = re.compile(r"^[ \t>]*Message-ID:\s*(<[^<>\s]{1,500}>)", re.IGNORECASE | re.M)
_ADDRESS = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
_SMTP_REPLY = re.compile(r"\b[45]\d\d[ -]|\b[45]\.\d{1,3}\.\d{1,3}\b")
_FAILURE_PHRASE = re.compile(
    r"user unknown|does not exist|no existe|mailbox (?:unavailable|full)|address rejected"
    r"|no such user|not found|rechaz|could(?:n't| not) be delivered|no se pudo entregar",
    re.IGNORECASE,
)
_DELAY = re.compile(r"delay|retrasad|demorad|will retry|se volver[áa] a intentar|warning:", re.I)
_PERMANENT = re.compile(r"permanent|permanente|no se volver[áa] a intentar", re.IGNORECASE)
_ACTION_BY_CLASS = {"5": "failed", "4": "delayed", "2": "delivered"}
_ACTION_RANK = {"failed": 0, "delayed": 1}
_MAX_WALK = 200


def formal_bounce(msg: EmailMessage, text: str) -> Bounce:
    """An RFC 3464 delivery-status report."""
    blocks = _status_blocks(msg) or [{}]
    chosen = min(blocks[1:] or blocks, key=lambda block: _ACTION_RANK.get(_action(block), 2))
    recipient = _address_field(chosen.get("final-recipient") or chosen.get("original-recipient"))
    diagnostic = _after_type(chosen.get("diagnostic-code", "")) or _diagnostic_line(text)
    original = original_message_id(msg, text) or normalise_message_id(
        blocks[0].get("x-original-message-id")  # Gmail names it in the per-message block
    )
    return Bounce(
        original_message_id=original,
        recipient=recipient,
        action=_action(chosen),
        status=_first_status(chosen.get("status", "")),
        diagnostic=diagnostic,
    )


def _action(block: dict[str, str]) -> str:
    """The block's Action, or the one its status class implies (5 failed, 4 delayed…)."""
    words = block.get("action", "").split()
    if words:
        return words[0].lower()
    status = _first_status(block.get("status", "")) or "5"
    return _ACTION_BY_CLASS.get(status[0], "failed")


def informal_bounce(msg: EmailMessage, headers: RawHeaders, text: str, subject: str) -> Bounce:
    """A bounce without the RFC 3464 structure (Exim, old Exchange, many webmail hosts)."""
    diagnostic = _diagnostic_line(text)
    failed = headers.addresses("x-failed-recipients")
    recipient = failed[0][1] if failed else _first_address(diagnostic)
    head = text[:2000]
    delayed = _DELAY.search(subject) is not None or (
        _DELAY.search(head) is not None and _PERMANENT.search(head) is None
    )
    return Bounce(
        original_message_id=original_message_id(msg, text),
        recipient=recipient,
        action="delayed" if delayed else "failed",
        status=_first_status(text),
        diagnostic=diagnostic,
    )


def _status_blocks(msg: EmailMessage) -> list[dict[str, str]]:
    """The header blocks of the first ``message/delivery-status`` part, lower-case keys."""
    for part in _parts(msg):
        if part_info(part).content_type == "message/delivery-status":
            return _parse_blocks(report_bytes(part))
    return []


def _parse_blocks(data: bytes) -> list[dict[str, str]]:
    text = decode_bytes(data, "utf-8").replace("\r\n", "\n")
    blocks: list[dict[str, str]] = []
    for chunk in re.split(r"\n[ \t]*\n", text):
        fields: dict[str, str] = {}
        for line in re.sub(r"\n[ \t]+", " ", chunk).split("\n"):
            name, colon, value = line.partition(":")
            if colon and name.strip():
                fields.setdefault(name.strip().lower(), value.strip())
        if fields:
            blocks.append(fields)
    return blocks


def _parts(msg: EmailMessage) -> list[EmailMessage]:
    """Every part of ``msg`` without descending into attached messages."""
    found: list[EmailMessage] = []
    stack = [msg]
    while stack and len(found) < _MAX_WALK:
        part = stack.pop()
        found.append(part)
        if part.is_multipart() and part_info(part).maintype == "multipart":
            stack.extend(reversed(part.get_payload()))
    return found


def original_message_id(msg: EmailMessage, text: str = "") -> str | None:
    """The Message-ID of the message that bounced, from the report or its text."""
    for part in _parts(msg):
        ctype = part_info(part).content_type
        if ctype == "message/rfc822":
            inner, _ = inner_message(part, serialise=False)
            found = normalise_message_id(RawHeaders(inner).first("message-id"))
        elif ctype == "text/rfc822-headers":
            found = _message_id_in(decode_bytes(part.get_payload(decode=True) or b"", "utf-8"))
        else:
            continue
        if found:
            return found
    return _message_id_in(text)


def _message_id_in(text: str) -> str | None:
    match = _MESSAGE_ID_LINE.search(re.sub(r"(?i)(Message-ID:)\s*\r?\n[ \t]+", r"\1 ", text))
    return normalise_message_id(match.group(1)) if match else None


def _first_status(text: str) -> str | None:
    match = _STATUS.search(text)
    return match.group(1) if match else None


def _after_type(value: str) -> str:
    """``smtp; 550 5.1.1 …`` -> ``550 5.1.1 …``."""
    value = unfold(value)
    kind, semicolon, rest = value.partition(";")
    return (rest if semicolon and " " not in kind.strip() else value).strip()[:500]


def _address_field(value: str | None) -> str | None:
    if not value:
        return None
    address = _after_type(value).strip("<> ").lower()
    return address or None


def _first_address(text: str) -> str | None:
    match = _ADDRESS.search(text)
    return match.group(0).lower() if match else None


def _diagnostic_line(text: str) -> str:
    """The first line with an SMTP reply or status code, else with a failure phrase."""
    phrase = first = ""
    for raw in text.split("\n")[:200]:
        line = raw.strip(" \t>")
        if not line:
            continue
        if _SMTP_REPLY.search(line):
            return line[:500]
        if not phrase and _FAILURE_PHRASE.search(line):
            phrase = line
        first = first or line
    return (phrase or first)[:500]
