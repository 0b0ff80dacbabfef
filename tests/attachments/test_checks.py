"""What a debtor may attach: the type read from the bytes, a size cap, photos without
their location."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from helpdesk.attachments import checks
from tests.attachments.images import ELF, has_location, photo_with_gps, zip_of

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def spanish(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        yield


def check(name, data, **kwargs):
    return checks.check(name, data, max_bytes=kwargs.pop("max_bytes", 10 * MB), **kwargs)


def refusal(name, data, **kwargs) -> str:
    with pytest.raises(checks.FileRefused) as refused:
        check(name, data, **kwargs)
    return str(refused.value)


def test_a_phone_photo_is_stored_upright_without_gps_or_any_metadata():
    original = photo_with_gps()
    assert has_location(original)

    stored = check("foto recibo.jpg", original)

    assert (stored.filename, stored.content_type) == ("foto recibo.jpg", "image/jpeg")
    assert not has_location(stored.data)
    assert b"PhoneMaker" not in stored.data and b"xmpmeta" not in stored.data
    image = Image.open(io.BytesIO(stored.data))
    # Orientation 6 was applied: the 64x48 shot is now 48x64 and still a photo.
    assert image.format == "JPEG" and image.size == (48, 64)


def test_a_png_keeps_its_format_and_loses_its_exif():
    stored = check("captura.png", photo_with_gps("PNG"))
    assert stored.content_type == "image/png"
    assert Image.open(io.BytesIO(stored.data)).format == "PNG"
    assert not has_location(stored.data)


def test_a_png_sent_as_jpg_is_kept_under_its_real_name():
    stored = check("captura.jpg", photo_with_gps("PNG"))
    assert (stored.filename, stored.content_type) == ("captura.png", "image/png")


def test_a_pdf_is_kept_as_it_came():
    data = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    stored = check("estado de cuenta.pdf", data)
    assert (stored.data, stored.content_type) == (data, "application/pdf")


def test_a_program_named_pdf_is_refused_saying_what_it_is():
    message = refusal("factura.pdf", ELF)
    assert message.startswith("factura.pdf no es un PDF: parece un programa.")
    assert "Adjunte el documento como PDF, JPG" in message


def test_a_windows_program_and_a_script_are_refused_whatever_their_name():
    assert "parece un programa" in refusal("recibo.jpg", b"MZ\x90\x00" + b"\x00" * 300)
    assert "programa" in refusal("nota.txt", b"#!/bin/sh\nrm -rf ~\n")
    assert "programa" in refusal("setup", ELF)


def test_a_zip_named_jpg_is_refused():
    message = refusal("foto.jpg", zip_of({"a.pdf": b"%PDF-1.4"}))
    assert message.startswith("foto.jpg no es una imagen JPG: parece un archivo comprimido.")


def test_a_zip_is_refused_as_an_archive():
    assert "archivo comprimido" in refusal("papeles.zip", zip_of({"a.pdf": b"%PDF-1.4"}))


def test_a_30_mb_photo_is_refused_with_the_limit():
    message = refusal("foto.jpg", b"\xff\xd8\xff" + b"\x00" * (10 * MB), max_bytes=10 * MB)
    assert message.startswith("foto.jpg pesa más de 10 MB.")


def test_a_damaged_photo_is_refused_not_a_crash():
    broken = photo_with_gps()[:300]
    assert "no se pudo abrir como imagen" in refusal("foto.jpg", broken)


def test_an_image_too_large_to_decode_is_refused(monkeypatch):
    monkeypatch.setattr(checks, "MAX_PIXELS", 1000)
    assert "demasiado grande" in refusal("foto.png", photo_with_gps("PNG"))


def test_office_files_need_their_content_types_and_no_macros():
    docx = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    stored = check("carta.docx", docx)
    assert stored.content_type.endswith("wordprocessingml.document")
    parts = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}
    with_macros = zip_of({**parts, "word/vbaProject.bin": b"\x00"})
    assert "macros" in refusal("carta.docx", with_macros)


def test_plain_text_is_accepted_and_binary_noise_is_not():
    stored = check("notas.txt", "Pagué el 3 de octubre en OXXO.\n".encode())
    assert stored.content_type.startswith("text/plain")
    assert "No aceptamos archivos como" in refusal("datos.bin", bytes(range(256)) * 4)


def test_an_empty_file_is_refused():
    assert refusal("vacío.pdf", b"") == "vacío.pdf está vacío. Adjúntelo de nuevo."


def test_only_the_allowed_kinds_pass():
    message = refusal("contrato.pdf", b"%PDF-1.4 x", allowed=checks.ALL_IMAGES)
    assert "Adjunte el documento como JPG, PNG, WebP o GIF." in message


def test_an_heic_photo_gets_a_way_out():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200
    message = refusal("IMG_0042.HEIC", heic)
    assert message.startswith("IMG_0042.HEIC es una foto HEIC")
    assert "Más compatible" in message


def test_a_transparent_logo_stays_transparent():
    image = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    image.paste((27, 77, 62, 255), (0, 0, 20, 20))
    for mode in ("RGBA", "P"):
        out = io.BytesIO()
        (image if mode == "RGBA" else image.convert("P")).save(
            out, "PNG", **({"transparency": 0} if mode == "P" else {})
        )
        stored = Image.open(io.BytesIO(check("logo.png", out.getvalue()).data))
        assert stored.convert("RGBA").getpixel((35, 10))[3] == 0, mode
