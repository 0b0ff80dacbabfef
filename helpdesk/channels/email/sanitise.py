"""Sanitise email HTML once, at intake, and turn HTML into readable text.

:func:`sanitise_html` (nh3): common formatting tags and tables are kept; ``script``,
``style``, ``title``, ``iframe``, ``object``, ``embed``, forms and form controls, ``svg``,
``math`` and ``template`` are removed *with their content*; every ``on*`` handler, ``id``
and ``class`` goes; comments go. Links keep ``http(s):``, ``mailto:`` and ``tel:`` targets
only, get ``rel="noopener noreferrer"`` and ``target="_blank"``. Images keep a ``src``
only when it is ``cid:`` (an inline part) or a ``data:image/...`` (not SVG): remote images
lose their ``src``, so tracking pixels never load. Relative URLs are dropped. ``style``
attributes keep a short list of presentational properties (no ``background`` /
``background-image``, ``display``, ``position``: nothing that loads a URL or hides text).

:func:`html_to_text` / :func:`html_to_texts`: paragraphs, ``div`` and headings become
line breaks, ``br`` a newline, list items ``- item`` (or ``1. item``), table cells are
separated by two spaces and rows by newlines, a ``blockquote`` becomes ``> `` lines,
links keep their text only, images disappear, and ``script``/``style``/``head`` content
is ignored. :func:`html_to_texts` also returns the text without the quoted history marked
up by mail clients (see :func:`quotes.html_quote_action`). HTML over 256 KB is turned into
text by a fast path (nh3): line breaks at block elements, no list bullets, no ``>`` quoting
and no quote markers.
"""

from __future__ import annotations

import html as html_lib
import re
from functools import cache
from html.parser import HTMLParser

import nh3

from helpdesk.channels.email.quotes import VOID_TAGS, QuoteTracker, words

_TAGS = words(
    """
    a abbr b bdi bdo blockquote br caption center cite code col colgroup dd del dfn div dl
    dt em font h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre q s samp small span
    strike strong sub sup table tbody td tfoot th thead time tr tt u ul var
    """
)
_DROP_WITH_CONTENT = words(
    """
    script style title iframe object embed form template svg math noscript select textarea
    button frameset frame applet noembed
    """
)
_CELL = frozenset({"colspan", "rowspan", "valign", "width", "height", "bgcolor", "align"})
_ATTRIBUTES = {
    "*": {"dir", "lang", "title", "align", "style"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": set(_CELL),
    "th": set(_CELL),
    "table": {"width", "border", "cellpadding", "cellspacing", "bgcolor"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "font": {"color", "face", "size"},
    "ol": {"start", "type"},
    "li": {"value"},
    "time": {"datetime"},
}
_STYLE_PROPERTIES = words(
    """
    color background-color font font-family font-size font-style font-weight text-align
    text-decoration text-indent text-transform line-height letter-spacing vertical-align
    white-space direction width max-width min-width height margin margin-top margin-right
    margin-bottom margin-left padding padding-top padding-right padding-bottom padding-left
    border border-top border-right border-bottom border-left border-color border-style
    border-width border-collapse border-spacing border-radius list-style-type
    """
)
_LINK_SCHEMES = ("http:", "https:", "mailto:", "tel:")
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpe?g|gif|webp|bmp);base64,", re.IGNORECASE)


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    if name == "src":
        lowered = value.strip().lower()
        keep = lowered.startswith("cid:") or _DATA_IMAGE.match(lowered) is not None
        return value if keep else None
    if name == "href":
        return value if value.strip().lower().startswith(_LINK_SCHEMES) else None
    return value


@cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        attribute_filter=_keep_attribute,
        url_schemes={"http", "https", "mailto", "tel", "cid", "data"},
        url_relative="deny",
        filter_style_properties=set(_STYLE_PROPERTIES),
        set_tag_attribute_values={"a": {"target": "_blank"}},
        link_rel="noopener noreferrer",
    )


def sanitise_html(html: str) -> str:
    """Safe HTML to show an agent; see the module docstring for what is kept."""
    return _cleaner().clean(html).strip()


_BLOCKQUOTE = re.compile(r"<blockquote\b", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def split_quoted_html(html: str) -> tuple[str, str]:
    """Sanitised ``html`` as (new part, quoted history) at its first ``blockquote``, or
    (``html``, "") when there is none or nothing stands above it. Classes and ids are gone
    after sanitising, so the blockquote is the marker mail clients leave; both halves are
    cleaned again, which closes the elements the cut left open."""
    found = _BLOCKQUOTE.search(html)
    if found is None:
        return html, ""
    head = sanitise_html(html[: found.start()])
    if not html_lib.unescape(_TAG.sub("", head)).strip():
        return html, ""
    return head, sanitise_html(html[found.start() :])


LARGE_HTML = 256 * 1024  # beyond this, a fast conversion without lists, quotes or markers
_LINE_BREAKING_TAG = re.compile(
    r"<(?:br|/?p|/?div|/?li|/?tr|/?h[1-6]|/?table|/?ul|/?ol|/?blockquote|/?pre|hr)\b[^>]*>",
    re.IGNORECASE,
)
_CELL_END = re.compile(r"</t[dh]\s*>", re.IGNORECASE)


@cache
def _text_only() -> nh3.Cleaner:
    return nh3.Cleaner(tags=set(), clean_content_tags=set(_DROP_WITH_CONTENT), attributes={})


def _large_html_to_text(html: str) -> str:
    """Text of a huge HTML body (newsletters): line breaks at block tags, nothing else.

    The Python HTML parser needs about two seconds per megabyte; nh3 and two regular
    expressions about a third of a second.
    """
    marked = _LINE_BREAKING_TAG.sub("\n", _CELL_END.sub("  ", _WHITESPACE.sub(" ", html)))
    return _tidy(html_lib.unescape(_text_only().clean(marked)))


def html_to_text(html: str) -> str:
    """Readable plain text of ``html``."""
    return html_to_texts(html)[0]


def html_to_texts(html: str) -> tuple[str, str | None]:
    """(full text, text without the quoted history or None when no quote was marked)."""
    if len(html) > LARGE_HTML:
        return _large_html_to_text(html), None
    converter = _TextConverter()
    converter.feed(html)
    converter.close()
    return converter.result()


_BLOCKS = words(
    """
    address article aside blockquote center dd div dl dt fieldset figcaption figure footer
    h1 h2 h3 h4 h5 h6 header hr main nav ol p pre section table tr ul caption
    """
)
_PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "pre"})
_IGNORED = _DROP_WITH_CONTENT  # what the sanitiser removes with its content is not text either
_WHITESPACE = re.compile(r"[ \t\r\n\f\xa0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    lines = [line.strip() for line in text.replace("\xa0", " ").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


class _Output:
    """One text buffer; blockquotes are prefixed with ``>`` when they close."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.quote_starts: list[int] = []
        self.trailing = 2  # newlines at the end of the buffer (none needed at its start)

    def write(self, text: str) -> None:
        if not text:
            return
        self.parts.append(text)
        content = text.rstrip("\n")
        if content.strip(" "):
            self.trailing = len(text) - len(content)
        else:
            self.trailing += len(text) - len(content)

    def newlines(self, count: int) -> None:
        """End the current line (1) or paragraph (2), without piling up blank lines."""
        if self.trailing < count:
            self.write("\n" * (count - self.trailing))

    def open_quote(self) -> None:
        self.newlines(1)
        self.quote_starts.append(len(self.parts))

    def close_quote(self) -> None:
        if not self.quote_starts:
            return
        start = self.quote_starts.pop()
        inner = _tidy("".join(self.parts[start:]))
        del self.parts[start:]
        if inner:
            self.write("\n".join("> " + line if line else ">" for line in inner.split("\n")))
        self.newlines(1)


class _TextConverter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.full = _Output()
        self.new = _Output()
        self.ignored: list[str] = []
        self.quotes = QuoteTracker()
        self.pre = 0
        self.lists: list[int] = []  # item counter per open list; -1 for <ul>
        self.blockquotes: list[tuple[_Output, ...]] = []  # the buffers each one opened in

    def _outputs(self) -> tuple[_Output, ...]:
        if self.quotes.inside:
            return (self.full,)
        return (self.full, self.new)

    def _emit(self, text: str) -> None:
        for output in self._outputs():
            output.write(text)

    def _break(self, tag: str) -> None:
        for output in self._outputs():
            output.newlines(2 if tag in _PARAGRAPHS else 1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.ignored.clear()  # an unclosed <title> or <form> in the head ends here
            return
        if self.ignored:
            if tag not in VOID_TAGS:
                self.ignored.append(tag)
            return
        if tag in _IGNORED:
            self.ignored.append(tag)
            return
        self.quotes.start(tag, attrs)
        self._start_layout(tag)

    def _start_layout(self, tag: str) -> None:
        if tag == "br":
            self._emit("\n")
        elif tag == "li":
            self._break(tag)
            self._emit(self._bullet())
        elif tag == "blockquote":
            outputs = self._outputs()
            for output in outputs:
                output.open_quote()
            self.blockquotes.append(outputs)
        elif tag in _BLOCKS:
            self._break(tag)
            self.lists += [0 if tag == "ol" else -1] if tag in ("ul", "ol") else []
            self.pre += tag == "pre"
        elif tag in ("td", "th"):
            self._emit("  ")

    def _bullet(self) -> str:
        if not self.lists or self.lists[-1] < 0:
            return "- "
        self.lists[-1] += 1
        return f"{self.lists[-1]}. "

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.ignored:
            if tag == self.ignored[-1]:
                self.ignored.pop()
            return
        self._end_layout(tag)
        self.quotes.end(tag)

    def _end_layout(self, tag: str) -> None:
        if tag == "blockquote" and self.blockquotes:
            for output in self.blockquotes.pop():
                output.close_quote()
        elif tag in _BLOCKS or tag == "li":
            self._break(tag)
            if tag in ("ul", "ol") and self.lists:
                self.lists.pop()
            self.pre -= tag == "pre" and self.pre > 0

    def handle_data(self, data: str) -> None:
        if self.ignored:
            return
        self._emit(data if self.pre else _WHITESPACE.sub(" ", data))

    def result(self) -> tuple[str, str | None]:
        full = _finish(self.full)
        return full, (_finish(self.new) if self.quotes.marked else None)


def _finish(output: _Output) -> str:
    while output.quote_starts:
        output.close_quote()
    return _tidy("".join(output.parts))
