"""Fast, lenient reading of message headers from their raw source text.

``policy.default`` builds a full header object (with an RFC 5322 grammar written in Python)
every time a header is read, which costs more than the parse itself for address headers. We
read the raw values once instead (``msg.raw_items()``) and decode them ourselves:

* raw 8-bit bytes in a header (old Outlook, Thunderbird) arrive surrogate-escaped; they are
  decoded as UTF-8, else as the message's declared charset, else cp1252;
* RFC 2047 encoded words are decoded leniently: whitespace between adjacent words is
  dropped, adjacent words in one charset are joined before decoding (so a character split
  across two words survives), missing base64 padding is restored, an unknown or lying
  charset goes through :func:`charsets.decode_bytes`;
* Message-IDs are normalised by stripping whitespace and angle brackets; case is kept;
* Content-Type / Content-Disposition are read the same way (:func:`part_info`): RFC 2231
  parameters (continuations, charsets, even unknown ones), RFC 2047 words and raw 8-bit
  bytes in file names are decoded, an unterminated quote is tolerated;
* addresses: ``Name <a@b>`` lists take a fast path, anything fancier (groups, comments,
  quoted commas) goes to ``email.utils.getaddresses``; addresses are lower-cased.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from urllib.parse import unquote_to_bytes

from helpdesk.channels.email.charsets import decode_bytes

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,40})\?([bBqQ])\?([^?]*)\?=")
_ANGLE_ID = re.compile(r"<([^<>\s]{1,500})>")
_FOLD = re.compile(r"\r?\n[ \t]*")
_SPACES = re.compile(r"[ \t]+")
_BARE_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")


class RawHeaders:
    """The raw values of a message's headers, by lower-case name, in order."""

    __slots__ = ("_addresses", "_default_type", "_info", "_texts", "_values", "fallback_charset")

    def __init__(self, msg: EmailMessage, fallback_charset: str | None = None) -> None:
        values: dict[str, list[str]] = {}
        for name, value in msg.raw_items():
            values.setdefault(name.lower(), []).append(str(value))
        self._values = values
        self._texts: dict[str, str] = {}
        self._addresses: dict[str, list[tuple[str, str]]] = {}
        self._default_type = msg.get_default_type()
        self._info: PartInfo | None = None
        self.fallback_charset = fallback_charset

    @property
    def part_info(self) -> PartInfo:
        """What the MIME headers of this message say (see :func:`part_info`)."""
        if self._info is None:
            wanted = {name: self._values[name][0] for name in _PART_HEADERS if name in self._values}
            self._info = _part_info(wanted, self._default_type)
        return self._info

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._values

    def all(self, name: str) -> list[str]:
        return self._values.get(name.lower(), [])

    def first(self, name: str) -> str | None:
        found = self._values.get(name.lower())
        return found[0] if found else None

    def text(self, name: str) -> str:
        """The first value of ``name`` as readable text ("" when absent)."""
        if name not in self._texts:
            value = self.first(name)
            self._texts[name] = decode_header_text(value, self.fallback_charset) if value else ""
        return self._texts[name]

    def addresses(self, *names: str) -> list[tuple[str, str]]:
        """(display name, lower-case address) pairs from every header in ``names``."""
        found: list[tuple[str, str]] = []
        for name in names:
            if name not in self._addresses:
                self._addresses[name] = [
                    pair
                    for value in self.all(name)
                    for pair in parse_addresses(value, self.fallback_charset)
                ]
            found.extend(self._addresses[name])
        return found

    def is_empty(self) -> bool:
        return not self._values


def unfold(value: str) -> str:
    return _FOLD.sub(" ", value).strip()


def repair_8bit(value: str, fallback_charset: str | None = None) -> str:
    """Decode raw 8-bit bytes the parser kept as surrogate escapes."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        data = value.encode("utf-8", "surrogateescape")
        return decode_bytes(data, "utf-8", fallback_charset, detect=False)
    return value


def decode_header_text(value: str, fallback_charset: str | None = None) -> str:
    """An unstructured header (Subject, display name) as text, RFC 2047 words decoded."""
    text = repair_8bit(unfold(value), fallback_charset)
    if "=?" in text:
        text = decode_words(text)
    return _SPACES.sub(" ", text).strip()


def decode_words(text: str) -> str:
    """Decode RFC 2047 encoded words, joining adjacent words of the same charset."""
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []  # (charset, bytes) of adjacent encoded words
    pos = 0
    for match in _ENCODED_WORD.finditer(text):
        gap = text[pos : match.start()]
        if gap and (gap.strip() or not pending):
            _flush(pending, out)
            out.append(gap)
        charset = match.group(1).split("*", 1)[0].lower()  # RFC 2231 language suffix
        data = _word_bytes(match.group(2), match.group(3))
        if pending and pending[-1][0] == charset:
            pending[-1] = (charset, pending[-1][1] + data)
        else:
            pending.append((charset, data))
        pos = match.end()
    _flush(pending, out)
    out.append(text[pos:])
    return "".join(out)


def _flush(pending: list[tuple[str, bytes]], out: list[str]) -> None:
    out.extend(decode_bytes(data, charset) for charset, data in pending)
    pending.clear()


def _word_bytes(encoding: str, payload: str) -> bytes:
    if encoding in "bB":
        payload = payload.strip()
        try:
            return base64.b64decode(payload + "=" * (-len(payload) % 4))
        except (binascii.Error, ValueError):
            return payload.encode("ascii", "replace")
    return quopri.decodestring(payload.encode("utf-8", "surrogateescape"), header=True)


def parse_addresses(value: str, fallback_charset: str | None = None) -> list[tuple[str, str]]:
    """(decoded display name, lower-case address) pairs; lenient with malformed lists."""
    text = repair_8bit(unfold(value), fallback_charset)
    pairs = _simple_addresses(text)
    if pairs is None:  # quoted commas, comments, groups…: the stdlib's full parser
        pairs = [(n, a) for n, a in getaddresses([text]) if "@" in a]
    if not pairs:  # getaddresses refuses some malformed lists: keep any bare address
        pairs = [("", a) for a in _BARE_ADDRESS.findall(text)]
    return [
        (decode_header_text(name) if name else "", addr.strip().lower()) for name, addr in pairs
    ]


_SIMPLE_MAILBOX = re.compile(
    r'\s*(?:"([^"\\]*)"|([^"<>,;:@()\\]*?))\s*<([^<>\s"(),;:@]+@[^<>\s"(),;:@]+)>\s*'
    r'|\s*([^<>\s"(),;:@]+@[^<>\s"(),;:@]+)\s*'
)


def _simple_addresses(text: str) -> list[tuple[str, str]] | None:
    """Fast path for ``Name <a@b>, "Name" <c@d>, e@f``; None for anything fancier."""
    pairs: list[tuple[str, str]] = []
    for item in text.split(","):
        if not item.strip():
            continue
        match = _SIMPLE_MAILBOX.fullmatch(item)
        if match is None:
            return None
        quoted, bare, bracketed, plain = match.groups()
        pairs.append(((quoted or bare or "").strip(), bracketed or plain))
    return pairs


def normalise_message_id(value: str | None) -> str | None:
    """``<Abc@Host>`` -> ``Abc@Host``: the first bracketed id, else the bare token."""
    if not value:
        return None
    match = _ANGLE_ID.search(value)
    if match:
        return match.group(1)
    token = unfold(value).strip("<> \t")
    return token if token and " " not in token else None


def message_ids(value: str | None) -> tuple[str, ...]:
    """Every Message-ID in a References-like header, in order, without duplicates."""
    if not value:
        return ()
    found = _ANGLE_ID.findall(value) or [t for t in unfold(value).split() if "@" in t]
    return tuple(dict.fromkeys(found))


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(">").lower()


def on_domains(address: str, domains: tuple[str, ...]) -> bool:
    """True when ``address`` (or a Message-ID) is on one of ``domains`` or a subdomain."""
    domain = domain_of(address)
    return any(domain == d or domain.endswith("." + d) for d in domains)


# --- MIME headers (Content-Type, Content-Disposition) ----------------------------------

_PART_HEADERS = frozenset({"content-type", "content-disposition", "content-id"})
_PARAM_TOKEN = re.compile(r'(?:[^;"]|"(?:[^"\\]|\\.)*"|"[^"]*$)+')
_QUOTED_PAIR = re.compile(r'\\(["\\])')


@dataclass(frozen=True, slots=True)
class PartInfo:
    """What the MIME headers of one part say, read without ``policy.default``'s parser."""

    content_type: str  # lower-case type/subtype
    params: dict[str, str]
    disposition: str | None  # "inline", "attachment" or None
    filename: str | None  # decoded, not yet made safe
    content_id: str | None

    @property
    def maintype(self) -> str:
        return self.content_type.partition("/")[0]

    @property
    def charset(self) -> str | None:
        return self.params.get("charset") or None


def part_info(part: EmailMessage) -> PartInfo:
    """Content-Type, its parameters, Content-Disposition, filename and Content-ID."""
    wanted: dict[str, str] = {}
    for name, value in part.raw_items():
        key = name.lower()
        if key in _PART_HEADERS and key not in wanted:
            wanted[key] = str(value)
    return _part_info(wanted, part.get_default_type())


def _part_info(wanted: dict[str, str], default_type: str) -> PartInfo:
    ctype, params = parse_parameters(wanted.get("content-type", ""))
    if ctype.count("/") != 1 or " " in ctype:
        ctype = default_type
    disposition, disposition_params = parse_parameters(wanted.get("content-disposition", ""))
    return PartInfo(
        content_type=ctype,
        params=params,
        disposition=disposition or None,
        filename=disposition_params.get("filename") or params.get("name") or None,
        content_id=normalise_message_id(wanted.get("content-id")),
    )


def parse_parameters(value: str) -> tuple[str, dict[str, str]]:
    """``type/sub; a="b"; c*=utf-8''%E2%82%AC`` -> ("type/sub", {"a": "b", "c": "€"}).

    RFC 2231 (continuations, charsets) and, although not allowed there, RFC 2047 words
    and raw 8-bit bytes are decoded, as mail clients send them all.
    """
    if not value:
        return "", {}
    value = repair_8bit(unfold(value) if "\n" in value else value.strip())
    tokens = value.split(";")
    if '"' in value and any(token.count('"') % 2 for token in tokens):
        tokens = _PARAM_TOKEN.findall(value)  # a quoted ";" (or a lone quote): split carefully
    if not tokens:
        return "", {}
    raw: dict[str, str] = {}
    for token in tokens[1:]:
        name, equals, item = token.partition("=")
        if equals:
            item = item.strip()
            if item.startswith('"'):
                item = _QUOTED_PAIR.sub(r"\1", item[1:-1] if item.endswith('"') else item[1:])
            raw.setdefault(name.strip().lower(), item)
    return tokens[0].strip().lower(), _combine_params(raw)


def _combine_params(raw: dict[str, str]) -> dict[str, str]:
    params: dict[str, str] = {}
    sections: dict[str, list[tuple[int, bool, str]]] = {}
    if not any("*" in name or "=?" in value for name, value in raw.items()):
        return raw
    for name, value in raw.items():
        if "*" not in name:
            params[name] = decode_words(value) if "=?" in value else value
            continue
        base, _, rest = name.partition("*")
        number = rest.rstrip("*")
        if number.isdigit() or not number:
            sections.setdefault(base, []).append(
                (int(number or 0), rest.endswith("*") or not rest, value)
            )
    for base, parts in sections.items():
        params[base] = _rfc2231_value(sorted(parts))
    return params


def _rfc2231_value(parts: list[tuple[int, bool, str]]) -> str:
    charset = "utf-8"
    data = bytearray()
    for index, (_number, encoded, value) in enumerate(parts):
        if encoded and index == 0 and value.count("'") >= 2:
            charset, _language, value = value.split("'", 2)
        data += unquote_to_bytes(value) if encoded else value.encode("utf-8")
    return decode_bytes(bytes(data), charset or "utf-8", detect=False)
