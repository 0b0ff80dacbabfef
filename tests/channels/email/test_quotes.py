"""Where the quoted history of a reply starts (text and HTML)."""

from __future__ import annotations

import pytest

from helpdesk.channels.email.quotes import (
    html_quote_action,
    split_quoted,
    strip_quoted_html,
)

NEW = "Ya pagué la cuota de noviembre.\n\nSaludos,\nAna"


@pytest.mark.parametrize(
    "history",
    [
        # Gmail, attribution wrapped over two lines
        (
            "El jue, 25 feb 2021 a las 21:05, Cobranzas Aclara (<\n"
            "cobranzas@aclara.example>) escribió:\n\n> Hola"
        ),
        # Gmail, one line
        "El lun, 3 mar 2025 a las 10:15, Aclara (<a@aclara.example>) escribió:\n> Hola",
        # Gmail, the verb alone on the next line
        "El lun., 3 mar. 2025 10:15, Aclara <a@aclara.example>\nescribió:\n> Hola",
        # Apple Mail
        "El 10 jun 2020, a las 4:27, Aclara <a@aclara.example> escribió:\n\n> Hola",
        # English Gmail / Apple
        "On Mon, Mar 3, 2025 at 10:15 AM Aclara <a@aclara.example> wrote:\n> Hello",
        "On 10 Jun 2020, at 04:27, Aclara <a@aclara.example> wrote:\n\n> Hello",
        # Outlook desktop
        (
            "-----Mensaje original-----\nDe: Aclara [mailto:a@aclara.example]\n"
            "Enviado el: lunes, 3 de marzo de 2025 10:15\nPara: Ana\nAsunto: Saldo\n\nHola"
        ),
        (
            "-----Original Message-----\nFrom: Aclara\nSent: Monday, March 3, 2025 10:15 AM\n"
            "To: Ana\nSubject: Balance\n\nHi"
        ),
        # Outlook on the web / new Outlook, with and without the rule above
        (
            "________________________________\nDe: Aclara <a@aclara.example>\n"
            "Enviado: lunes, 3 de marzo de 2025 10:15\nPara: Ana <ana@x.example>\n"
            "Asunto: Saldo\n\nHola"
        ),
        (
            "De: Aclara <a@aclara.example>\nEnviado el: lunes, 3 de marzo de 2025 10:15\n"
            "Para: Ana\nCC: Luis\nAsunto: Saldo\n\nHola"
        ),
        (
            "From: Aclara <a@aclara.example>\nSent: Monday, March 3, 2025 10:15 AM\n"
            "To: Ana\nSubject: Balance\n\nHi"
        ),
        (
            "*De:* Aclara <a@aclara.example>\n*Fecha:* lunes, 3 de marzo de 2025\n"
            "*Para:* Ana\n*Asunto:* Saldo"
        ),
        # plain > quoting to the end
        "> Estimada Ana:\n> Su saldo es de $100.\n>\n",
        # our own marker, quoted or not
        "-- Responda arriba de esta línea --\nHola Ana, su saldo es…",
        "## Reply above this line ##\nHello",
        "-- Responde encima de esta línea --\nHola",
    ],
)
def test_the_new_part_is_what_comes_before_the_history(history: str) -> None:
    assert split_quoted(f"{NEW}\n\n{history}") == NEW


def test_the_rule_above_an_outlook_header_is_not_part_of_the_new_text() -> None:
    text = f"{NEW}\n\n________________________________\nDe: A\nEnviado: hoy\nAsunto: x"
    assert split_quoted(text) == NEW


def test_crlf_line_ends() -> None:
    text = f"{NEW}\n\nEl 10 jun 2020, a las 4:27, A <a@b.example> escribió:\n> Hola"
    assert split_quoted(text.replace("\n", "\r\n")) == NEW


@pytest.mark.parametrize(
    "signature", ["Enviado desde mi iPhone", "Sent from my iPhone", "Obtener Outlook para Android"]
)
def test_a_mobile_signature_ends_the_new_part_when_something_follows(signature: str) -> None:
    assert split_quoted(f"{NEW}\n\n{signature}\n\nCitado sin marcas") == NEW
    assert split_quoted(f"{NEW}\n\n{signature}\n") is None


def test_no_marker_means_none() -> None:
    assert split_quoted(NEW) is None
    assert split_quoted("") is None


def test_nothing_new_above_the_marker_means_none() -> None:
    assert split_quoted("\n\nEl 10 jun 2020, a las 4:27, A <a@b.example> escribió:\n> Hola") is None


def test_interleaved_answers_are_not_folded() -> None:
    text = "> ¿Cuándo pagó?\nEl 3 de marzo.\n> ¿Por qué valor?\n$100.000"
    assert split_quoted(text) is None


def test_a_lone_quoted_line_in_the_middle_is_not_history() -> None:
    text = "Me escribieron esto:\n> pague ya\ny no estoy de acuerdo.\n\nAna"
    assert split_quoted(text) is None


def test_prose_ending_in_escribio_without_a_date_is_not_an_attribution() -> None:
    text = "Buenos días.\nEl abogado de la agencia me escribió:\nque debo pagar mañana."
    assert split_quoted(text) is None


def test_a_forward_is_content_and_is_not_folded() -> None:
    text = (
        f"{NEW}\n\n---------- Mensaje reenviado ----------\nDe: A <a@b.example>\n"
        f"Fecha: hoy\nAsunto: x\nPara: y\n\nTexto"
    )
    assert split_quoted(text) is None
    gmail_forward = (
        f"{NEW}\n\n---------- Forwarded message ---------\nFrom: A\nDate: today\nSubject: x\nTo: y"
    )
    assert split_quoted(gmail_forward) is None


def test_a_quote_before_a_forward_is_still_folded() -> None:
    text = (
        f"{NEW}\n\nEl 10 jun 2020, a las 4:27, A <a@b.example> escribió:\n"
        f"> ---------- Mensaje reenviado ----------"
    )
    assert split_quoted(text) == NEW


def test_huge_and_hostile_input_is_left_whole() -> None:
    """No line here is an attribution, so nothing is folded. (Its speed, a guard against
    backtracking, is measured by ``benchmarks/hostile.py``.)"""
    text = "El " + "a" * 200_000 + "\n" + ("El x\n" * 20_000) + ("> " * 50_000)
    assert split_quoted(text) is None


# --- HTML -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "attrs", "action"),
    [
        ("div", [("class", "gmail_quote gmail_quote_container")], "skip"),
        ("div", [("class", "yahoo_quoted")], "skip"),
        ("div", [("id", "yahoo_quoted_1234567")], "skip"),
        ("div", [("class", "protonmail_quote")], "skip"),
        ("div", [("class", "moz-cite-prefix")], "skip"),
        ("blockquote", [("type", "cite")], "skip"),
        ("div", [("id", "divRplyFwdMsg"), ("dir", "ltr")], "cut"),
        ("div", [("id", "appendonsend")], "cut"),
        ("div", [("class", "OutlookMessageHeader")], "cut"),
        ("blockquote", [("style", "margin:0")], None),
        ("div", [("class", None)], None),
    ],
)
def test_html_quote_markers(
    tag: str, attrs: list[tuple[str, str | None]], action: str | None
) -> None:
    assert html_quote_action(tag, attrs) == action


def test_strip_quoted_html_drops_the_gmail_block_and_keeps_the_rest() -> None:
    html = (
        '<div dir="ltr">Ya pagué &amp; adjunto.<div>Ana</div></div>'
        '<div class="gmail_quote"><div>El lun… escribió:</div><blockquote>viejo</blockquote></div>'
        "<p>Después</p>"
    )
    assert (
        strip_quoted_html(html)
        == '<div dir="ltr">Ya pagué &amp; adjunto.<div>Ana</div></div><p>Después</p>'
    )


def test_strip_quoted_html_cuts_everything_after_an_outlook_header() -> None:
    html = (
        '<p>Nuevo</p><div id="appendonsend"></div><hr><div id="divRplyFwdMsg">De: '
        "A</div><div>viejo</div>"
    )
    assert strip_quoted_html(html) == "<p>Nuevo</p>"


def test_strip_quoted_html_without_markers_is_none() -> None:
    assert strip_quoted_html("<p>Hola</p><blockquote>cita sin marca</blockquote>") is None
