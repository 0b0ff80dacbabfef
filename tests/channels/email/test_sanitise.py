"""HTML sanitising (nh3) and HTML -> text."""

from __future__ import annotations

import pytest

from helpdesk.channels.email.sanitise import LARGE_HTML, html_to_text, html_to_texts, sanitise_html


@pytest.mark.parametrize(
    ("html", "gone"),
    [
        ("<p>a</p><script>alert(1)</script>", "alert"),
        ("<style>p{color:red}</style><p>a</p>", "color:red"),
        ('<p onclick="x()">a</p>', "onclick"),
        ('<img src="x" onerror="x()">', "onerror"),
        ('<a href="javascript:alert(1)">a</a>', "javascript"),
        ('<a href="data:text/html,hi">a</a>', "data:"),
        ('<a href="vbscript:x">a</a>', "vbscript"),
        ('<iframe src="https://evil.example"></iframe>', "evil"),
        (
            '<form action="https://evil.example"><input name="pw"><button>Entrar</button></form>',
            "Entrar",
        ),
        ('<object data="x.swf">fallback</object>', "fallback"),
        ('<img src="https://tracker.example/p.gif" width="1">', "tracker"),
        ('<img src="//tracker.example/p.gif">', "tracker"),
        ('<img src="pixel.gif">', "pixel"),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "svg"),
        ('<div style="background-image:url(https://t.example/a.gif)">a</div>', "t.example"),
        ('<div style="background:url(https://t.example/a.gif)">a</div>', "t.example"),
        ('<div class="btn btn-danger" id="login">a</div>', "btn"),
        ("<p>a<!-- secret --></p>", "secret"),
        ("<svg><script>alert(1)</script></svg>", "alert"),
        ("<title>Asunto</title><p>a</p>", "Asunto"),
        ('<table background="https://t.example/bg.gif"><tr><td>a</td></tr></table>', "t.example"),
    ],
)
def test_dangerous_or_tracking_content_is_removed(html: str, gone: str) -> None:
    assert gone not in sanitise_html(html)


def test_inline_images_and_formatting_stay() -> None:
    clean = sanitise_html(
        '<p style="color:#333;font-weight:bold"><b>Saldo</b> <i>al día</i></p>'
        '<img src="cid:firma@01" alt="Firma"><img src="data:image/png;base64,iVBORw0KGgo=">'
        '<table><tr><td colspan="2">1</td></tr></table><ul><li>uno</li></ul>'
    )
    assert '<p style="color:#333;font-weight:bold"><b>Saldo</b> <i>al día</i></p>' in clean
    assert '<img src="cid:firma@01" alt="Firma">' in clean
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in clean
    assert '<td colspan="2">1</td>' in clean and "<li>uno</li>" in clean


def test_links_get_rel_and_target() -> None:
    clean = sanitise_html(
        '<a href="https://banco.example/pagar">pagar</a> <a href="mailto:a@b.example">a</a>'
    )
    assert (
        '<a href="https://banco.example/pagar" target="_blank" rel="noopener noreferrer">pagar</a>'
        in clean
    )
    assert 'href="mailto:a@b.example"' in clean


def test_html_to_text_is_readable() -> None:
    html = (
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<h1>Estado de cuenta</h1><p>Hola&nbsp;Ana,<br>su   saldo\n"
        "es de <b>$100</b> &amp; nada más.</p>"
        "<ul><li>Capital</li><li>Intereses</li></ul><ol><li>Pague</li><li>Envíe</li></ol>"
        "<table><tr><th>Cuota</th><th>Valor</th></tr><tr><td>1</td><td>$10</td></tr></table>"
        '<p>Vea <a href="https://x.example">el portal</a>.</p><pre>  a\n  b</pre>'
        "<blockquote>cita<blockquote>anidada</blockquote></blockquote><script>x()</script></body></html>"
    )
    assert html_to_text(html) == (
        "Estado de cuenta\n\nHola Ana,\nsu saldo es de $100 & nada más.\n"
        "\n- Capital\n- Intereses\n\n"
        "1. Pague\n2. Envíe\n\nCuota  Valor\n1  $10\n\nVea el portal.\n\na\n"
        "b\n\n> cita\n> > anidada"
    )


def test_an_unclosed_head_element_does_not_swallow_the_body() -> None:
    assert html_to_text("<html><head><title>Sin cierre<body><p>Texto</p></body></html>") == "Texto"


@pytest.mark.parametrize(
    "quote",
    [
        (
            '<div class="gmail_quote"><div class="gmail_attr">El lun… '
            "escribió:</div><blockquote>viejo</blockquote></div>"
        ),
        '<blockquote type="cite"><div>viejo</div></blockquote>',
        '<div class="yahoo_quoted" id="yahoo_quoted_123"><div><div>viejo</div></div></div>',
        '<div class="protonmail_quote">viejo</div>',
        (
            '<div class="moz-cite-prefix">El 3/3/25 escribió:</div><blockquote '
            'type="cite">viejo</blockquote>'
        ),
        (
            '<div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>De:</b> '
            "A</div><div>viejo</div>"
        ),
    ],
)
def test_html_to_texts_drops_marked_quotes_from_the_new_text(quote: str) -> None:
    full, new = html_to_texts(f"<div>Nuevo <b>texto</b></div>{quote}")
    assert new == "Nuevo texto"
    assert "viejo" in full


def test_nested_elements_of_the_same_tag_inside_a_quote() -> None:
    html = (
        '<div>Nuevo</div><div class="gmail_quote"><div><div>viejo</div></div>sigue '
        "viejo</div><div>Firma</div>"
    )
    assert html_to_texts(html)[1] == "Nuevo\nFirma"


def test_without_quote_markers_the_new_text_is_none() -> None:
    assert html_to_texts("<p>Hola</p><blockquote>cita</blockquote>") == ("Hola\n\n> cita", None)


def test_huge_html_takes_the_fast_path_and_stays_readable() -> None:
    row = "<p>Saldo &amp; <b>cuota</b></p><table><tr><td>1</td><td>$10</td></tr></table>"
    html = "<style>p{}</style><script>x()</script>" + row * (LARGE_HTML // len(row) + 1)
    full, new = html_to_texts(html)
    assert new is None
    assert full.startswith("Saldo & cuota\n\n1  $10\n\nSaldo & cuota")
    assert "x()" not in full and "p{}" not in full
