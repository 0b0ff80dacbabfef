"""Where the files that live beside the code are: templates, static, translations, migrations.

In a checkout (and an editable install) they sit next to ``helpdesk/``. An install from a
wheel puts them under ``<prefix>/share/aclara/`` (see ``setup.py``), since the top-level
folders are not Python packages.
"""

from __future__ import annotations

import sys
from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parent.parent


def resource_root() -> Path:
    if (SOURCE_ROOT / "templates").is_dir():
        return SOURCE_ROOT
    installed = Path(sys.prefix) / "share" / "aclara"
    return installed if (installed / "templates").is_dir() else SOURCE_ROOT
