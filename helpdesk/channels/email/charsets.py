"""Turn the bytes of a text part or header into ``str`` whatever its label says.

The order (strict decoding at every step but the last):

1. the declared charset, through the aliases others substitute (gb2312 -> gb18030,
   ks_c_5601-1987 -> cp949, iso-8859-1 -> cp1252 as browsers do, iso-2022-jp -> its
   extended variants and then cp932); a label Python does not know is skipped;
   when a single-byte Latin label is declared but the bytes are valid UTF-8, UTF-8 wins
   (valid UTF-8 by chance is practically impossible for real Latin-1 text);
2. UTF-8;
3. a fallback label given by the caller (for raw 8-bit headers: the body's charset);
4. cp1252, when the result looks like Western text: each non-ASCII character stands
   alone between ASCII ones ("se\\xf1or"), as accented letters do. charset-normalizer
   guesses short Spanish Latin-1 text badly (cp1250 "Seńor", even big5), so it is asked
   only when this test fails;
5. charset-normalizer (only when ``detect``);
6. cp1252 with replacement characters.

Decoding is the hot path of parsing, so pure-ASCII data returns at once and the detector
runs only after strict decoding failed.
"""

from __future__ import annotations

import re

_ALIASES: dict[str, tuple[str, ...]] = {
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "x-gbk": ("gb18030",),
    "ks_c_5601-1987": ("cp949",),
    "ks_c_5601": ("cp949",),
    "euc-kr": ("cp949",),
    "iso-8859-1": ("cp1252",),
    "latin1": ("cp1252",),
    "latin-1": ("cp1252",),
    "us-ascii": (),
    "ascii": (),
    "iso-2022-jp": ("iso2022_jp", "iso2022_jp_2", "iso2022_jp_3", "iso2022_jp_ext", "cp932"),
    "shift_jis": ("cp932",),
    "x-sjis": ("cp932",),
    "big5": ("big5hkscs",),
    "tis-620": ("cp874",),
    "windows-874": ("cp874",),
}
_LATIN_LABELS = frozenset(
    {"iso-8859-1", "iso-8859-15", "latin1", "latin-1", "cp1252", "windows-1252", "us-ascii"}
)
# Labels whose ASCII-looking bytes may mean other text.
_NOT_ASCII_SAFE = ("iso-2022", "iso2022", "utf-7", "hz", "utf-16", "utf-32")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def decode_bytes(
    data: bytes,
    declared: str | None,
    fallback: str | None = None,
    *,
    detect: bool = True,
) -> str:
    """``data`` as text, following the order in the module docstring."""
    label = (declared or "").strip().strip("\"'").lower()
    if data.isascii() and b"\x1b" not in data and not label.startswith(_NOT_ASCII_SAFE):
        return data.decode("ascii")
    for codec in _candidates(label, data, fallback):
        text = _strict(data, codec)
        if text is not None:
            return text
    latin = _strict(data, "cp1252")
    if latin is not None and _looks_western(latin):
        return latin
    if detect:
        guessed = _detect(data)
        if guessed is not None:
            return guessed
    return data.decode("cp1252", errors="replace")


def _candidates(label: str, data: bytes, fallback: str | None) -> list[str]:
    codecs_: list[str] = []
    if b"\x1b$" in data and "2022" not in label:
        codecs_.append("iso2022_jp_2")  # a 7-bit Japanese body with a wrong or no label
    if label in _LATIN_LABELS:
        codecs_.append("utf-8")  # Latin-labelled bytes that are valid UTF-8 are UTF-8
    codecs_.extend(_ALIASES.get(label, (label,) if label else ()))
    codecs_.append("utf-8")
    if fallback:
        fallback = fallback.strip().lower()
        codecs_.extend(_ALIASES.get(fallback, (fallback,)))
    return list(dict.fromkeys(codecs_))


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (LookupError, UnicodeDecodeError, ValueError):
        return None


def _looks_western(text: str) -> bool:
    """True when non-ASCII characters mostly stand alone, as accented letters do."""
    runs = _NON_ASCII_RUN.findall(text)
    lone = sum(1 for run in runs if len(run) == 1)
    return bool(runs) and lone >= 0.8 * len(runs)


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else None
