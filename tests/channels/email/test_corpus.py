"""300 generated messages (tests/mailgen, seed 7) against the generator's truth."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest

from helpdesk.channels.email.parse import parse_email
from helpdesk.intake.inbound import Inbound

HTML_TAG = re.compile(r"</?(?:p|br|div|blockquote|html|body|meta)\b", re.IGNORECASE)
OURS = ("helpdesk.example",)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[dict[str, Any], Inbound]]:
    out = tmp_path_factory.mktemp("corpus")
    manifest = out.parent / f"{out.name}.jsonl"
    command = [sys.executable, "-m", "tests.mailgen", "--count", "300", "--seed", "7"]
    subprocess.run(
        [*command, "--out", str(out), "--manifest", str(manifest)], check=True, capture_output=True
    )
    truth = [json.loads(line) for line in manifest.read_text("utf-8").splitlines()]
    return [
        (entry, parse_email((out / entry["file"]).read_bytes(), our_domains=OURS))
        for entry in truth
    ]


def test_the_corpus_has_the_variety_we_test(corpus: list[tuple[dict[str, Any], Inbound]]) -> None:
    entries = [entry for entry, _ in corpus]
    assert len(entries) == 300
    assert sum(e["is_reply"] for e in entries) > 50
    assert sum(bool(e["attachments"]) for e in entries) > 30
    assert sum(e["structure"] == "html_only" for e in entries) > 10
    assert sum(e["subject_encoding"] != "ascii" for e in entries) > 100
    assert sum(e["cte"] == "8bit" and e["charset"] != "utf-8" for e in entries) > 0


def test_identity_people_and_subjects(corpus: list[tuple[dict[str, Any], Inbound]]) -> None:
    for entry, inbound in corpus:
        assert inbound.external_id == entry["message_id"].strip("<>"), entry["file"]
        assert inbound.subject == entry["subject"], entry["file"]
        assert inbound.sender.value == entry["from_addr"], entry["file"]
        assert inbound.sender.display_name == entry["from_name"], entry["file"]
        if entry["cc"]:
            assert entry["cc"] in [p.value for p in inbound.participants], entry["file"]
        assert inbound.recipients[0] == "cobranzas@helpdesk.example"


def test_no_mojibake_anywhere(corpus: list[tuple[dict[str, Any], Inbound]]) -> None:
    for entry, inbound in corpus:
        for text in (
            inbound.subject,
            inbound.text,
            inbound.sender.display_name,
            *(f.filename for f in inbound.files),
        ):
            assert "\ufffd" not in text and "Ã" not in text, entry["file"]
        assert inbound.text.strip(), entry["file"]


def test_attachments(corpus: list[tuple[dict[str, Any], Inbound]]) -> None:
    for entry, inbound in corpus:
        found = [(f.filename, f.content_type, len(f.data)) for f in inbound.files]
        expected = [(a["filename"], a["content_type"], a["size"]) for a in entry["attachments"]]
        assert found == expected, entry["file"]
        assert not inbound.skipped


def test_threading_and_automatic_replies(corpus: list[tuple[dict[str, Any], Inbound]]) -> None:
    for entry, inbound in corpus:
        expected = entry["in_reply_to"].strip("<>") if entry["in_reply_to"] else None
        assert inbound.hints.in_reply_to == expected, entry["file"]
        assert list(inbound.hints.references) == [r.strip("<>") for r in entry["references"]]
        assert inbound.is_auto_reply is entry["autoreply"], entry["file"]
        assert inbound.bounce is None


def test_quoted_history_is_folded(corpus: list[tuple[dict[str, Any], Inbound]]) -> None:
    quoted = [(entry, inbound) for entry, inbound in corpus if "escribió:" in inbound.text]
    assert len(quoted) > 40
    for entry, inbound in quoted:
        assert inbound.new_text, entry["file"]
        assert "escribió:" not in inbound.new_text and "\n>" not in inbound.new_text, entry["file"]
        assert inbound.text.startswith(inbound.new_text.split("\n")[0]), entry["file"]


def test_html_only_mail_has_text_and_sanitised_html(
    corpus: list[tuple[dict[str, Any], Inbound]],
) -> None:
    for entry, inbound in corpus:
        if entry["structure"] != "plain":
            assert inbound.html and "<html" not in inbound.html and "<meta" not in inbound.html
        if entry["structure"] == "html_only":
            assert not HTML_TAG.search(inbound.text), entry["file"]
