"""Locale and time zone selection, and the formatting helpers templates use."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import current_app, request
from flask_babel import format_currency, format_datetime, get_locale
from flask_login import current_user

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


def money_filter(amount: Decimal | None, currency: str) -> str:
    return format_currency(amount, currency) if amount is not None else ""


def html_lang() -> str:
    return str(get_locale() or current_app.config["DEFAULT_LOCALE"])
