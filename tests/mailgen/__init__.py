"""Generated debt-collection mail for tests and benchmarks, with the truth of each message.

    python -m tests.mailgen --count 5000 --seed 42 --out /tmp/mail [--manifest /tmp/mail.jsonl]

Deterministic for a seed: the same seed gives the same bytes, so a benchmark prints its
seed and a failing test names its file. About 30 % of messages are replies to an earlier
one (In-Reply-To, References, quoted history in Gmail, Apple Mail or Outlook style), some
carry PDF or PNG attachments (non-ASCII names in RFC 2231 form), some are HTML only, and
subjects and names are RFC 2047 encoded in UTF-8 or ISO-8859-1. About 4 % come from old
desktop clients that send raw 8-bit ISO-8859-1 bodies; 2 % are vacation auto-replies.
Files are numbered in date order.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from tests.mailgen import content, mime
from tests.mailgen.content import Person

HELPDESK = "cobranzas@helpdesk.example"
START = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC)
ATTACHMENT_NAMES = (
    ("comprobante_pago.pdf", "application/pdf"),
    ("estado de cuenta.pdf", "application/pdf"),
    ("Aclaración cargo.pdf", "application/pdf"),
    ("identificación oficial.pdf", "application/pdf"),
    ("captura_transferencia.png", "image/png"),
    ("foto del recibo.png", "image/png"),
)


@dataclass
class Thread:
    who: Person
    subject: str
    filled: dict[str, str]
    ids: list[str] = field(default_factory=list)
    last_text: str = ""
    last_at: dt.datetime = START


@dataclass
class Generator:
    seed: int
    to: str = HELPDESK
    reply_ratio: float = 0.30
    rng: random.Random = field(init=False)
    threads: list[Thread] = field(default_factory=list)
    now: dt.datetime = START

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def messages(self, count: int) -> Iterator[tuple[bytes, dict[str, Any]]]:
        for number in range(count):
            self.now += dt.timedelta(minutes=self.rng.randint(1, 40))
            yield self.message(number)

    def message(self, number: int) -> tuple[bytes, dict[str, Any]]:
        rng = self.rng
        autoreply = rng.random() < 0.02
        replying = bool(not autoreply and self.threads and rng.random() < self.reply_ratio)
        if replying:
            thread = rng.choice(self.threads[-200:])
            subject = (
                thread.subject if thread.subject.startswith("Re: ") else f"Re: {thread.subject}"
            )
            text, quoted = self.reply_text(thread)
        else:
            who = content.person(rng, number)
            filled = content.case(rng, who, self.now)
            subject, paragraph = content.opening(rng, filled)
            thread = Thread(who, subject, filled)
            if autoreply:
                subject = f"Respuesta automática: {subject}"
                text = f"Estoy fuera de la oficina hasta el lunes.\n\n{who.name}"
            else:
                self.threads.append(thread)
                text = content.body(rng, who, paragraph, filled)
            quoted = False
        legacy = rng.random() < 0.04 and fits_latin1(text)
        charset = "iso-8859-1" if legacy else "utf-8"
        if not legacy and rng.random() < 0.1:
            text += " 🙏"
        cte = "8bit" if legacy else rng.choice(("quoted-printable", "base64", "8bit"))
        structure = (
            "plain" if legacy else rng.choices(("plain", "alternative", "html_only"), (6, 3, 1))[0]
        )
        if quoted and structure == "html_only":
            structure = "alternative"  # HTML-only replies quote in markup; kept to new mail
        files = self.attachments() if not autoreply and rng.random() < 0.15 else []
        message_id = f"<{number}.{rng.getrandbits(40):010x}@{thread.who.address.split('@')[1]}>"
        entry = {
            "file": f"{number:05d}.eml",
            "message_id": message_id,
            "date": self.now.isoformat(),
            "from_addr": thread.who.address,
            "from_name": thread.who.name,
            "cc": "",
            "subject": subject,
            "subject_encoding": "ascii",
            "is_reply": replying,
            "in_reply_to": thread.ids[-1] if replying else "",
            "references": list(thread.ids[-10:]) if replying else [],
            "thread_root": thread.ids[0] if replying else message_id,
            "autoreply": autoreply,
            "structure": structure,
            "charset": charset,
            "cte": cte,
            "attachments": [
                {"filename": name, "content_type": kind, "size": len(data)}
                for name, kind, data in files
            ],
        }
        if rng.random() < 0.1:
            entry["cc"] = f"familiar{number}@{rng.choice(content.DOMAINS)}"
        raw = self.render(entry, text, files)
        if not autoreply:
            thread.ids.append(message_id)
            thread.last_text, thread.last_at = text, self.now
        return raw, entry

    def reply_text(self, thread: Thread) -> tuple[str, bool]:
        new = f"{self.rng.choice(content.FOLLOW_UPS)}\n\n{thread.who.name}"
        if self.rng.random() < 0.2:
            return new, False  # the client left no quote
        line, prefixed = content.attribution(self.rng, thread.who, thread.last_at, thread.subject)
        previous = thread.last_text.splitlines()
        quote = [f"> {row}".rstrip() for row in previous] if prefixed else previous
        return "\n".join([new, "", line, *quote]), True

    def attachments(self) -> list[tuple[str, str, bytes]]:
        chosen = self.rng.sample(ATTACHMENT_NAMES, self.rng.choice((1, 1, 1, 2)))
        files = []
        for name, kind in chosen:
            if kind == "application/pdf":
                reference = self.rng.randint(10**8, 10**9)
                data = mime.pdf([f"Comprobante de pago {reference}", self.now.date().isoformat()])
            else:
                data = mime.png(
                    self.rng.randint(40, 120), self.rng.randint(20, 60), self.rng.randint(0, 255)
                )
            files.append((name, kind, data))
        return files

    def render(
        self, entry: dict[str, Any], text: str, files: list[tuple[str, str, bytes]]
    ) -> bytes:
        subject = entry["subject"]
        if subject.isascii():
            header_subject = subject
        else:
            charset = "iso-8859-1" if entry["charset"] == "iso-8859-1" else "utf-8"
            encoding = self.rng.choice(("Q", "B"))
            entry["subject_encoding"] = f"{charset}-{encoding}"
            header_subject = mime.encoded_words(subject, charset, encoding)
        headers = [
            ("From", mime.mailbox(entry["from_name"], entry["from_addr"])),
            ("To", self.to),
            *([("Cc", entry["cc"])] if entry["cc"] else []),
            ("Subject", header_subject),
            ("Date", format_datetime(self.now)),
            ("Message-ID", entry["message_id"]),
            *([("In-Reply-To", entry["in_reply_to"])] if entry["in_reply_to"] else []),
            *([("References", "\n ".join(entry["references"]))] if entry["references"] else []),
            *([("Auto-Submitted", "auto-replied")] if entry["autoreply"] else []),
            ("MIME-Version", "1.0"),
        ]
        body = self.body(entry, text)
        if files:
            parts = [body, *(mime.attachment(data, kind, name) for name, kind, data in files)]
            body = mime.multipart("mixed", self.boundary(entry, "mixed"), parts)
        body.headers[:0] = headers
        return mime.to_crlf(body.render())

    def body(self, entry: dict[str, Any], text: str) -> mime.Part:
        charset, cte = entry["charset"], entry["cte"]
        if entry["structure"] == "plain":
            return mime.text_part(text, "plain", charset, cte)
        html = html_of(text)
        if entry["structure"] == "html_only":
            return mime.text_part(html, "html", charset, cte)
        plain = mime.text_part(text, "plain", charset, cte)
        rich = mime.text_part(html, "html", charset, cte)
        return mime.multipart("alternative", self.boundary(entry, "alt"), [plain, rich])

    def boundary(self, entry: dict[str, Any], kind: str) -> str:
        return f"=_{kind}_{entry['file'][:5]}_{self.rng.getrandbits(32):08x}"


def fits_latin1(text: str) -> bool:
    try:
        text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return False
    return True


def html_of(text: str) -> str:
    """The HTML a webmail would send for ``text``: paragraphs, quoted history in a
    ``gmail_quote`` block."""
    from html import escape

    new, _, rest = text.partition("\n\n>")  # never true for HTML-only mail (no quotes)
    paragraphs = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in new.split("\n\n"))
    if rest:
        paragraphs += f'<div class="gmail_quote"><blockquote>{escape(rest)}</blockquote></div>'
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f"</head><body>{paragraphs}</body></html>"
    )


def write(count: int, seed: int, out: Path, manifest: Path | None, to: str = HELPDESK) -> int:
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for raw, entry in Generator(seed, to).messages(count):
        (out / entry["file"]).write_bytes(raw)
        entries.append(json.dumps(entry, ensure_ascii=False))
    if manifest is not None:
        manifest.write_text("\n".join(entries) + "\n", "utf-8")
    return len(entries)
