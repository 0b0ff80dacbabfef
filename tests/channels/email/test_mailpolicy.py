"""The parse policy shares header objects between reads; what it reads must not change."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from helpdesk.channels.email.mailpolicy import PARSE_POLICY

FIXTURES = sorted((Path(__file__).parents[2] / "fixtures" / "email").glob("*.eml"))


def _reading(raw: bytes, parse_policy: policy.Policy) -> list[tuple]:
    """Every header as the program sees it, and every part's type, charset and content."""
    msg = email.message_from_bytes(raw, policy=parse_policy)
    seen: list[tuple] = []
    for part in msg.walk():
        seen += [(name, str(value), len(value.defects)) for name, value in part.items()]
        seen.append((part.get_content_type(), part.get_content_charset(), part.get_filename()))
        if not part.is_multipart():
            try:
                seen.append(("content", part.get_content()))
            except (LookupError, KeyError, ValueError) as error:
                seen.append(("error", type(error).__name__))
    return seen


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_reads_every_fixture_exactly_as_policy_default(path: Path) -> None:
    raw = path.read_bytes()
    expected = _reading(raw, policy.default)
    assert _reading(raw, PARSE_POLICY) == expected
    assert _reading(raw, PARSE_POLICY) == expected  # again, now from the shared objects


def test_folded_header_is_unfolded_once_and_shared() -> None:
    raw = (
        b"From: =?utf-8?q?Mar=C3=ADa_P=C3=A9rez?= <maria@example.mx>\r\n"
        b"Subject: Aclaraci=?utf-8?q?=C3=B3n?= de mi\r\n cuenta\r\n\r\nHola\r\n"
    )
    first = email.message_from_bytes(raw, policy=PARSE_POLICY)
    second = email.message_from_bytes(raw, policy=PARSE_POLICY)
    assert str(first["subject"]) == str(
        email.message_from_bytes(raw, policy=policy.default)["subject"]
    )
    assert first["from"].addresses[0].display_name == "María Pérez"
    assert first["subject"] is second["subject"]
