"""Spanish first: every string a person sees has its Spanish translation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]


def extracted_messages(tmp_path: Path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def catalog(locale: str) -> dict[str, str]:
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and not m.fuzzy}


def test_every_string_in_the_code_has_a_spanish_translation(tmp_path):
    spanish = catalog("es")
    missing = sorted(m for m in extracted_messages(tmp_path) if not spanish.get(m))
    assert not missing, f"run `make extract` and translate in translations/es: {missing}"


def test_the_english_catalog_knows_every_string(tmp_path):
    english = catalog("en")
    missing = sorted(m for m in extracted_messages(tmp_path) if m not in english)
    assert not missing, f"run `make extract`: {missing}"


def test_placeholders_survive_translation():
    import re

    for source, spanish in catalog("es").items():
        if isinstance(source, str):
            placeholders = sorted(re.findall(r"%\(\w+\)[sd]", source))
            assert placeholders == sorted(re.findall(r"%\(\w+\)[sd]", spanish)), source
