"""What a debtor may attach: the type read from the bytes (never the name or the
browser's word), a size cap, and photos re-encoded without their metadata.

A phone photo carries EXIF: often the GPS position where it was taken, the phone's
model, the time. None of it is needed to read a receipt, and an agent downloading it
should not learn where the debtor lives, so every image is decoded and saved again
(orientation applied first, so it still looks upright) with no EXIF, XMP or text chunks.

Every refusal is a ``FileRefused`` whose message names the file and says what to do.
"""

from __future__ import annotations

import io
import os
import warnings
import zipfile
from collections.abc import Collection
from dataclasses import dataclass

import filetype
from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

# Larger than any phone's normal photo (48 MP sensors bin to 12 MP); decoding one costs
# about 3 bytes per pixel, so this also bounds the memory a single upload can take.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 88

# What we accept, by the kind read from the bytes: content type and file extensions.
IMAGES = {
    "jpg": ("image/jpeg", ("jpg", "jpeg", "jfif")),
    "png": ("image/png", ("png",)),
    "gif": ("image/gif", ("gif",)),
    "webp": ("image/webp", ("webp",)),
}
DOCUMENTS = {
    "pdf": ("application/pdf", ("pdf",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ("docx",),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
    "txt": ("text/plain; charset=utf-8", ("txt", "csv", "text")),
}
ACCEPTED = {**IMAGES, **DOCUMENTS}
ALL_IMAGES = frozenset(IMAGES)

# Programs filetype does not know: scripts, Mach-O, Java classes.
_PROGRAM_MAGIC = (b"#!", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
                  b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")  # fmt: skip
_PROGRAMS = {"exe", "elf", "wasm", "swf", "crx", "nes", "dex", "deb", "rpm"}
_ARCHIVES = {"zip", "tar", "rar", "gz", "bz2", "7z", "xz", "Z", "lzo", "lz", "lz4", "zst",
             "cab", "br", "ar", "epub"}  # fmt: skip
_OLD_OFFICE = {"doc", "xls", "ppt", "rtf"}

# How each kind is named in a message ("… is not a PDF: it looks like a program").
_WHAT = {
    "jpg": _l("a JPG image"),
    "png": _l("a PNG image"),
    "gif": _l("a GIF image"),
    "webp": _l("a WebP image"),
    "pdf": _l("a PDF"),
    "docx": _l("a Word document"),
    "xlsx": _l("an Excel spreadsheet"),
    "txt": _l("a text file"),
    "program": _l("a program"),
    "archive": _l("a compressed archive"),
    "heic": _l("an HEIC photo"),
    "old-office": _l("an old Office document"),
    "other": _l("another kind of file"),
}


class FileRefused(ValueError):
    """A file we do not store; ``str()`` is the message for the debtor."""


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes


def check(
    filename: str,
    data: bytes,
    *,
    max_bytes: int,
    allowed: Collection[str] = frozenset(ACCEPTED),
) -> CheckedFile:
    """The file as it will be stored, or ``FileRefused``.

    ``filename`` is already safe to show (``storage.safe_filename``); ``data`` may be one
    byte longer than ``max_bytes`` (the caller read no more than that).
    """
    if len(data) > max_bytes:
        raise FileRefused(
            _("%(name)s is larger than %(size)s MB.", name=filename, size=_megabytes(max_bytes))
            + " "
            + _("Send a smaller file, or a photo of the page instead of a scan.")
        )
    if not data:
        raise FileRefused(_("%(name)s is empty. Attach it again.", name=filename))
    kind = detect(data)
    claimed = _claimed(filename)
    if kind not in allowed:
        raise FileRefused(_refusal(filename, kind, claimed, allowed))
    if claimed in ACCEPTED and claimed != kind and not (claimed in IMAGES and kind in IMAGES):
        raise FileRefused(_mismatch(filename, claimed, kind, allowed))
    if kind in IMAGES:
        data, kind = reencode(filename, data, kind)
    elif kind in ("docx", "xlsx"):
        _check_office(filename, data)
    return CheckedFile(_named(filename, kind), ACCEPTED[kind][0], data)


def detect(data: bytes) -> str:
    """The kind of ``data`` from its bytes: a key of ``ACCEPTED`` or ``program``,
    ``archive``, ``heic``, ``other``."""
    if data.startswith(_PROGRAM_MAGIC):
        return "program"
    guess = filetype.guess(data)
    name = guess.extension if guess else None
    if name in ("jpg", "png", "gif", "webp", "pdf", "docx", "xlsx"):
        return name
    if name == "apng":
        return "png"
    if name in _PROGRAMS:
        return "program"
    if name in _ARCHIVES:
        return "archive"
    if name in ("heic", "avif"):
        return "heic"
    if name in _OLD_OFFICE:
        return "old-office"
    if name is None and _is_text(data):
        return "txt"
    return "other"


def reencode(filename: str, data: bytes, kind: str) -> tuple[bytes, str]:
    """The image decoded and saved again without metadata; its kind (as Pillow read it)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise Image.DecompressionBombError
            fmt = image.format
            image.load()
            if fmt == "GIF" and getattr(image, "is_animated", False):
                return _save_animated_gif(image), "gif"
            upright = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FileRefused(
            _(
                "%(name)s is too large an image to open. Send a smaller photo or a "
                "screenshot of it.",
                name=filename,
            )
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise FileRefused(
            _(
                "%(name)s could not be opened as an image: it may be damaged. Take the "
                "photo again or attach the document as a PDF.",
                name=filename,
            )
        ) from None
    kind = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}.get(fmt or "", kind)
    return encode(upright, kind), kind


def encode(image: Image.Image, kind: str) -> bytes:
    """``image`` saved as ``kind`` (a key of ``IMAGES``) with no metadata."""
    # Keep only the colour profile and transparency: everything else in ``info`` (exif,
    # xmp, comments, PNG text) is what we are removing.
    kept = {k: image.info[k] for k in ("icc_profile", "transparency") if k in image.info}
    image.info = {}
    out = io.BytesIO()
    extra = {"icc_profile": kept["icc_profile"]} if "icc_profile" in kept else {}
    if "transparency" in kept and kind in ("png", "gif"):
        extra = {**extra, "transparency": kept["transparency"]}
    if kind == "jpg":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, **extra)
    elif kind == "png":
        image.save(out, "PNG", optimize=True, **extra)
    elif kind == "webp":
        image.save(out, "WEBP", quality=JPEG_QUALITY, **extra)
    else:
        image.save(out, "GIF", **extra)
    return out.getvalue()


def _save_animated_gif(image: Image.Image) -> bytes:
    image.info = {k: v for k, v in image.info.items() if k in ("duration", "loop")}
    out = io.BytesIO()
    image.save(out, "GIF", save_all=True)
    return out.getvalue()


def _check_office(filename: str, data: bytes) -> None:
    """A real Office Open XML file, without macros (a .docx holding a VBA project is a
    .docm renamed)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        names = set()
    if "[Content_Types].xml" not in names:
        raise FileRefused(_damaged(filename))
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise FileRefused(
            _(
                "%(name)s contains macros, which we do not accept. Save it as a PDF and "
                "attach it again.",
                name=filename,
            )
        )


def _is_text(data: bytes) -> bool:
    sample = data[:65536]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the sample's end is still text.
        if error.start < len(sample) - 4:
            try:
                sample.decode("cp1252")
            except UnicodeDecodeError:
                return False
    control = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    return control <= len(sample) // 100


def _claimed(filename: str) -> str | None:
    extension = os.path.splitext(filename)[1].lower().lstrip(".")
    if not extension:
        return None
    for kind, (_type, extensions) in ACCEPTED.items():
        if extension in extensions:
            return kind
    if extension in ("exe", "msi", "bat", "cmd", "com", "scr", "ps1", "sh", "js", "vbs", "apk",
                     "jar", "app", "dmg", "elf", "bin"):  # fmt: skip
        return "program"
    if extension in ("zip", "rar", "7z", "tar", "gz", "tgz", "bz2", "xz"):
        return "archive"
    if extension in ("heic", "heif", "avif"):
        return "heic"
    return "other"


def _named(filename: str, kind: str) -> str:
    """The name with the extension of what it really is (a PNG sent as .jpg is a .png)."""
    stem, extension = os.path.splitext(filename)
    extensions = ACCEPTED[kind][1]
    if extension.lower().lstrip(".") in extensions:
        return filename
    if extension.lower().lstrip(".") in (e for k in IMAGES for e in IMAGES[k][1]):
        return f"{stem}.{extensions[0]}"
    return f"{filename}.{extensions[0]}"


def _formats(allowed: Collection[str]) -> str:
    names = {"pdf": "PDF", "jpg": "JPG", "png": "PNG", "webp": "WebP", "gif": "GIF",
             "docx": "Word (DOCX)", "xlsx": "Excel (XLSX)", "txt": _("text")}  # fmt: skip
    listed = [str(names[kind]) for kind in names if kind in allowed]
    return format_list(listed, style="or", locale=str(get_locale() or "es"))


def _refusal(filename: str, kind: str, claimed: str | None, allowed: Collection[str]) -> str:
    if kind == "heic":
        return _(
            "%(name)s is an HEIC photo, which we cannot open yet. Send it as JPG (on an "
            "iPhone: Settings, Camera, Formats, Most Compatible) or take a screenshot of it.",
            name=filename,
        )
    if claimed and claimed != kind and claimed in ACCEPTED:
        return _mismatch(filename, claimed, kind, allowed)
    if kind == "program":
        what = _("%(name)s looks like a program, and we do not accept programs.", name=filename)
    elif kind == "archive":
        what = _(
            "%(name)s is a compressed archive (ZIP, RAR…): attach the documents one by one.",
            name=filename,
        )
    elif kind == "old-office":
        what = _("%(name)s is in an old Office format: save it as PDF.", name=filename)
    else:
        what = _("We do not accept files like %(name)s.", name=filename)
    return f"{what} {_accepted(allowed)}"


def _mismatch(filename: str, claimed: str, kind: str, allowed: Collection[str]) -> str:
    return (
        _(
            "%(name)s is not %(claimed)s: it looks like %(kind)s.",
            name=filename,
            claimed=_WHAT.get(claimed, _WHAT["other"]),
            kind=_WHAT.get(kind, _WHAT["other"]),
        )
        + " "
        + _accepted(allowed)
    )


def _accepted(allowed: Collection[str]) -> str:
    return _("Attach the document as %(formats)s.", formats=_formats(allowed))


def _damaged(filename: str) -> str:
    return _(
        "%(name)s could not be opened: it may be damaged. Save it again or attach it as a "
        "PDF.",
        name=filename,
    )


def _megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{megabytes:g}" if megabytes >= 1 else f"{megabytes:.1f}"
