"""Ships the folders beside the code (templates, static, translations, migrations) with
the package, under ``<prefix>/share/aclara/``, where ``helpdesk.paths`` finds them.

Everything else about the package is in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup

SHIPPED = ("templates", "static", "translations", "migrations")


def data_files() -> list[tuple[str, list[str]]]:
    found: dict[str, list[str]] = {}
    for top in SHIPPED:
        for path in sorted(Path(top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                found.setdefault(f"share/aclara/{path.parent.as_posix()}", []).append(
                    path.as_posix()
                )
    return sorted(found.items())


setup(data_files=data_files())
