"""Any install serves Spanish: a plain ``pip install`` (not only ``make``) ships the
templates, static files, migrations and catalogs, and the app compiles the catalogs it
finds without a ``.mo``."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SIGN_IN_PAGE = """
import helpdesk
from helpdesk.app import create_app
app = create_app({"INSTANCE_PATH": %r})
print(helpdesk.__file__)
print(app.test_client().get("/login").get_data(as_text=True))
"""


@pytest.fixture(scope="module")
def installed_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtualenv with Aclara installed from this checkout as a wheel.

    The dependencies are borrowed from the test run's own environment (a .pth file) so the
    test needs no download; Aclara itself is built and installed for real.
    """
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    Path(purelib, "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-build-isolation", "--no-index", str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    return python


def test_a_fresh_install_serves_the_sign_in_page_in_spanish(installed_python, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_", "PYTHON"))}
    env.pop("REDIS_URL", None)
    env.update(
        HELPDESK_SECRET_KEY="fresh-install-secret-key-0123456789abcdef",
        HELPDESK_DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
    )
    instance = tmp_path / "instance"
    run = subprocess.run(
        [str(installed_python), "-c", SIGN_IN_PAGE % str(instance)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == 0, run.stderr
    location, _, page = run.stdout.partition("\n")
    assert not location.startswith(str(ROOT)), "the test must run the installed copy"
    assert "Iniciar sesión" in page
    assert 'lang="es' in page


def test_catalogs_without_mo_files_are_compiled_into_the_instance(tmp_path):
    from babel.support import Translations

    from helpdesk.i18n import catalog_directory

    source = tmp_path / "translations"
    for locale in ("es", "en"):
        folder = source / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        po = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
        (folder / "messages.po").write_bytes(po.read_bytes())

    chosen = catalog_directory(source, tmp_path / "instance")

    assert chosen == tmp_path / "instance"
    spanish = Translations.load(str(chosen), ["es"])
    assert spanish.gettext("Sign in") == "Iniciar sesión"
    assert (chosen / "en" / "LC_MESSAGES" / "messages.mo").exists()
    assert catalog_directory(source, tmp_path / "instance") == chosen  # compiled once
