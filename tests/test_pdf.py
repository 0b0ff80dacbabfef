"""helpdesk.pdf: WeasyPrint may read our static files and nothing else."""

from __future__ import annotations

import io
import logging

import pypdf
import pytest

from helpdesk.pdf import PdfError, render_pdf, static_dir


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_renders_spanish_text_that_reads_back() -> None:
    pdf = render_pdf("<h1>Acuse de recibo</h1><p>Aclaración del año, folio ACL-2026-000123</p>")
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    assert "Acuse de recibo" in text
    assert "Aclaración del año, folio ACL-2026-000123" in text


def test_static_stylesheets_are_used(tmp_path) -> None:
    css = next((static_dir() / "css").glob("*.css"))
    pdf = render_pdf(f'<link rel="stylesheet" href="css/{css.name}"><p>hola</p>')
    assert "hola" in _text(pdf)


@pytest.mark.parametrize(
    "address",
    [
        "file:///etc/hostname",
        "/etc/passwd",
        "css/../../pyproject.toml",
        "http://127.0.0.1:9/beacon.png",
        "https://example.com/x.css",
    ],
)
def test_nothing_outside_static_is_fetched(address: str, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="helpdesk.pdf"):
        pdf = render_pdf(f'<link rel="stylesheet" href="{address}"><img src="{address}"><p>ok</p>')
    assert "ok" in _text(pdf)
    assert any("refused" in record.getMessage() for record in caplog.records)


def test_a_render_failure_is_one_clear_error(monkeypatch) -> None:
    import helpdesk.pdf as pdf_module

    class Broken:
        def __init__(self, **_: object) -> None:
            raise OSError("no fonts")

    monkeypatch.setattr(pdf_module, "HTML", Broken)
    with pytest.raises(PdfError, match="no fonts"):
        render_pdf("<p>x</p>")
