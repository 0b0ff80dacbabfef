"""Walk a parsed message's MIME tree once: body text, HTML, files, forwarded mail, TNEF.

Rules:

* ``text/plain`` and ``text/html`` parts without a filename and not marked ``attachment``
  are the body; several of one kind are joined in order. Everything else is a file.
* ``multipart/*`` is walked depth first (at most 30 levels deep); a multipart whose
  boundary is broken is read as text.
* ``message/rfc822`` (a forwarded or attached message) is kept whole as an ``.eml`` file
  *and* summarised as a text block appended to the body, in this format::

      ---------- Mensaje reenviado ----------
      De: Nombre <a@b>
      Fecha: <its Date header as written>
      Asunto: <subject>
      Para: <to>

      <its text>

  Files inside it are not extracted again (they are in the ``.eml``). Inside a
  ``multipart/report`` (a bounce), the returned message is kept as a file only.
* ``application/ms-tnef`` / ``winmail.dat`` is unpacked with tnefparse into its files;
  its body is used only when the MIME message had no text of its own. When it cannot be
  unpacked (or holds nothing) it is kept as ``winmail.dat``.
* A file keeps its ``Content-ID`` (without angle brackets) as ``content_id``; it is
  ``is_inline`` when the HTML body references it as ``cid:``, whatever its disposition
  says (Apple Mail marks attachments inline; Gmail's bounce icon is an "attachment" its
  HTML shows). An inline file the HTML does not show stays a normal attachment, so it is
  never hidden from the agent.
* ``max_bytes`` caps the total size of the files kept: a file that would push the total
  over it is left out and recorded as ``SkippedPart(reason="too_large")``; a part that
  cannot be read at all is recorded with ``reason="unreadable"``. Body text is always kept.
* File names: RFC 2231 and RFC 2047 are decoded (raw 8-bit names too); directories and
  control characters are removed; a part without a name gets ``adjunto-<n>.<ext>``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import quopri
import re
from dataclasses import dataclass, field, replace
from email import message_from_bytes
from email.generator import BytesGenerator
from email.message import EmailMessage
from io import BytesIO
from typing import Any, cast
from urllib.parse import unquote

from helpdesk.channels.email.charsets import decode_bytes
from helpdesk.channels.email.headers import PartInfo, RawHeaders, part_info
from helpdesk.channels.email.mailpolicy import PARSE_POLICY
from helpdesk.channels.email.sanitise import html_to_texts
from helpdesk.intake.inbound import InboundFile, SkippedPart

logger = logging.getLogger(__name__)

MAX_DEPTH = 30
FORWARD_SEPARATOR = "---------- Mensaje reenviado ----------"
_TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
_REPORT_FILES = {
    "message/delivery-status": "delivery-status.txt",
    "text/rfc822-headers": "original-headers.txt",
    "message/disposition-notification": "disposition-notification.txt",
    "message/feedback-report": "feedback-report.txt",
}
_EXTENSIONS = {
    "application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
    "image/webp": ".webp", "image/bmp": ".bmp", "image/tiff": ".tif", "text/plain": ".txt",
    "text/html": ".html", "text/csv": ".csv", "text/calendar": ".ics", "message/rfc822": ".eml",
    "application/zip": ".zip", "application/msword": ".doc", "application/rtf": ".rtf",
    "application/vnd.ms-excel": ".xls", "application/xml": ".xml", "text/xml": ".xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}  # fmt: skip
_TYPES_BY_EXTENSION = {ext: ctype for ctype, ext in _EXTENSIONS.items()} | {
    ".jpeg": "image/jpeg", ".tiff": "image/tiff", ".htm": "text/html",
    ".msg": "application/vnd.ms-outlook", ".txt": "text/plain", ".xml": "application/xml",
}  # fmt: skip
_CID_REFERENCE = re.compile(r"""cid:([^"'\s<>)]+)""", re.IGNORECASE)
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]+")


@dataclass
class Body:
    """What one walk collects; ``collect_files=False`` reads text only."""

    max_bytes: int
    collect_files: bool = True
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)
    files: list[InboundFile] = field(default_factory=list)
    skipped: list[SkippedPart] = field(default_factory=list)
    tnef_text: str = ""
    tnef_html: str = ""
    total: int = 0

    def add_file(self, item: InboundFile) -> None:
        if not self.collect_files:
            return
        size = len(item.data)
        if self.total + size > self.max_bytes:
            self.skip(item.filename, item.content_type, size, "too_large")
            return
        self.total += size
        self.files.append(item)

    def skip(self, filename: str, content_type: str, size: int, reason: str) -> None:
        if self.collect_files:
            self.skipped.append(SkippedPart(filename, content_type, size, reason))

    def next_name(self, content_type: str) -> str:
        number = len(self.files) + len(self.skipped) + 1
        return f"adjunto-{number}{_EXTENSIONS.get(content_type, '.bin')}"


def body_text(body: Body) -> tuple[str, str | None]:
    """(own text, text without HTML-marked quotes or None); plain parts win over HTML.

    Forwarded-message blocks are not included: see :func:`with_forwards`.
    """
    plain = "\n\n".join(text.strip("\n").rstrip() for text in body.plain if text.strip())
    if plain:
        return plain, None
    html = body_html_source(body)
    if html:
        return html_to_texts(html)
    return body.tnef_text.replace("\r\n", "\n").strip("\n"), None


def with_forwards(text: str, body: Body) -> str:
    """``text`` followed by the forwarded-message blocks."""
    if not body.forwarded:
        return text
    return "\n\n".join([text.rstrip(), *body.forwarded]).strip("\n")


def body_html_source(body: Body) -> str:
    """The unsanitised HTML body (MIME HTML parts, else the TNEF one)."""
    return "\n".join(body.html) if body.html else body.tnef_html


def read_body(msg: EmailMessage, *, max_bytes: int, collect_files: bool = True) -> Body:
    """Walk ``msg`` once and collect its body and files."""
    body = Body(max_bytes=max_bytes, collect_files=collect_files)
    walk(msg, body, 0, in_report=False)
    _mark_inline(body)
    return body


def _mark_inline(body: Body) -> None:
    """A file is inline when the HTML body shows it (``cid:``), whatever its disposition."""
    html = body_html_source(body)
    if not html or not any(item.content_id for item in body.files):
        return
    shown = {unquote(cid).lower() for cid in _CID_REFERENCE.findall(html)}
    body.files = [
        replace(item, is_inline=item.content_id.lower() in shown) if item.content_id else item
        for item in body.files
    ]


def walk(part: EmailMessage, body: Body, depth: int, *, in_report: bool) -> None:
    info: PartInfo | None = None
    try:
        info = part_info(part)
        _dispatch(part, info, body, depth, in_report=in_report)
    except Exception as exc:  # one broken part must not lose the rest of the message
        ctype = info.content_type if info else "application/octet-stream"
        name = clean_filename(info.filename if info else None) or body.next_name(ctype)
        logger.warning("unreadable %s part skipped (%s)", ctype, type(exc).__name__)
        body.skip(name, ctype, 0, "unreadable")


def _dispatch(
    part: EmailMessage, info: PartInfo, body: Body, depth: int, *, in_report: bool
) -> None:
    ctype = info.content_type
    is_text_body = ctype in ("text/plain", "text/html") and _is_body(info)
    if depth > MAX_DEPTH:
        body.skip(body.next_name(ctype), ctype, 0, "too_deep")
    elif not (body.collect_files or is_text_body or info.maintype in ("multipart", "message")):
        return  # reading text only (a forwarded message): do not decode its files
    elif info.maintype == "multipart":
        _walk_multipart(part, info, body, depth, in_report=in_report)
    elif ctype == "message/rfc822":
        _forwarded(part, info, body, depth, in_report=in_report)
    elif ctype in _REPORT_FILES:
        body.add_file(InboundFile(_REPORT_FILES[ctype], "text/plain", report_bytes(part)))
    elif ctype in _TNEF_TYPES or (info.filename or "").lower() == "winmail.dat":
        _tnef(part, info, body)
    elif is_text_body:
        _body_text(part, info, body)
    else:
        _attachment(part, info, body)


def _walk_multipart(
    part: EmailMessage, info: PartInfo, body: Body, depth: int, *, in_report: bool
) -> None:
    if not part.is_multipart():  # broken boundary: the parser kept the payload as text
        body.plain.append(_decode_text(part, info))
        return
    in_report = in_report or info.content_type == "multipart/report"
    for child in part.get_payload():  # iter_parts() would re-parse Content-Type
        walk(child, body, depth + 1, in_report=in_report)


def _is_body(info: PartInfo) -> bool:
    return info.disposition != "attachment" and not info.filename


def _body_text(part: EmailMessage, info: PartInfo, body: Body) -> None:
    text = _decode_text(part, info)
    if info.content_type == "text/html":
        body.html.append(text)
        return
    if info.params.get("format", "").lower() == "flowed":
        text = unflow(text, delsp=info.params.get("delsp", "").lower() == "yes")
    body.plain.append(text)


def _decode_text(part: EmailMessage, info: PartInfo) -> str:
    data = part.get_payload(decode=True) or b""
    return decode_bytes(data, info.charset).replace("\r\n", "\n")


def unflow(text: str, *, delsp: bool = False) -> str:
    """Join RFC 3676 ``format=flowed`` soft line breaks."""
    out: list[str] = []
    pending = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.endswith(" ") and line != "-- ":
            pending += line[:-1] if delsp else line
            continue
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    return "\n".join(out)


def _attachment(part: EmailMessage, info: PartInfo, body: Body) -> None:
    data = part.get_payload(decode=True) or b""
    name = clean_filename(info.filename) or body.next_name(info.content_type)
    body.add_file(InboundFile(name, info.content_type, data, content_id=info.content_id))


def report_bytes(part: EmailMessage) -> bytes:
    """The text of a report part (``message/delivery-status`` parses into header blocks)."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return part.get_payload(decode=True) or b""
    data = b"\n".join(_block_bytes(block) for block in payload)
    encoding = (RawHeaders(part).first("content-transfer-encoding") or "").strip().lower()
    try:
        if encoding == "base64":  # the parser split encoded text as if it were headers
            return base64.b64decode(data)
        if encoding == "quoted-printable":
            return quopri.decodestring(data)
    except (binascii.Error, ValueError):
        pass
    return data


def _block_bytes(block: EmailMessage) -> bytes:
    lines = [f"{name}: {value}\n" for name, value in block.raw_items()]
    body = block.get_payload()
    if isinstance(body, str) and body:
        lines.append(("\n" if lines else "") + body)
    return "".join(lines).encode("utf-8", "surrogateescape")


# --- forwarded messages ------------------------------------------------------------------


def _forwarded(
    part: EmailMessage, info: PartInfo, body: Body, depth: int, *, in_report: bool
) -> None:
    inner, data = inner_message(part, serialise=body.collect_files)
    if body.collect_files:
        name = clean_filename(info.filename) or _eml_name(inner, body)
        body.add_file(InboundFile(name, "message/rfc822", data))
    if not in_report:
        body.forwarded.append(forward_block(inner, depth, max_bytes=body.max_bytes))


def inner_message(part: EmailMessage, *, serialise: bool = True) -> tuple[EmailMessage, bytes]:
    """The attached message and its bytes (undoing a base64/QP wrapper some clients add).

    With ``serialise=False`` the bytes of a message that was not wrapped are not rebuilt.
    """
    inner = part.get_payload(0)
    encoding = (RawHeaders(part).first("content-transfer-encoding") or "").strip().lower()
    if encoding in ("base64", "quoted-printable") and not list(inner.raw_items()):
        encoded = str(inner.get_payload()).encode("ascii", "replace")
        try:
            data = (
                base64.b64decode(encoded) if encoding == "base64" else quopri.decodestring(encoded)
            )
        except (binascii.Error, ValueError):
            data = encoded
        return cast(EmailMessage, message_from_bytes(data, policy=PARSE_POLICY)), data
    return inner, (message_bytes(inner) if serialise else b"")


def message_bytes(msg: EmailMessage) -> bytes:
    """Serialise a parsed message without refolding its headers."""
    out = BytesIO()
    generator = BytesGenerator(
        out, mangle_from_=False, policy=msg.policy.clone(refold_source="none")
    )
    generator.flatten(msg)
    return out.getvalue()


def forward_block(inner: EmailMessage, depth: int, *, max_bytes: int) -> str:
    headers = RawHeaders(inner)
    lines = [FORWARD_SEPARATOR]
    for label, name in (("De", "from"), ("Fecha", "date"), ("Asunto", "subject"), ("Para", "to")):
        value = headers.text(name)
        if value:
            lines.append(f"{label}: {value}")
    text_only = Body(max_bytes=max_bytes, collect_files=False)
    walk(inner, text_only, depth + 1, in_report=False)
    return "\n".join(lines) + "\n\n" + with_forwards(body_text(text_only)[0], text_only)


def _eml_name(inner: EmailMessage, body: Body) -> str:
    subject = RawHeaders(inner).text("subject")
    cleaned = clean_filename(subject)[:80].strip(" .")
    return f"{cleaned}.eml" if cleaned else body.next_name("message/rfc822")


# --- TNEF (winmail.dat) ------------------------------------------------------------------


def _tnef(part: EmailMessage, info: PartInfo, body: Body) -> None:
    data = part.get_payload(decode=True) or b""
    unpacked = unpack_tnef(data)
    if unpacked is None:
        name = clean_filename(info.filename) or "winmail.dat"
        body.add_file(InboundFile(name, "application/ms-tnef", data))
        return
    files, text, html = unpacked
    for item in files:
        body.add_file(item)
    body.tnef_text, body.tnef_html = text, html


def unpack_tnef(data: bytes) -> tuple[list[InboundFile], str, str] | None:
    """(files, text body, HTML body) of a TNEF blob, or None when it cannot be read."""
    from tnefparse.tnef import TNEF

    try:
        tnef = TNEF(data, do_checksum=False)
        files = [_tnef_file(item, number) for number, item in enumerate(tnef.attachments, 1)]
        text = _tnef_str(tnef.body, tnef.codepage)
        html = _tnef_str(tnef.htmlbody, tnef.codepage)
    except Exception:  # tnefparse raises anything on a damaged blob: keep it as is
        return None
    if not files and not text.strip() and not html.strip():
        return None
    return files, text, html


def _tnef_file(item: Any, number: int) -> InboundFile:  # a tnefparse TNEFAttachment
    raw_name = item.long_filename()
    name = clean_filename(raw_name if isinstance(raw_name, str) else "") or f"adjunto-{number}.bin"
    return InboundFile(name, _type_of(name), bytes(item.data or b""))


def _tnef_str(value: object, codepage: str | None) -> str:
    if isinstance(value, bytes):
        return decode_bytes(value.rstrip(b"\x00"), codepage or "cp1252")
    return value.rstrip("\x00") if isinstance(value, str) else ""


def _type_of(name: str) -> str:
    extension = "." + name.rpartition(".")[2].lower() if "." in name else ""
    return _TYPES_BY_EXTENSION.get(extension, "application/octet-stream")


# --- file names --------------------------------------------------------------------------


def clean_filename(name: str | None) -> str:
    """``name`` without directories, control or reserved characters; "" when nothing is left."""
    if not name:
        return ""
    name = name.replace("\\", "/").rpartition("/")[2]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (stem[:190] + dot + extension[:9]) if dot else name[:200]
    return name
