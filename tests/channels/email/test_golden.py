"""Every hand-written fixture in tests/fixtures/email meets its expectations in expected.json.

"action" is what the intake will do; the parser's side of it: ``created`` is a message from a
person (not automatic, no bounce), ``auto_reply`` is automatic without a bounce, ``bounce`` has
a bounce (and is automatic), ``quarantined`` raises ``UnparseableEmail``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from helpdesk.channels.email.automatic import automatic_reason
from helpdesk.channels.email.parse import UnparseableEmail, parse_email
from helpdesk.intake.inbound import Inbound

FIXTURES = Path(__file__).parents[2] / "fixtures" / "email"
MANIFEST: dict[str, dict[str, Any]] = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
OUR_DOMAINS = ("aclara.example",)


def test_every_fixture_is_in_the_manifest() -> None:
    on_disk = {path.name for path in FIXTURES.glob("*.eml")}
    assert on_disk == set(MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_fixture(name: str) -> None:
    spec = MANIFEST[name]
    raw = (FIXTURES / name).read_bytes()
    if spec["action"] == "quarantined":
        with pytest.raises(UnparseableEmail) as refused:
            parse_email(raw)
        assert spec["reason"] in refused.value.reason
        return
    kwargs = {"max_bytes": spec["max_bytes"]} if "max_bytes" in spec else {}
    inbound = parse_email(raw, our_domains=OUR_DOMAINS, **kwargs)
    _check_action(inbound, spec["action"])
    _check_basics(inbound, raw)
    _check_identity(inbound, spec, raw)
    _check_texts(inbound, spec)
    _check_files(inbound, spec)
    _check_thread(inbound, spec)
    _check_bounce(inbound, spec)
    if "automatic_reason" in spec:
        msg = message_from_bytes(raw, policy=policy.default)
        assert automatic_reason(msg, our_domains=OUR_DOMAINS) == spec["automatic_reason"]


def _check_action(inbound: Inbound, action: str) -> None:
    if action == "created":
        assert not inbound.is_auto_reply and inbound.bounce is None
    elif action == "auto_reply":
        assert inbound.is_auto_reply and inbound.bounce is None
    elif action == "bounce":
        assert inbound.is_auto_reply and inbound.bounce is not None
    else:
        pytest.fail(f"unknown action {action}")


def _check_basics(inbound: Inbound, raw: bytes) -> None:
    assert inbound.channel == "email"
    assert inbound.raw_sha256 == hashlib.sha256(raw).hexdigest()
    for text in (
        inbound.subject,
        inbound.text,
        inbound.new_text or "",
        inbound.sender.display_name,
    ):
        assert "\ufffd" not in text and "Ã" not in text, "mojibake"
    assert all(f.filename and "\ufffd" not in f.filename for f in inbound.files)


def _check_identity(inbound: Inbound, spec: dict[str, Any], raw: bytes) -> None:
    if spec.get("external_id") == "sha256":
        digest = hashlib.sha256(raw).hexdigest()
        assert inbound.external_id == f"sha256-{digest}@aclara.invalid"
    else:
        assert "<" not in inbound.external_id and not inbound.external_id.startswith("sha256-")
    for key, value in (
        ("subject", inbound.subject),
        ("sender", inbound.sender.value),
        ("sender_name", inbound.sender.display_name),
        ("language", inbound.language),
    ):
        if key in spec:
            assert value == spec[key], key
    if "sent_at" in spec:
        assert inbound.sent_at == datetime.fromisoformat(spec["sent_at"])
    if "recipients" in spec:
        assert list(inbound.recipients) == spec["recipients"]
    if "participants" in spec:
        found = [[p.value, p.display_name] for p in inbound.participants]
        assert found == spec["participants"]


def _check_texts(inbound: Inbound, spec: dict[str, Any]) -> None:
    for fragment in spec.get("text_contains", []):
        assert fragment in inbound.text
    for fragment in spec.get("text_not_contains", []):
        assert fragment not in inbound.text
    if "new_text" in spec:
        assert inbound.new_text == spec["new_text"]
    if "html" in spec:
        assert inbound.html == spec["html"]
    for fragment in spec.get("html_contains", []):
        assert inbound.html is not None and fragment in inbound.html
    for fragment in spec.get("html_not_contains", []):
        assert fragment not in (inbound.html or "")


def _check_files(inbound: Inbound, spec: dict[str, Any]) -> None:
    if "attachments" in spec:
        assert [f.filename for f in inbound.files] == spec["attachments"]
    if "attachment_types" in spec:
        assert [f.content_type for f in inbound.files] == spec["attachment_types"]
    if "inline" in spec:
        inline = [[f.filename, f.content_id] for f in inbound.files if f.is_inline]
        assert inline == spec["inline"]
    expected_skipped = spec.get("skipped", [])
    assert [[s.filename, s.content_type, s.reason] for s in inbound.skipped] == expected_skipped


def _check_thread(inbound: Inbound, spec: dict[str, Any]) -> None:
    if "in_reply_to" in spec:
        assert inbound.hints.in_reply_to == spec["in_reply_to"]
    if "references" in spec:
        assert list(inbound.hints.references) == spec["references"]
    if "folio" in spec:
        assert inbound.hints.folio == spec["folio"]


def _check_bounce(inbound: Inbound, spec: dict[str, Any]) -> None:
    expected = spec.get("bounce")
    if expected is None:
        return
    bounce = inbound.bounce
    assert bounce is not None
    assert bounce.original_message_id == expected["original_message_id"]
    assert bounce.recipient == expected["recipient"]
    assert bounce.action == expected["action"]
    assert bounce.status == expected["status"]
    assert bounce.is_permanent is expected["is_permanent"]
    assert expected["diagnostic_contains"] in bounce.diagnostic
