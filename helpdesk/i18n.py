"""Locale and time zone selection, and the formatting helpers templates use."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, request
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_time,
    get_locale,
    get_timezone,
)
from flask_login import current_user

from helpdesk import clock
from helpdesk.config import SUPPORTED_LOCALES


def select_locale() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.locale
    best = request.accept_languages.best_match(SUPPORTED_LOCALES) if request else None
    return best or current_app.config["DEFAULT_LOCALE"]


def select_timezone() -> str:
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["DEFAULT_TIMEZONE"]


def datetime_filter(value: datetime | None, format: str = "medium") -> str:
    """A UTC datetime shown in the viewer's zone and locale."""
    return format_datetime(value, format) if value else ""


def when_filter(value: datetime | None, now: datetime | None = None) -> str:
    """Short, for a list row: the time when it was today (in the viewer's zone), the day
    and month this year, the full short date before."""
    if value is None:
        return ""
    zone = get_timezone()
    local, today = value.astimezone(zone), (now or clock.now()).astimezone(zone)
    if local.date() == today.date():
        return format_time(value, "short")
    if local.year == today.year:
        return format_date(local, "d MMM")
    return format_date(local, "short")


def money_filter(amount: Decimal | None, currency: str) -> str:
    return format_currency(amount, currency) if amount is not None else ""


def html_lang() -> str:
    return str(get_locale() or current_app.config["DEFAULT_LOCALE"])


def catalog_directory(source: Path, spare: Path) -> Path:
    """The folder Flask-Babel reads compiled catalogs from.

    A checkout after ``make`` has fresh ``.mo`` files beside the ``.po`` files; a plain
    ``pip install`` has only the ``.po`` files. Then they are compiled once into ``spare``
    (the instance folder, which is writable), so every install serves Spanish.
    """
    catalogs = sorted(source.glob("*/LC_MESSAGES/messages.po"))
    if all(_is_fresh(po.with_suffix(".mo"), po) for po in catalogs):
        return source
    for po in catalogs:
        compiled = spare / po.relative_to(source).with_suffix(".mo")
        if not _is_fresh(compiled, po):
            _compile(po, compiled)
    return spare


def _is_fresh(compiled: Path, po: Path) -> bool:
    return compiled.exists() and compiled.stat().st_mtime >= po.stat().st_mtime


def _compile(po: Path, compiled: Path) -> None:
    """Write the .mo atomically: several web workers may start at the same moment."""
    with po.open("rb") as handle:
        catalog = read_po(handle)
    compiled.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=compiled.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as out:
        write_mo(out, catalog, use_fuzzy=True)
    os.chmod(temporary, 0o644)  # mkstemp makes it private; the catalog is not a secret
    os.replace(temporary, compiled)
