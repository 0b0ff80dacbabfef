"""``helpdesk ingest-eml`` and ``helpdesk quarantine``, run as a user would."""

from __future__ import annotations

import json
from pathlib import Path

from tests.channels.email.mail import raw_email
from tests.test_cli import helpdesk, ok


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_ingest_eml_prints_one_json_line_per_file(tmp_path: Path) -> None:
    ok(helpdesk("init-db", tmp_path))
    root = tmp_path / "root.eml"
    root.write_bytes(raw_email(message_id="cli-root@correo.mx"))
    reply = tmp_path / "reply.eml"
    reply.write_bytes(
        raw_email(
            message_id="cli-reply@correo.mx",
            in_reply_to="cli-root@correo.mx",
            subject="Re: Aclaración",
        )
    )
    ooo = tmp_path / "ooo.eml"
    ooo.write_bytes(
        raw_email(message_id="cli-ooo@correo.mx", headers={"Auto-Submitted": "auto-replied"})
    )
    junk = tmp_path / "junk.eml"
    junk.write_bytes(b"\x00\x00\x00")

    results = lines(ok(helpdesk(f"ingest-eml {root} {reply} {root} {ooo} {junk}", tmp_path)))

    assert [r["action"] for r in results] == [
        "created",
        "appended",
        "duplicate",
        "auto_reply",
        "quarantined",
    ]
    assert results[0]["ticket"] == results[1]["ticket"] == results[2]["ticket"]
    assert results[0]["file"] == str(root) and results[0]["reason"] is None
    assert results[4]["ticket"] is None and "unparseable" in results[4]["reason"]

    quarantined = lines(ok(helpdesk("quarantine list --json", tmp_path)))
    assert len(quarantined) == 1 and quarantined[0]["source"] == "file:junk.eml"
    retried = lines(ok(helpdesk(f"quarantine retry {quarantined[0]['id']}", tmp_path)))
    assert retried[0]["action"] == "quarantined"

    shown = json.loads(ok(helpdesk(f"tickets show {results[0]['ticket']} --json", tmp_path)))
    assert [m["direction"] for m in shown["messages"]][:3] == ["in", "out", "in"]


def test_a_missing_file_is_reported_and_the_exit_code_says_so(tmp_path: Path) -> None:
    ok(helpdesk("init-db", tmp_path))
    good = tmp_path / "ok.eml"
    good.write_bytes(raw_email(message_id="cli-ok@correo.mx"))
    result = helpdesk(f"ingest-eml {tmp_path / 'missing.eml'} {good}", tmp_path)
    assert result.returncode == 1
    actions = [r["action"] for r in lines(result.stdout)]
    assert actions == ["unreadable", "created"]


def test_hostile_files_each_get_a_verdict_and_their_acknowledgements_leave(tmp_path: Path) -> None:
    from tests.channels.email.test_hostile import NO_SUBJECT, mail

    ok(helpdesk("init-db", tmp_path))
    hostile = [
        NO_SUBJECT,
        mail(
            b"Message-ID: <lf@correo.mx>\r\nFrom: =?utf-8?q?Ana=0AP?= <ana@correo.mx>\r\n"
            b"Subject: =?utf-8?q?Cargo=0Ano_reconocido?=\r\n"
        ),
        mail(
            b"Message-ID: <bad-\xff@correo.mx>\r\nFrom: luis@correo.mx\r\nSubject: Hola\r\n",
            b"con un \x00 en medio\r\n",
        ),
        raw_email(message_id="despues@correo.mx"),
    ]
    paths = []
    for n, raw in enumerate(hostile):
        paths.append(tmp_path / f"{n}.eml")
        paths[-1].write_bytes(raw)

    results = lines(ok(helpdesk("ingest-eml " + " ".join(map(str, paths)), tmp_path)))

    assert [r["action"] for r in results] == ["created"] * 4
    for result in results:
        shown = json.loads(ok(helpdesk(f"tickets show {result['ticket']} --json", tmp_path)))
        assert [m.get("delivery_status") for m in shown["messages"]][1] == "sent"
