"""The repository's required layout, and the WSGI entry point a production server loads."""

from __future__ import annotations

import ast
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = ["helpdesk", "blueprints", "templates", "static", "migrations", "tests"]


@pytest.mark.parametrize("name", REQUIRED)
def test_required_top_level_folder_is_there(name):
    assert (ROOT / name).is_dir(), f"{name}/ is missing at the top level"


@pytest.mark.parametrize("name", ["wsgi.py", "pyproject.toml"])
def test_required_top_level_file_is_there(name):
    assert (ROOT / name).is_file(), f"{name} is missing at the top level"


def _production_environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.pop("REDIS_URL", None)
    env.update(
        HELPDESK_ENV="production",
        HELPDESK_SECRET_KEY="wsgi-test-secret-key-0123456789abcdef",
        HELPDESK_DATABASE_URL=f"sqlite:///{tmp_path / 'wsgi.sqlite3'}",
        HELPDESK_DATA_DIR=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT),
    )
    return env


def test_wsgi_module_serves_the_spanish_sign_in_page(tmp_path):
    script = (
        "import wsgi\n"
        "page = wsgi.app.test_client().get('/login')\n"
        "print(page.status_code)\n"
        "print(page.get_data(as_text=True))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT, env=_production_environment(tmp_path),
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert run.returncode == 0, run.stderr
    status, _, body = run.stdout.partition("\n")
    assert status == "200"
    assert "Iniciar sesión" in body


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_wsgi_app(tmp_path):
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=_production_environment(tmp_path),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        body = _get_when_ready(f"http://127.0.0.1:{port}/login", server)
        assert "Iniciar sesión" in body
    finally:
        server.terminate()
        server.wait(timeout=20)


def _get_when_ready(url: str, server: subprocess.Popen, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited: {server.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (loopback)
                return answer.read().decode()
        except OSError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not answer within 30 s")



_QUERYING = re.compile(r"\bselect\(|\bdb\.session\.(get|scalar|scalars|execute)\(")


def _imports_select(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and (node.module or "").startswith("sqlalchemy")
        and any(alias.name == "select" for alias in node.names)
        for node in ast.walk(tree)
    )


def test_views_do_not_query():
    """Views parse, call a service or query of helpdesk, and render (docs/architecture.md):
    a SELECT or a look-up by id belongs in the owning package's queries.py."""
    found = []
    for path in sorted((ROOT / "blueprints").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if _imports_select(ast.parse(text)):
            found.append(f"{path.relative_to(ROOT)}: imports sqlalchemy's select")
        found += [
            f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
            for number, line in enumerate(text.splitlines(), 1)
            if _QUERYING.search(line)
        ]
    assert not found, "queries in blueprints/:\n" + "\n".join(found)


# Where helpdesk/ may read the Flask app (``current_app``): the boundaries that build what
# the domain code takes as arguments (docs/architecture.md).
APP_BOUNDARIES = {"app.py", "cli.py", "*/cli.py", "jobs.py", "*/jobs.py", "i18n.py"}
# Also boundaries, named here with why:
APP_BOUNDARY_MODULES = {
    # The `ingest-eml` and `quarantine` commands, kept apart from the channel's cli.py.
    "channels/email/cli_ingest.py",
    # Signal receivers, wired in app.configure_signals: connected once per process, each
    # runs inside the app that sent the signal, so a value bound at connect time would be
    # the last app's. They read the settings and pass them to holds.services.
    "holds/reactions.py",
}


def _uses_current_app(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == "current_app" for a in node.names):
            return True
        if isinstance(node, ast.Name) and node.id == "current_app":
            return True
        if isinstance(node, ast.Attribute) and node.attr == "current_app":
            return True
    return False


def _is_boundary(relative: str) -> bool:
    from fnmatch import fnmatch

    if relative in APP_BOUNDARY_MODULES:
        return True
    return any(
        relative == pattern or ("/" in relative and fnmatch(relative, pattern))
        for pattern in APP_BOUNDARIES
    )


def test_only_boundaries_read_the_flask_app():
    """Domain code takes what it needs (settings, the secret key) as arguments; only
    views, jobs, the CLI and app.py read ``current_app`` and pass it on."""
    package = ROOT / "helpdesk"
    found = [
        str(path.relative_to(ROOT))
        for path in sorted(package.rglob("*.py"))
        if not _is_boundary(path.relative_to(package).as_posix())
        and _uses_current_app(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not found, "current_app outside the boundaries:\n" + "\n".join(found)


def test_the_boundary_list_names_existing_modules():
    package = ROOT / "helpdesk"
    missing = sorted(name for name in APP_BOUNDARY_MODULES if not (package / name).is_file())
    assert not missing, missing


def test_template_globals_fetch_nothing():
    """A template global formats what it is given; one that reads the database hides a
    query in every page that renders it (the top bar's count is a context processor)."""
    offenders = []
    for path in (ROOT / "blueprints").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            decorators = " ".join(ast.unparse(d) for d in node.decorator_list)
            if "template_global" in decorators and "db.session" in ast.unparse(node):
                offenders.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert offenders == []
