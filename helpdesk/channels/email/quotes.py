"""Find where the quoted history of a reply starts, so the UI can fold it.

Text (:func:`split_quoted`): the new part is everything above the *first* of these lines:

* our own marker, ``-- Responda arriba de esta línea --`` / ``-- Reply above this line --``;
* an attribution line ending in ``escribió:`` / ``wrote:`` that holds a digit (a date or
  time) and is at most 400 characters: Gmail ``El jue, 25 feb 2021 a las 21:05, Nombre
  (<a@b>) escribió:``, Apple ``El 10 jun 2020, a las 4:27, Nombre <a@b> escribió:``,
  ``On … wrote:``. A line starting ``El``/``On``/``En`` is joined with the next one or two
  lines first, because Gmail wraps the attribution;
* ``-----Mensaje original-----`` / ``-----Original Message-----``;
* an Outlook header block: ``De:``/``From:`` followed within five lines by
  ``Enviado el:``/``Enviado:``/``Fecha:``/``Sent:``/``Date:`` and by
  ``Para:``/``Asunto:``/``To:``/``Subject:`` (a ``____`` rule just above it is cut too);
* a ``>`` line when every non-blank line after it is quoted too (interleaved answers are
  never folded);
* a mobile signature (``Enviado desde mi iPhone``, ``Sent from my iPhone``, ``Obtener
  Outlook para Android``…) but only when something follows it.

It returns ``None`` when no marker is found, or when nothing is left above the marker
(a top-quoted message or a bare forward): the full text then stands alone. A forward
separator (``---------- Mensaje reenviado ----------``, ``Begin forwarded message:``) met
before any marker stops the search: forwarded mail is content, not history.

HTML (:func:`html_quote_action`, :func:`strip_quoted_html`): the element is dropped for
``class`` ``gmail_quote``, ``yahoo_quoted``, ``protonmail_quote``, ``moz-cite-prefix``,
``id`` ``yahoo_quoted_…`` and ``<blockquote type="cite">``; for Outlook's ``id``
``divRplyFwdMsg`` / ``appendonsend`` (and ``class`` ``OutlookMessageHeader``) the element and
everything after it are dropped, since Outlook puts the history after its header.
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

_OUR_MARKER = re.compile(
    r"(?:responda|responde|escriba) (?:por )?(?:arriba|encima) de esta l[ií]nea"
    r"|reply above this line",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"^(?:El|On|En|Em|Le|Am)\s", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(
    r"(?:escribi[óo]|wrote|a [ée]crit|schrieb|escreveu)\s*:\s*$", re.IGNORECASE
)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{3,}\s*(?:mensaje original|original message)\s*-{3,}\s*$", re.IGNORECASE
)
_FORWARD = re.compile(
    r"^(?:-{3,}\s*(?:mensaje reenviado|forwarded message|original message follows)\s*-{3,}"
    r"|begin forwarded message:|inicio del mensaje reenviado:)$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\*?(?:De|From)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_DATE = re.compile(r"^\*?(?:Enviado(?: el)?|Fecha|Sent|Date)\s*:", re.IGNORECASE)
_HEADER_TO = re.compile(r"^\*?(?:Para|Asunto|To|Subject|CC)\s*:", re.IGNORECASE)
_RULE = re.compile(r"^_{10,}\s*$")
_MOBILE_SIGNATURE = re.compile(
    r"^(?:Enviado desde mi \S.{0,40}|Sent from my \S.{0,40}|Enviado desde (?:Outlook|Yahoo Mail"
    r"|Correo para Windows)\S*.{0,30}|Obtener Outlook para \S+|Get Outlook for \S+)$",
    re.IGNORECASE,
)
_MAX_LINE = 1000
# A line can only be a marker if it matches this (a superset of all the markers above).
_CANDIDATE = re.compile(
    r"^(?:El|On|En|Em|Le|Am)\s|:\*?\s*$|^-{2,}|^#|^_{10,}|^\*?(?:De|From)\s*:"
    r"|^(?:Enviado|Sent|Obtener|Get|Begin|Inicio)\s|(?:arriba|encima) de esta|above this line",
    re.IGNORECASE,
)


def words(text: str) -> frozenset[str]:
    """A set of names written as one whitespace-separated string."""
    return frozenset(text.split())


def split_quoted(text: str) -> str | None:
    """The new part of a reply, or None when no quoted history was found."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _find_cut(lines)
    if cut is None:
        return None
    new = "\n".join(lines[:cut]).rstrip()
    return new if new.strip() else None


def _find_cut(lines: list[str]) -> int | None:
    quoted_tail = _quoted_tail(lines)
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line or len(line) > _MAX_LINE:
            continue
        if line.startswith(">"):
            if quoted_tail[index]:
                return index
            continue
        if not _CANDIDATE.search(line):
            continue  # most lines are prose: one cheap test before the real ones
        if _FORWARD.match(line):
            return None  # a forward is content: nothing below it is folded
        if _is_marker(lines, index, line):
            return _include_rule_above(lines, index)
    return None


def _is_marker(lines: list[str], index: int, line: str) -> bool:
    return (
        _OUR_MARKER.search(line) is not None
        or _is_attribution(lines, index, line)
        or _ORIGINAL_MESSAGE.match(line) is not None
        or _is_header_block(lines, index, line)
        or (_MOBILE_SIGNATURE.match(line) is not None and _has_content_after(lines, index))
    )


def _quoted_tail(lines: list[str]) -> list[bool]:
    """For each line: are all non-blank lines from here to the end quoted with ``>``?"""
    tail = [False] * (len(lines) + 1)
    tail[len(lines)] = True
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index].strip()
        tail[index] = tail[index + 1] and (not line or line.startswith(">"))
    return tail


def _has_content_after(lines: list[str], index: int) -> bool:
    return any(lines[i].strip() for i in range(index + 1, len(lines)))


def _is_attribution(lines: list[str], index: int, line: str) -> bool:
    candidate = line
    if not _ATTRIBUTION_END.search(candidate):
        if not _ATTRIBUTION_START.match(line):
            return False
        following = [lines[i].strip() for i in range(index + 1, min(index + 3, len(lines)))]
        for extra in following:
            candidate = f"{candidate} {extra}"
            if _ATTRIBUTION_END.search(candidate):
                break
        else:
            return False
    return len(candidate) <= 400 and any(char.isdigit() for char in candidate)


def _is_header_block(lines: list[str], index: int, line: str) -> bool:
    if not _HEADER_FROM.match(line):
        return False
    window = [lines[i].strip() for i in range(index + 1, min(index + 6, len(lines)))]
    has_date = any(_HEADER_DATE.match(item) for item in window)
    return has_date and any(_HEADER_TO.match(item) for item in window)


def _include_rule_above(lines: list[str], index: int) -> int:
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    return above if above >= 0 and _RULE.match(lines[above].strip()) else index


# --- HTML ------------------------------------------------------------------------------

_SKIP_CLASSES = ("gmail_quote", "yahoo_quoted", "protonmail_quote", "moz-cite-prefix")
_CUT_IDS = frozenset({"divrplyfwdmsg", "appendonsend"})
_HTML_HINTS = (
    "gmail_quote", "yahoo_quoted", "protonmail_quote", "moz-cite-prefix", "cite",
    "divRplyFwdMsg", "appendonsend", "OutlookMessageHeader",
)  # fmt: skip
VOID_TAGS = words("area base br col embed hr img input link meta param source track wbr")


def has_html_quote(html: str) -> bool:
    """Cheap test: could ``html`` hold a quote marked up by a mail client?"""
    return any(hint in html for hint in _HTML_HINTS)


def html_quote_action(tag: str, attrs: list[tuple[str, str | None]]) -> str | None:
    """ "skip" (drop this element), "cut" (drop it and all after it) or None."""
    values = {name: (value or "") for name, value in attrs if name in ("class", "id", "type")}
    element_id = values.get("id", "").lower()
    classes = values.get("class", "").lower()
    if element_id in _CUT_IDS or "outlookmessageheader" in classes:
        return "cut"
    if any(marker in classes for marker in _SKIP_CLASSES) or element_id.startswith("yahoo_quoted"):
        return "skip"
    if tag == "blockquote" and values.get("type", "").lower() == "cite":
        return "skip"
    return None


class QuoteTracker:
    """Follows start and end tags and says whether we are inside quoted history."""

    def __init__(self) -> None:
        self.tag: str | None = None
        self.depth = 0
        self.cut = False
        self.marked = False

    @property
    def inside(self) -> bool:
        return self.cut or self.depth > 0

    def start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth and tag == self.tag and tag not in VOID_TAGS:
            self.depth += 1
            return
        if self.inside:
            return
        action = html_quote_action(tag, attrs)
        if action == "cut":
            self.cut = self.marked = True
        elif action == "skip" and tag not in VOID_TAGS:
            self.tag, self.depth, self.marked = tag, 1, True

    def end(self, tag: str) -> None:
        if self.depth and tag == self.tag:
            self.depth -= 1


def strip_quoted_html(html: str) -> str | None:
    """``html`` without the quoted history, or None when no quote is marked up in it."""
    if not has_html_quote(html):
        return None
    stripper = _QuoteStripper()
    stripper.feed(html)
    stripper.close()
    return "".join(stripper.out) if stripper.quotes.marked else None


class _QuoteStripper(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.quotes = QuoteTracker()
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.quotes.start(tag, attrs)
        if not self.quotes.inside:
            self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        inside = self.quotes.inside
        self.quotes.end(tag)
        if not inside:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.quotes.inside:
            self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")

    def handle_decl(self, decl: str) -> None:
        self.handle_data(f"<!{html_lib.escape(decl, quote=False)}>")
