"""parse_email edge cases: refusal, identity, people, sizes, MIME oddities, robustness."""

from __future__ import annotations

import base64
import contextlib
import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpdesk.channels.email.parse import UnparseableEmail, parse_email
from helpdesk.channels.email.parts import unflow
from helpdesk.intake.inbound import Inbound

FIXTURES = Path(__file__).parents[2] / "fixtures" / "email"
HEAD = "From: Ana Ruiz <ana@cliente.example>\nTo: aclaraciones@aclara.example\nSubject: Saldo\n"


def mail(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def multipart(*parts: str, kind: str = "mixed", head: str = HEAD) -> bytes:
    body = "".join(f"--b\n{part}\n" for part in parts)
    return mail(
        f"{head}MIME-Version: 1.0\nContent-Type: multipart/{kind}; boundary=b\n\n{body}--b--\n"
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b"   \r\n\r\n  ", "empty message"),
        (b"\r\nbody without headers\r\n", "no headers"),
        (b"Foo: bar\r\nX-Thing: 1\r\n\r\nbody", "no mail headers"),
        (bytes(range(256)) * 8, "no headers"),
    ],
)
def test_what_is_not_mail_is_refused_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(UnparseableEmail) as refused:
        parse_email(raw)
    assert reason in refused.value.reason
    assert str(refused.value) == refused.value.reason


def test_a_message_with_defects_is_still_parsed() -> None:
    raw = mail(
        "From: nadie\nSubject: =?utf-8?Q?roto\nDate: ayer\nContent-Type: text/plain; charset=\n"
        "\nhola\n"
    )
    inbound = parse_email(raw)
    assert inbound.sender.value == "" and inbound.text == "hola"
    assert inbound.sent_at is None and inbound.subject == "=?utf-8?Q?roto"


def test_the_id_without_message_id_is_deterministic_and_differs_by_content() -> None:
    first = parse_email(mail(f"{HEAD}\nuno\n")).external_id
    assert first == parse_email(mail(f"{HEAD}\nuno\n")).external_id
    assert first != parse_email(mail(f"{HEAD}\ndos\n")).external_id
    assert first.startswith("sha256-") and first.endswith("@aclara.invalid")


def test_dates_are_utc_and_a_zoneless_date_is_taken_as_utc() -> None:
    inbound = parse_email(mail(f"{HEAD}Date: Mon, 23 Nov 2026 10:00:00 -0600\n\nx\n"))
    assert inbound.sent_at == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    inbound = parse_email(mail(f"{HEAD}Date: Mon, 23 Nov 2026 10:00:00 -0000\n\nx\n"))
    assert inbound.sent_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_people_recipients_and_participants() -> None:
    head = (
        "From: Ana <ANA@cliente.example>\nTo: Aclaraciones <aclaraciones@aclara.example>, "
        "Luis <luis@cliente.example>\n"
        "Cc: ana@cliente.example, Soporte <soporte@mx.aclara.example>\n"
        "Delivered-To: buzon@aclara.example\nX-Original-To: aclaraciones@aclara.example\n"
        "Subject: x\n"
    )
    inbound = parse_email(mail(f"{head}\nhola\n"), our_domains=("Aclara.example",))
    assert inbound.sender.value == "ana@cliente.example"
    assert inbound.recipients == (
        "aclaraciones@aclara.example",
        "luis@cliente.example",
        "ana@cliente.example",
        "soporte@mx.aclara.example",
        "buzon@aclara.example",
    )
    assert [p.value for p in inbound.participants] == ["luis@cliente.example"]


def test_the_sender_falls_back_to_sender_reply_to_and_return_path() -> None:
    raw = mail("To: a@aclara.example\nSubject: x\nReturn-Path: <rp@cliente.example>\n\nhola\n")
    assert parse_email(raw).sender.value == "rp@cliente.example"


def test_files_stop_at_max_bytes_and_the_rest_is_recorded() -> None:
    def attachment(name: str, size: int) -> str:
        data = base64.b64encode(b"x" * size).decode()
        return (
            f"Content-Type: application/octet-stream\n"
            f'Content-Disposition: attachment; filename="{name}"\n'
            f"Content-Transfer-Encoding: base64\n\n{data}"
        )

    raw = multipart(
        "Content-Type: text/plain\n\ncuerpo",
        attachment("a.bin", 60),
        attachment("b.bin", 41),
        attachment("c.bin", 40),
    )
    inbound = parse_email(raw, max_bytes=100)
    assert [f.filename for f in inbound.files] == ["a.bin", "c.bin"]  # exactly 100 fits
    assert [(s.filename, s.size, s.reason) for s in inbound.skipped] == [("b.bin", 41, "too_large")]
    assert inbound.text == "cuerpo"


def test_unnamed_and_dangerous_file_names() -> None:
    raw = multipart(
        "Content-Type: text/plain\n\ncuerpo",
        "Content-Type: image/png\nContent-Disposition: attachment\n\nx",
        (
            "Content-Type: application/pdf\n"
            'Content-Disposition: attachment; filename="../../etc/passwd"\n\nx'
        ),
        (
            "Content-Type: application/pdf\n"
            'Content-Disposition: attachment; filename="C:\\\\Users\\\\ana\\\\pago.pdf"\n\nx'
        ),
        'Content-Type: text/plain; name="notas.txt"\n\nuna nota',
    )
    names = [f.filename for f in parse_email(raw).files]
    assert names == ["adjunto-1.png", "passwd", "pago.pdf", "notas.txt"]


def test_several_text_parts_are_joined() -> None:
    raw = multipart(
        "Content-Type: text/plain\n\nuno",
        "Content-Type: image/png\nContent-ID: <i1>\n\nx",
        "Content-Type: text/plain\n\ndos",
    )
    inbound = parse_email(raw)
    assert inbound.text == "uno\n\ndos"
    # a Content-ID no HTML shows: a normal attachment, never hidden from the agent
    assert [(f.filename, f.content_id, f.is_inline) for f in inbound.files] == [
        ("adjunto-1.png", "i1", False)
    ]


def test_inline_means_shown_by_the_html_whatever_the_disposition() -> None:
    related = multipart(
        'Content-Type: text/html\n\n<p>Firma:</p><img src="CID:Firma%40x">',
        "Content-Type: image/png\nContent-Disposition: attachment\nContent-ID: <firma@x>\n\nx",
        "Content-Type: image/png\nContent-Disposition: inline\nContent-ID: <otra@x>\n\nx",
        kind="related",
    )
    inbound = parse_email(related)
    assert [(f.content_id, f.is_inline) for f in inbound.files] == [
        ("firma@x", True),
        ("otra@x", False),
    ]


def test_an_empty_plain_alternative_falls_back_to_the_html() -> None:
    raw = multipart(
        "Content-Type: text/plain\n\n",
        "Content-Type: text/html\n\n<p>Hola <b>Ana</b></p>",
        kind="alternative",
    )
    inbound = parse_email(raw)
    assert inbound.text == "Hola Ana" and inbound.html == "<p>Hola <b>Ana</b></p>"


def test_html_markers_give_new_text_when_the_plain_text_has_none() -> None:
    raw = multipart(
        "Content-Type: text/plain\n\nNuevo\n\nviejo sin marcas",
        'Content-Type: text/html\n\n<p>Nuevo</p><div class="gmail_quote">viejo sin marcas</div>',
        kind="alternative",
    )
    assert parse_email(raw).new_text == "Nuevo"


def test_a_broken_boundary_is_read_as_text() -> None:
    raw = mail(f"{HEAD}Content-Type: multipart/mixed\n\nsin boundary, pero con texto\n")
    assert "sin boundary" in parse_email(raw).text


def test_nesting_deeper_than_the_limit_is_recorded() -> None:
    body = "Content-Type: text/plain\n\nfondo"
    for level in range(40):
        body = (
            f"Content-Type: multipart/mixed; boundary=b{level}\n\n--b{level}\n{body}\n--b{level}--"
        )
    inbound = parse_email(mail(f"{HEAD}{body}\n"))
    assert [s.reason for s in inbound.skipped] == ["too_deep"]


def test_a_base64_wrapped_forwarded_message_is_unwrapped() -> None:
    inner = (
        "From: Agencia <cobros@agencia.example>\r\nSubject: Aviso\r\nDate: hoy\r\n\r\nPague ya.\r\n"
    )
    encoded = base64.b64encode(inner.encode()).decode()
    raw = multipart(
        "Content-Type: text/plain\n\nMiren esto",
        f"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n{encoded}",
    )
    inbound = parse_email(raw)
    assert [f.filename for f in inbound.files] == ["Aviso.eml"]
    assert inbound.files[0].data == inner.encode()
    assert (
        "De: Agencia <cobros@agencia.example>\nFecha: hoy\nAsunto: Aviso\n\nPague ya."
        in inbound.text
    )


def tnef_blob(body: bytes) -> bytes:
    def obj(level: int, name: int, kind: int, data: bytes) -> bytes:
        return (
            struct.pack("<BHHI", level, name, kind, len(data))
            + data
            + struct.pack("<H", sum(data) & 0xFFFF)
        )

    blob = struct.pack("<IH", 0x223E9F78, 1) + obj(1, 0x9006, 8, struct.pack("<I", 0x10000))
    blob += obj(1, 0x9007, 6, struct.pack("<II", 1252, 0)) + obj(1, 0x800C, 2, body)
    blob += obj(2, 0x9002, 6, b"\x01\x00" + b"\xff" * 4 + b"\x00" * 8)
    blob += obj(2, 0x8010, 1, b"acuerdo.txt\x00") + obj(2, 0x800F, 6, b"acuerdo firmado")
    return blob


def test_a_tnef_only_message_gives_its_body_and_files() -> None:
    encoded = base64.b64encode(tnef_blob("Adjunto el acuerdo, señores.".encode("cp1252"))).decode()
    raw = multipart(
        f'Content-Type: application/ms-tnef; name="winmail.dat"\n'
        f"Content-Transfer-Encoding: base64\n\n{encoded}"
    )
    inbound = parse_email(raw)
    assert inbound.text == "Adjunto el acuerdo, señores."
    assert [(f.filename, f.content_type, f.data) for f in inbound.files] == [
        ("acuerdo.txt", "text/plain", b"acuerdo firmado")
    ]


def test_format_flowed_is_unflowed() -> None:
    assert unflow("una línea \nque sigue\n-- \nfirma") == "una línea que sigue\n-- \nfirma"
    assert unflow("pa \nlabra", delsp=True) == "palabra"


def test_every_fixture_but_the_refused_ones_parses() -> None:
    raws = [path.read_bytes() for path in FIXTURES.glob("*.eml") if "unparseable" not in path.name]
    for raw in raws:
        assert isinstance(parse_email(raw), Inbound)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_either_parse_or_are_refused(raw: bytes) -> None:
    with contextlib.suppress(UnparseableEmail):
        parse_email(raw)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(sorted(p.name for p in FIXTURES.glob("*.eml") if "unparseable" not in p.name)),
    st.lists(st.tuples(st.integers(min_value=0), st.binary(min_size=1, max_size=8)), max_size=6),
)
def test_damaged_fixtures_never_crash_the_parser(
    name: str, damage: list[tuple[int, bytes]]
) -> None:
    raw = bytearray((FIXTURES / name).read_bytes())
    for position, junk in damage:
        at = position % len(raw)
        raw[at : at + len(junk)] = junk
    with contextlib.suppress(UnparseableEmail):
        parse_email(bytes(raw), max_bytes=2000)


def test_a_date_at_the_epoch_is_not_a_date() -> None:
    inbound = parse_email(mail(f"{HEAD}Date: Thu, 01 Jan 1970 00:00:00 +0000\n\nx\n"))
    assert inbound.sent_at is None
