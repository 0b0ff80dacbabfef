"""The production files under deploy/ work as written: gunicorn's config serves the app
with JSON access logs, and every systemd unit starts a command that exists."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from helpdesk.jobs import QUEUES
from tests.test_layout import _free_port, _get_when_ready, _production_environment

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


def exec_start(unit: str) -> list[str]:
    text = (DEPLOY / "systemd" / unit).read_text()
    (line,) = re.findall(r"^ExecStart=(.+)$", text, re.MULTILINE)
    words = shlex.split(line)
    words[0] = str(BIN / Path(words[0]).name)  # our virtualenv instead of /opt/aclara/.venv
    return words


def test_gunicorn_config_serves_the_app_and_logs_json_without_query_strings(tmp_path):
    port = _free_port()
    env = _production_environment(tmp_path) | {
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
    }
    server = subprocess.Popen(
        exec_start("aclara-web.service"), cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        body = _get_when_ready(f"http://127.0.0.1:{port}/healthz?email=deudor@correo.mx", server)
        assert json.loads(body) == {"status": "ok"}
    finally:
        server.terminate()
        out, err = server.communicate(timeout=40)
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    served = [r for r in records if r["path"] == "/healthz" and r["status"] == 200]
    assert served, out
    assert "deudor@correo.mx" not in out
    assert "Booting worker" in err and err.count("Booting worker") == 2


def test_every_queue_has_a_worker_unit_that_starts(tmp_path):
    command = exec_start("aclara-worker@.service")
    assert command[1:] == ["worker", "--queue", "%i"]
    documented = (ROOT / "docs" / "deployment.md").read_text()
    for queue in QUEUES:
        assert f"aclara-worker@{queue}" in documented, queue
    help_text = subprocess.run(
        [command[0], "worker", "--help"], env=os.environ | {"HELPDESK_DATA_DIR": str(tmp_path)},
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout
    assert "--queue" in help_text


def test_the_cron_unit_starts_the_cron_command(tmp_path):
    command = exec_start("aclara-cron.service")
    assert command[1:] == ["cron"]
    subprocess.run(
        [command[0], "cron", "--help"], env=os.environ | {"HELPDESK_DATA_DIR": str(tmp_path)},
        capture_output=True, check=True, cwd=ROOT,
    )
