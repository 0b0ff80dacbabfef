"""Mutated mail for the fuzz test: seeds from CPython's own email test corpus and our
fixtures, each bent by one to three mutations of the kinds real mail shows (issue 12).

``mutated(count, seed)`` yields ``(name, bytes)``; the same seed gives the same files.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
FIXED_SEED = 12


def seed_for_run() -> int:
    """A fixed seed in CI (``CI=true``), a fresh one locally (the test prints it);
    ``FUZZ_SEED`` replays a run."""
    if os.environ.get("FUZZ_SEED"):
        return int(os.environ["FUZZ_SEED"])
    if os.environ.get("CI", "").lower() == "true":
        return FIXED_SEED
    return random.SystemRandom().randrange(1, 2**31)


def corpus() -> list[tuple[str, bytes]]:
    """CPython's ``test/test_email/data/*.txt`` (when the stdlib tests are installed) and
    our own fixtures."""
    seeds: list[tuple[str, bytes]] = []
    try:
        import test  # the stdlib test package; absent from some distributions

        data = Path(test.__file__).parent / "test_email" / "data"
        seeds += [(f"cpython-{p.stem}", p.read_bytes()) for p in sorted(data.glob("*.txt"))]
    except ImportError:
        pass
    seeds += [(f"ours-{p.stem}", p.read_bytes()) for p in sorted(FIXTURES.glob("*.eml"))]
    return seeds


def mutated(count: int, seed: int) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(seed)
    seeds = corpus()
    for n in range(count):
        name, raw = seeds[n % len(seeds)] if n < len(seeds) else rng.choice(seeds)
        applied = []
        for mutation in rng.sample(MUTATIONS, rng.randint(1, 3)):
            raw = mutation(rng, raw)
            applied.append(mutation.__name__)
        yield f"{n:05d}-{name}-{'+'.join(applied)}.eml", raw


# --- mutations ---------------------------------------------------------------------------


def _split(raw: bytes) -> tuple[bytes, bytes, bytes]:
    """(headers, separator, body); the separator is b"" when there is no blank line."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, body = raw.partition(separator)
        if found:
            return head, found, body
    return raw, b"", b""


def _newline(raw: bytes) -> bytes:
    return b"\r\n" if b"\r\n" in raw[:2000] else b"\n"


def _set_header(raw: bytes, name: bytes, value: bytes) -> bytes:
    head, separator, body = _split(raw)
    nl = _newline(raw)
    pattern = re.compile(rb"(?im)^" + re.escape(name) + rb":.*(?:\r?\n[ \t].*)*")
    line = name + b": " + value
    found = pattern.search(head)
    head = pattern.sub(lambda _m: line, head, count=1) if found else line + nl + head
    return head + (separator or nl + nl) + body


def broken_folding(rng: random.Random, raw: bytes) -> bytes:
    """Line breaks inside header values: unfolded (no leading space), bare CR or LF,
    folding with only whitespace, a continuation line first."""
    head, separator, body = _split(raw)
    if not head:
        return raw
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(head))
        head = head[:at] + rng.choice([b"\r\n", b"\n", b"\r", b"\r\n \r\n", b"\n\t\n"]) + head[at:]
    if rng.random() < 0.3:
        head = b" continuation before any header\r\n" + head
    return head + separator + body


def bad_charset(rng: random.Random, raw: bytes) -> bytes:
    charsets = [b"x-unknown", b"utf-7", b"utf-16", b"", b'"', b"iso-8859-99", b"gb18030", b"\xff"]
    charset = rng.choice(charsets)
    raw = re.sub(rb"(?i)charset=\"?[\w.:-]*\"?", b"charset=" + charset, raw)
    words = [
        b"=?" + charset + b"?q?Cargo_=E9=0A?=",
        b"=?utf-8?b?" + b"w6nDqQ" + b"?=",  # missing padding
        b"=?utf-8?q?=C3?= =?utf-8?q?=A9?=",  # a character split over two words
        b"=?unknown?x?abc?=",
        b"=?utf-8?q?Cargo=0D=0Ano_reconocido=00?=",
    ]
    return _set_header(raw, b"Subject", b" ".join(rng.sample(words, 2)))


def nul_bytes(rng: random.Random, raw: bytes) -> bytes:
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(len(raw) + 1)
        raw = raw[:at] + b"\x00" + raw[at:]
    return raw


def undecodable_bytes(rng: random.Random, raw: bytes) -> bytes:
    """Bytes no charset reads: lone UTF-8 continuation bytes, an encoded surrogate, an
    overlong sequence, Latin-1 in an UTF-8 message; in the headers and the body."""
    junk = [b"\xff", b"\xfe\xff", b"\xed\xa0\x80", b"\xc0\xaf", b"\xe9", b"\x80\x81", b"\xf4\x90"]
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(raw) + 1)
        raw = raw[:at] + rng.choice(junk) + raw[at:]
    if rng.random() < 0.5:
        raw = _set_header(raw, b"From", b"Jos\xe9 \xed\xa0\x80 <jos\xc3\xa9@correo.mx>")
    return raw


def truncated_mime(rng: random.Random, raw: bytes) -> bytes:
    """Cut anywhere (mid-header, mid-boundary), or drop the closing boundaries."""
    if rng.random() < 0.5 and b"--" in raw:
        raw = re.sub(rb"\r?\n--[^\r\n]*--[ \t]*\r?\n?", b"\n", raw)
    if len(raw) > 1:
        raw = raw[: rng.randrange(1, len(raw))]
    return raw


def huge_headers(rng: random.Random, raw: bytes) -> bytes:
    choice = rng.randrange(4)
    if choice == 0:
        return _set_header(raw, b"Subject", b"Cargo no reconocido " * rng.randint(100, 300))
    if choice == 1:
        n = rng.randint(1000, 4000)
        people = b", ".join(b"Persona %d <p%d@correo.mx>" % (i, i) for i in range(n))
        return _set_header(raw, rng.choice([b"To", b"Cc"]), people)
    if choice == 2:
        ids = b" ".join(b"<ref-%d@correo.mx>" % i for i in range(rng.randint(200, 2000)))
        return _set_header(raw, b"References", ids)
    return _set_header(raw, b"X-Relleno", b"a" * rng.randint(10_000, 100_000))


def bad_message_id(rng: random.Random, raw: bytes) -> bytes:
    values = [
        b"<bad-\xff@correo.mx>",
        b"<nul-\x00@correo.mx>",
        b"<>",
        b"",
        b"<a b c@correo.mx>",
        b"<" + b"x" * 2000 + b"@correo.mx>",
        b"sin-corchetes@correo.mx",
        b"<uno@correo.mx> <dos@correo.mx>",
        b"<\xed\xa0\x80@correo.mx>",
        b"<cr\r@correo.mx>",
    ]
    return _set_header(raw, b"Message-ID", rng.choice(values))


def missing_subject(rng: random.Random, raw: bytes) -> bytes:
    head, separator, body = _split(raw)
    head = re.sub(rb"(?im)^subject:.*(?:\r?\n[ \t].*)*(?:\r?\n)?", b"", head)
    if rng.random() < 0.5:
        body = b"\r\n\r\n  Primera l\xc3\xadnea del cuerpo\r\nsegunda\r\n" + body
    return head + separator + body


def deep_mime(rng: random.Random, raw: bytes) -> bytes:
    depth = rng.randint(40, 300)
    opening = b"".join(
        b"--d%d\r\nContent-Type: multipart/mixed; boundary=d%d\r\n\r\n" % (i, i + 1)
        for i in range(depth)
    )
    return (
        _set_header(raw, b"Content-Type", b"multipart/mixed; boundary=d0").split(b"\n\n")[0]
        + b"\r\n\r\n"
        + opening
        + b"--d%d\r\nContent-Type: text/plain\r\n\r\nhondo\r\n" % depth
    )


MUTATIONS: list[Callable[[random.Random, bytes], bytes]] = [
    broken_folding,
    bad_charset,
    nul_bytes,
    undecodable_bytes,
    truncated_mime,
    huge_headers,
    bad_message_id,
    missing_subject,
    deep_mime,
]
