"""Files built for the tests: a phone photo with its GPS position in EXIF, and the
bytes of things that only pretend to be documents."""

from __future__ import annotations

import io
import zipfile

from PIL import ExifTags, Image

# Where the photo "was taken": the Zócalo of Mexico City.
GPS = {1: "N", 2: (19.0, 25.0, 56.0), 3: "W", 4: (99.0, 7.0, 30.0)}
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + b"/lib64/ld-linux-x86-64.so.2" + b"\x00" * 200


def photo_with_gps(fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    """A photo as a phone saves it: GPS, make, orientation 6 (shot rotated), XMP."""
    image = Image.new("RGB", size, "white")
    image.paste((200, 0, 0), (0, 0, size[0] // 2, size[1]))  # left half red
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    out = io.BytesIO()
    extra = {"xmp": b"<x:xmpmeta>lat 19.43 lon -99.13</x:xmpmeta>"} if fmt == "JPEG" else {}
    image.save(out, fmt, exif=exif, **extra)
    return out.getvalue()


def has_location(data: bytes) -> bool:
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    return bool(exif.get_ifd(ExifTags.IFD.GPSInfo)) or bool(exif) or "xmp" in image.info


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()
