"""Charsets, encoded words, MIME parameters, addresses, Message-IDs, folios."""

from __future__ import annotations

import pytest

from helpdesk.channels.email.charsets import decode_bytes
from helpdesk.channels.email.headers import (
    decode_header_text,
    decode_words,
    message_ids,
    normalise_message_id,
    parse_addresses,
    parse_parameters,
)
from helpdesk.channels.email.parse import find_folio

SPANISH = "Señor, solicito la aclaración de mi deuda. ¿Ya pagué? Sí, el 3 de marzo."


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        (SPANISH.encode("utf-8"), "utf-8", SPANISH),
        (SPANISH.encode("latin-1"), "utf-8", SPANISH),  # Latin-1 mislabelled as UTF-8
        (SPANISH.encode("latin-1"), None, SPANISH),
        (SPANISH.encode("latin-1"), "us-ascii", SPANISH),
        (SPANISH.encode("utf-8"), "iso-8859-1", SPANISH),  # UTF-8 mislabelled as Latin-1
        (SPANISH.encode("utf-8"), "utf-8lol", SPANISH),  # unknown label
        (SPANISH.encode("cp1252"), "x-unknown", SPANISH),
        ("“Pagué” 20 € – ya".encode("cp1252"), "iso-8859-1", "“Pagué” 20 € – ya"),  # C1 range
        ("付款确认 镕".encode("gb18030"), "gb2312", "付款确认 镕"),  # 镕 is not in GB2312
        ("결제 확인 똠".encode("cp949"), "ks_c_5601-1987", "결제 확인 똠"),  # 똠: cp949 only
        ("お支払いの確認".encode("iso-2022-jp"), "iso-2022-jp", "お支払いの確認"),
        ("お支払いの確認".encode("iso-2022-jp"), None, "お支払いの確認"),  # 7-bit JIS unlabelled
        ("お支払い ①".encode("cp932"), "iso-2022-jp", "お支払い ①"),  # Shift_JIS mislabelled
        (b"plain ascii", "utf-16", "plain ascii"),
        (b"", "utf-8", ""),
    ],
)
def test_decode_bytes(data: bytes, declared: str | None, expected: str) -> None:
    assert decode_bytes(data, declared) == expected


def test_the_detector_reads_unlabelled_cyrillic() -> None:
    text = "Здравствуйте! Прошу предоставить выписку по моему счёту за прошлый месяц, спасибо."
    assert decode_bytes(text.encode("cp1251"), None) == text


def test_garbage_never_raises() -> None:
    assert isinstance(decode_bytes(bytes(range(256)) * 4, "utf-8"), str)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?UTF-8?Q?Aclaraci=C3=B3n?= de saldo", "Aclaración de saldo"),
        ("=?utf-8?B?QWNsYXJhY2nDs24=?= =?utf-8?B?IGRlIHNhbGRv?=", "Aclaración de saldo"),
        ("=?utf-8?B?QWNsYXJhY2nD?= =?utf-8?B?s24=?=", "Aclaración"),  # a character split in two
        ("=?utf-8?B?QWNsYXJhY2nDs24?=", "Aclaración"),  # padding missing
        ("Re: =?iso-8859-1?Q?N=FAmero?= de cuenta", "Re: Número de cuenta"),
        ("=?iso-8859-1?q?se=F1or?==?utf-8?q?_caf=C3=A9?=", "señor café"),  # no space between
        ("=?utf-8?Q?se=F1or?=", "señor"),  # Latin-1 bytes in a UTF-8 word
        ("=?x-unknown?Q?informaci=C3=B3n?=", "información"),
        ("=?utf-8*es?Q?pago?=", "pago"),  # RFC 2231 language in RFC 2047
        ("Sin\r\n codificar", "Sin codificar"),
        ("=?utf-8?Q?roto", "=?utf-8?Q?roto"),
    ],
)
def test_decode_header_text(raw: str, expected: str) -> None:
    assert decode_header_text(raw) == expected


def test_raw_8bit_headers() -> None:
    latin1 = "Aclaraci\udcf3n"  # what the parser keeps for a raw 0xF3 byte
    utf8 = "Aclaraci\udcc3\udcb3n"
    assert decode_header_text(latin1) == "Aclaración"
    assert decode_header_text(utf8) == "Aclaración"


def test_decode_words_keeps_spaces_around_plain_text() -> None:
    assert decode_words("Hola =?utf-8?Q?Jos=C3=A9?= y Ana") == "Hola José y Ana"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            'text/plain; charset="UTF-8"; format=flowed',
            ("text/plain", {"charset": "UTF-8", "format": "flowed"}),
        ),
        ("Text/HTML", ("text/html", {})),
        (
            "attachment; filename*=utf-8''estado%20de%20cuenta%20%E2%82%AC.pdf",
            ("attachment", {"filename": "estado de cuenta €.pdf"}),
        ),
        (
            "attachment; filename*0*=iso-8859-1''aclaraci%F3n; filename*1=\".pdf\"",
            ("attachment", {"filename": "aclaración.pdf"}),
        ),
        (
            'application/pdf; name="=?utf-8?B?w7FhbmR1LnBkZg==?="',
            ("application/pdf", {"name": "ñandu.pdf"}),
        ),
        ('attachment; filename="se\udcf1or.pdf"', ("attachment", {"filename": "señor.pdf"})),
        ("attachment; filename*=x-unknown''se%F1or.pdf", ("attachment", {"filename": "señor.pdf"})),
        (
            'attachment; filename="a;b.pdf"; size=10',
            ("attachment", {"filename": "a;b.pdf", "size": "10"}),
        ),
        ('attachment; filename="sin cierre.pdf', ("attachment", {"filename": "sin cierre.pdf"})),
        ('attachment; filename="di \\"hola\\".pdf"', ("attachment", {"filename": 'di "hola".pdf'})),
        ("", ("", {})),
    ],
)
def test_parse_parameters(value: str, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_parameters(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("María <MARIA@X.example>", [("María", "maria@x.example")]),
        (
            '"López, Ana" <ana@x.example>, b@y.example',
            [("López, Ana", "ana@x.example"), ("", "b@y.example")],
        ),
        ("=?utf-8?Q?Jos=C3=A9?= <j@x.example>", [("José", "j@x.example")]),
        ("a@b.example (Ana)", [("Ana", "a@b.example")]),
        ("Clientes: a@b.example, c@d.example;", [("", "a@b.example"), ("", "c@d.example")]),
        ("Undisclosed recipients:;", []),
        ("<a@b.example>", [("", "a@b.example")]),
        ("sin dirección", []),
    ],
)
def test_parse_addresses(value: str, expected: list[tuple[str, str]]) -> None:
    assert parse_addresses(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<Abc.123@Host.example>", "Abc.123@Host.example"),
        ("  <abc@host>  (comment)", "abc@host"),
        ("abc@host", "abc@host"),
        ("\r\n <abc@host>", "abc@host"),
        ("", None),
        (None, None),
        ("two words", None),
    ],
)
def test_normalise_message_id(value: str | None, expected: str | None) -> None:
    assert normalise_message_id(value) == expected


def test_message_ids_keep_order_and_drop_duplicates() -> None:
    assert message_ids("<a@x>\r\n <b@x> <a@x>") == ("a@x", "b@x")
    assert message_ids("a@x b@x") == ("a@x", "b@x")
    assert message_ids(None) == ()


@pytest.mark.parametrize(
    ("subject", "prefix", "expected"),
    [
        ("Re: [ACL-2026-000123] Aclaración", "ACL", "ACL-2026-000123"),
        ("Re: acl-2026-000123 pago", "ACL", "ACL-2026-000123"),
        ("ver ACL-2025-000001 y [ACL-2026-000123]", "ACL", "ACL-2026-000123"),
        ("folio ACL-2026-1234567", "ACL", "ACL-2026-1234567"),
        ("XACL-2026-000123", "ACL", None),
        ("ACL-2026-00012", "ACL", None),
        ("[COB-2026-000777] saldo", "COB", "COB-2026-000777"),
        ("[ACL-2026-000123]", "COB", None),
    ],
)
def test_find_folio(subject: str, prefix: str, expected: str | None) -> None:
    assert find_folio(subject, prefix=prefix) == expected
