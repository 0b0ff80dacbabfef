"""Accent- and case-insensitive word matching for Spanish and English text."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case without accents: "Aclaración" and "aclaracion" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def has_phrase(text_words: list[str] | str, phrase: str) -> bool:
    """True when the whole words of ``phrase`` appear together, in order, in the text."""
    haystack = " ".join(text_words if isinstance(text_words, list) else words(text_words))
    needle = " ".join(words(phrase))
    return bool(needle) and f" {needle} " in f" {haystack} "
