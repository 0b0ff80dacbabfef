"""Logs: JSON with the request id in production, personal data masked in any format."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from helpdesk.logs import JsonFormatter, PersonalDataFilter, mask_personal_data

ROOT = Path(__file__).resolve().parent.parent


def test_addresses_and_long_numbers_are_masked():
    line = "no account for maria.lopez@correo.mx, phone +52 55 1234 5678, acct 4152313412345678"
    masked = mask_personal_data(line)
    assert "maria.lopez" not in masked and "m***@correo.mx" in masked
    assert "1234 5678" not in masked and masked.count("5678") == 2
    assert masked.endswith("************5678")
    unchanged = "ticket ACL-2026-000123 sent 2026-11-23T10:15:00Z, 3 of 12000000 rows"
    assert mask_personal_data(unchanged) == unchanged


def test_a_record_with_arguments_and_an_exception_is_masked():
    try:
        raise ValueError("bounce for deudor@correo.mx")
    except ValueError:
        record = logging.LogRecord(
            "helpdesk.x", logging.WARNING, __file__, 1, "mail to %s failed", ("deudor@correo.mx",),
            sys.exc_info(),
        )
    PersonalDataFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "mail to d***@correo.mx failed"
    assert "deudor@" not in entry["exception"] and "d***@correo.mx" in entry["exception"]


SCRIPT = """
import logging
from flask import Blueprint
import wsgi
bp = Blueprint("probe", __name__)
@bp.get("/probe")
def probe():
    logging.getLogger("helpdesk.probe").warning("no contact for ana.ruiz@correo.mx")
    return "ok"
wsgi.app.register_blueprint(bp)
client = wsgi.app.test_client()
answer = client.get("/probe", headers={"X-Request-Id": "req-42"})
print(answer.headers["X-Request-Id"])
print(client.get("/probe", headers={"X-Request-Id": "bad id {}"}).headers["X-Request-Id"])
"""


def test_production_logs_one_json_object_a_line_with_the_request_id(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.pop("REDIS_URL", None)
    env.update(
        HELPDESK_ENV="production",
        HELPDESK_SECRET_KEY="logs-test-secret-key-0123456789abcdef",
        HELPDESK_DATABASE_URL=f"sqlite:///{tmp_path / 'logs.sqlite3'}",
        HELPDESK_DATA_DIR=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT),
    )
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert run.returncode == 0, run.stderr
    given, generated = run.stdout.split()
    assert given == "req-42"
    assert len(generated) == 32  # a header that is not an id is replaced, not echoed
    entries = [json.loads(line) for line in run.stderr.splitlines()]
    probes = [e for e in entries if e["logger"] == "helpdesk.probe"]
    assert [e["request_id"] for e in probes] == ["req-42", generated]
    assert probes[0]["message"] == "no contact for a***@correo.mx"
    assert probes[0]["level"] == "WARNING"
