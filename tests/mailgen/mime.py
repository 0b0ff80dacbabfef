"""Raw RFC 5322 / MIME bytes, written by hand so every encoding choice is ours to vary
(the ``email`` package would pick its own) and recorded in the manifest."""

from __future__ import annotations

import base64
import quopri
import struct
import zlib
from dataclasses import dataclass, field
from urllib.parse import quote

MAX_WORD = 75  # RFC 2047: an encoded word is at most 75 characters


@dataclass
class Part:
    headers: list[tuple[str, str]]
    body: bytes = b""
    children: list[Part] = field(default_factory=list)
    boundary: str = ""

    def render(self) -> bytes:
        head = "".join(f"{name}: {value}\n" for name, value in self.headers).encode("ascii")
        if not self.children:
            return head + b"\n" + self.body
        out = [head, b"\n"]
        for child in self.children:
            out += [f"--{self.boundary}\n".encode(), child.render(), b"\n"]
        out.append(f"--{self.boundary}--\n".encode())
        return b"".join(out)


def to_crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def encoded_words(text: str, charset: str, encoding: str) -> str:
    """``text`` as RFC 2047 words, split between characters (never inside one), folded."""
    words, current = [], ""
    for char in text:
        if len(_word(current + char, charset, encoding)) > MAX_WORD:
            words.append(_word(current, charset, encoding))
            current = ""
        current += char
    words.append(_word(current, charset, encoding))
    return "\n ".join(words)


def _word(text: str, charset: str, encoding: str) -> str:
    data = text.encode(charset)
    if encoding == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    # Q in its strictest form (RFC 2047 5(3)), valid in a phrase as well as in a subject.
    body = "".join(
        "_" if byte == 0x20 else chr(byte) if chr(byte).isalnum() and byte < 128 else f"={byte:02X}"
        for byte in data
    )
    return f"=?{charset}?Q?{body}?="


def mailbox(name: str, address: str) -> str:
    if name.isascii():
        return f"{name} <{address}>"
    return f"{encoded_words(name, 'utf-8', 'Q')} <{address}>"


def text_part(text: str, subtype: str, charset: str, cte: str) -> Part:
    data = text.encode(charset)
    if cte == "base64":
        body = base64.encodebytes(data)
    elif cte == "quoted-printable":
        body = quopri.encodestring(data)
    else:
        body = data
    headers = [
        ("Content-Type", f'text/{subtype}; charset="{charset}"'),
        ("Content-Transfer-Encoding", cte),
    ]
    return Part(headers, body if body.endswith(b"\n") else body + b"\n")


def attachment(data: bytes, content_type: str, filename: str) -> Part:
    if filename.isascii():
        disposition = f'attachment; filename="{filename}"'
    else:  # RFC 2231, as every current client writes a non-ASCII name
        disposition = f"attachment; filename*=utf-8''{quote(filename)}"
    headers = [
        ("Content-Type", content_type),
        ("Content-Disposition", disposition),
        ("Content-Transfer-Encoding", "base64"),
    ]
    return Part(headers, base64.encodebytes(data))


def multipart(subtype: str, boundary: str, children: list[Part]) -> Part:
    headers = [("Content-Type", f'multipart/{subtype}; boundary="{boundary}"')]
    return Part(headers, children=children, boundary=boundary)


def pdf(lines: list[str]) -> bytes:
    """A small valid one-page PDF showing ``lines`` (ASCII), as a receipt would."""
    text = " ".join(f"({line}) Tj T*" for line in lines)
    stream = f"BT /F1 11 Tf 14 TL 72 720 Td {text} ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, content in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png(width: int, height: int, shade: int) -> bytes:
    """A valid greyscale PNG (a photo of a receipt, as far as the parser can tell)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(
        b"\x00" + bytes((shade + x * 3 + y) % 256 for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
