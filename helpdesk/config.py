"""Settings from the environment, with safe defaults.

Every key the application reads is listed in ``ENVIRONMENT_KEYS`` and documented in the
README. Nothing is read at import time: ``load_config`` runs inside ``create_app``.
Order: defaults, then the environment, then explicit overrides; ``validate`` fails fast.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SUPPORTED_LOCALES = ("es", "en")
# What a person can pick: the language, and the region for dates and money.
LOCALE_CHOICES = {
    "es_MX": "Español (México)",
    "es_CO": "Español (Colombia)",
    "es_AR": "Español (Argentina)",
    "en_US": "English (United States)",
}


def is_supported_locale(locale: str) -> bool:
    return locale.replace("-", "_").split("_")[0] in SUPPORTED_LOCALES


# key -> (config name, meaning); the README's configuration table mirrors this.
ENVIRONMENT_KEYS: dict[str, tuple[str, str]] = {
    "HELPDESK_ENV": ("ENV", "development (default) or production"),
    "HELPDESK_DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", "SQLAlchemy URL"),
    "HELPDESK_SECRET_KEY": ("SECRET_KEY", "signs sessions, CSRF tokens and Message-IDs"),
    "REDIS_URL": ("REDIS_URL", "Redis for RQ jobs and rate limits; jobs run inline if unset"),
    "HELPDESK_DATA_DIR": ("DATA_DIR", "attachments and search index"),
    "HELPDESK_DEFAULT_LOCALE": ("DEFAULT_LOCALE", "es or en"),
    "HELPDESK_TIMEZONE": ("DEFAULT_TIMEZONE", "IANA zone for people without one"),
    "HELPDESK_FOLIO_PREFIX": ("FOLIO_PREFIX", "prefix of ticket folios"),
    "HELPDESK_AGENCY_NAME": (
        "AGENCY_NAME",
        "the collection agency's name on the acuse de recibo and the SLA reports",
    ),
    "HELPDESK_PUBLIC_URL": (
        "PUBLIC_URL",
        "address debtors reach the app at (https://…), for links in documents sent by jobs",
    ),
    "HELPDESK_PORTAL_WHATSAPP_CODE_TEMPLATE": (
        "PORTAL_WHATSAPP_CODE_TEMPLATE",
        "approved WhatsApp authentication template for portal sign-in codes",
    ),
    "HELPDESK_PORTAL_IDENTIFYING_FACTS": (
        "PORTAL_IDENTIFYING_FACTS",
        'creditor -> fact asked with an account number, as JSON: {"Banco Demo": "birth_date"}',
    ),
    "HELPDESK_PORTAL_IDLE_MINUTES": (
        "PORTAL_IDLE_MINUTES",
        "minutes without a request after which a debtor's portal session ends",
    ),
    "HELPDESK_LOGIN_RATE_LIMIT": ("LOGIN_RATE_LIMIT", "failed sign-ins allowed per address"),
    "HELPDESK_MAIL_DOMAIN": ("MAIL_DOMAIN", "domain of our outgoing Message-IDs"),
    "HELPDESK_MAIL_FROM": ("MAIL_FROM", "From address when a ticket's queue has no mailbox"),
    "HELPDESK_SMTP_URL": ("SMTP_URL", "smtp[s]://user:password@host:port for that address"),
    "HELPDESK_MAIL_MAX_BYTES": ("MAIL_MAX_BYTES", "largest email kept whole, in bytes"),
    "HELPDESK_PHONE_REGION": ("DEFAULT_PHONE_REGION", "country for phone numbers without +code"),
    "HELPDESK_WHATSAPP_PHONE_NUMBER_ID": (
        "WHATSAPP_PHONE_NUMBER_ID",
        "phone number id of the default WhatsApp number",
    ),
    "HELPDESK_WHATSAPP_TOKEN": ("WHATSAPP_TOKEN", "access token of the default WhatsApp number"),
    "HELPDESK_WHATSAPP_APP_SECRET": ("WHATSAPP_APP_SECRET", "app secret that signs webhooks"),
    "HELPDESK_WHATSAPP_VERIFY_TOKEN": ("WHATSAPP_VERIFY_TOKEN", "webhook verification token"),
    "HELPDESK_WHATSAPP_GRAPH_URL": ("WHATSAPP_GRAPH_URL", "base URL of Meta's Graph API"),
    "HELPDESK_WHATSAPP_API_VERSION": ("WHATSAPP_API_VERSION", "Graph API version, e.g. v21.0"),
    "HELPDESK_WEBHOOK_TIMEOUT": ("WEBHOOK_TIMEOUT", "seconds an outbound webhook POST may take"),
    "HELPDESK_WEBHOOK_MAX_ATTEMPTS": (
        "WEBHOOK_MAX_ATTEMPTS",
        "attempts of an outbound webhook before it is marked failed",
    ),
    "HELPDESK_MAIL_POLL_LOCK_SECONDS": (
        "MAIL_POLL_LOCK_SECONDS",
        "time to live of a mailbox's poll lock in Redis, renewed while the poll runs",
    ),
    "HELPDESK_PROXY_HOPS": (
        "PROXY_HOPS",
        "reverse proxies in front of the app whose X-Forwarded-* headers are trusted",
    ),
    "HELPDESK_SEARCH_BACKEND": (
        "SEARCH_BACKEND",
        "whoosh (index files, one machine) or postgresql (full-text search in the database)",
    ),
    "HELPDESK_WEBFORM_ALLOWED_ORIGINS": (
        "WEBFORM_ALLOWED_ORIGINS",
        "https origins (comma-separated) whose pages may show the web form /contacto in an iframe",
    ),
}


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says which key and why."""


def defaults(instance_path: Path) -> dict[str, Any]:
    return {
        "ENV": "development",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance_path / 'aclara.sqlite3'}",
        "SECRET_KEY": None,
        "REDIS_URL": None,
        "DATA_DIR": str(instance_path / "data"),
        "DEFAULT_LOCALE": "es",
        "DEFAULT_TIMEZONE": "America/Mexico_City",
        "FOLIO_PREFIX": "ACL",

        "AGENCY_NAME": "Aclara",
        "PUBLIC_URL": None,
        "LOGIN_RATE_LIMIT": "10 per 15 minutes",
        "MAIL_DOMAIN": "aclara.local",
        "MAIL_FROM": None,
        "SMTP_URL": None,
        "MAIL_MAX_BYTES": 25 * 1024 * 1024,
        "MAIL_POLL_LOCK_SECONDS": 60.0,  # a killed poller's mailbox is free again after this
        "DEFAULT_PHONE_REGION": "MX",
        "ACCOUNTS_ALLOW_NEGATIVE_BALANCE": False,
        "HOLD_GRACE_DAYS": 3,
        "PRESENCE_POLL_SECONDS": 5.0,  # how often a ticket page says who else has it open
        "API_MAX_BODY_BYTES": 64 * 1024,
        "API_MAX_BATCH_BYTES": 16 * 1024 * 1024,
        "WHATSAPP_PHONE_NUMBER_ID": None,
        "WHATSAPP_TOKEN": None,
        "WHATSAPP_APP_SECRET": None,
        "WHATSAPP_VERIFY_TOKEN": None,
        "WHATSAPP_GRAPH_URL": "https://graph.facebook.com",
        "WHATSAPP_API_VERSION": "v21.0",
        "WEBHOOK_TIMEOUT": 10.0,
        "WEBHOOK_MAX_ATTEMPTS": 8,  # 1 + retries after 1, 2, 4, 8, 16, 32, 60 minutes
        "SEARCH_BACKEND": "whoosh",
        "PROXY_HOPS": 0,  # nginx in front: 1, so rate limits see the debtor's address
        # Debtor portal: one-time codes asked per address and per IP, tries per IP;
        # files a debtor may attach to one message.
        "PORTAL_CODE_RATE_LIMIT": "5 per 15 minutes",
        "PORTAL_CODE_IP_RATE_LIMIT": "30 per 15 minutes",
        "PORTAL_VERIFY_RATE_LIMIT": "30 per 15 minutes",
        # Magic links opened or used per IP; a portal session is its own cookie and ends
        # after this many minutes without a request (staff sessions are unaffected).
        "PORTAL_LINK_RATE_LIMIT": "30 per 15 minutes",
        "PORTAL_MAGIC_LINKS": True,  # reminders and agents' email replies carry one
        # WhatsApp reminder templates approved with a URL button ending in the magic
        # link's token (https://…/portal/link/{{1}}): send the token as its parameter.
        "REMINDER_WHATSAPP_LINK_BUTTON": False,
        # The approved WhatsApp authentication template that carries sign-in codes.
        "PORTAL_WHATSAPP_CODE_TEMPLATE": None,
        # Creditor name -> the fact asked with an account number: "phone_last4" (the
        # default for any creditor not named) or "birth_date" (helpdesk/portal/facts.py).
        "PORTAL_IDENTIFYING_FACTS": {},
        "PORTAL_SESSION_COOKIE_NAME": "aclara_portal",
        "PORTAL_IDLE_MINUTES": 30,
        "PORTAL_MAX_FILE_BYTES": 10 * 1024 * 1024,
        "PORTAL_MAX_FILES": 5,
        # The public web form (/contacto): who may frame it, and what stands in for a
        # CAPTCHA (a honeypot field, a minimum fill time, posts per IP and per address).
        "WEBFORM_ALLOWED_ORIGINS": (),
        "WEBFORM_MIN_SECONDS": 3,
        "WEBFORM_IP_RATE_LIMIT": "10 per hour",
        "WEBFORM_ADDRESS_RATE_LIMIT": "5 per hour",
        "ACK_LIMIT": (10, 3 * 3600),  # acknowledgements per sender per window (seconds)
        "TICKETS_PER_PAGE": 30,
        "MAX_CONTENT_LENGTH": 30 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "aclara_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=7),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "RATELIMIT_HEADERS_ENABLED": True,
    }


def from_environment(environ: dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for env_key, (config_key, _meaning) in ENVIRONMENT_KEYS.items():
        value = environ.get(env_key)
        if value:
            found[config_key] = value
    return found


def load_config(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    config = defaults(instance_path)
    config.update(from_environment(dict(os.environ)))
    config.update(overrides or {})
    config["SQLALCHEMY_DATABASE_URI"] = database_url(config["SQLALCHEMY_DATABASE_URI"])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = custom_plans(config["SQLALCHEMY_ENGINE_OPTIONS"])
    config["MAIL_MAX_BYTES"] = int(config["MAIL_MAX_BYTES"])
    config["WEBHOOK_TIMEOUT"] = _number(
        config, "WEBHOOK_TIMEOUT", "HELPDESK_WEBHOOK_TIMEOUT", float
    )
    config["WEBHOOK_MAX_ATTEMPTS"] = _number(
        config, "WEBHOOK_MAX_ATTEMPTS", "HELPDESK_WEBHOOK_MAX_ATTEMPTS", int
    )
    config["MAIL_POLL_LOCK_SECONDS"] = _number(
        config, "MAIL_POLL_LOCK_SECONDS", "HELPDESK_MAIL_POLL_LOCK_SECONDS", float
    )
    config["PROXY_HOPS"] = _number(
        config, "PROXY_HOPS", "HELPDESK_PROXY_HOPS", int, allow_zero=True
    )
    config["WEBFORM_ALLOWED_ORIGINS"] = origins(config["WEBFORM_ALLOWED_ORIGINS"])
    config["PORTAL_IDENTIFYING_FACTS"] = identifying_facts(config["PORTAL_IDENTIFYING_FACTS"])
    config["SECRET_KEY"] = config["SECRET_KEY"] or _secret_key(config, instance_path)
    is_production = config["ENV"] == "production"
    config["SESSION_COOKIE_SECURE"] = is_production
    config["REMEMBER_COOKIE_SECURE"] = is_production
    validate(config)
    return config


def database_url(url: str) -> str:
    """Plain ``postgresql://`` URLs use psycopg 3, the driver we install."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def custom_plans(options: dict[str, Any]) -> dict[str, Any]:
    """psycopg 3 prepares a statement on the server after five runs, and PostgreSQL then
    may plan it once for any parameters: the inbox's "open disputes by WhatsApp" went from
    12 ms to 300 ms on such a generic plan at a million tickets. Not preparing keeps every
    query planned for its own values (docs/benchmarks.md, "Inbox")."""
    connect_args = {**options.get("connect_args", {}), "prepare_threshold": None}
    return {**options, "connect_args": connect_args}


def origins(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """``"https://a.example, https://b.example/"`` → ``("https://a.example",
    "https://b.example")``: what a CSP ``frame-ancestors`` names, checked strictly (a
    wrong value would open the form to framing by anyone, or break the embed)."""
    items = value.split(",") if isinstance(value, str) else list(value)
    found = []
    for item in (i.strip().rstrip("/") for i in items):
        if not item:
            continue
        if not _ORIGIN.fullmatch(item):
            raise ConfigError(
                f"HELPDESK_WEBFORM_ALLOWED_ORIGINS: {item!r} is not an https origin "
                "(https://host or https://host:port, no path)"
            )
        found.append(item.lower())
    return tuple(dict.fromkeys(found))


# The facts the portal's account sign-in can ask (helpdesk/portal/facts.py takes its
# names from here: plumbing does not import the portal).
IDENTIFYING_FACTS = ("phone_last4", "birth_date")


def identifying_facts(value: str | dict[str, str]) -> dict[str, str]:
    """``'{"Banco Demo": "birth_date"}'`` (the environment's JSON) or a dict, checked: a
    misspelt fact would let nobody of that creditor sign in with an account number."""
    try:
        facts = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        facts = None
    if not isinstance(facts, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in facts.items()
    ):
        raise ConfigError(
            'HELPDESK_PORTAL_IDENTIFYING_FACTS must be a JSON object of creditor names to '
            'facts, such as {"Banco Demo": "birth_date"}'
        )
    for creditor, fact in facts.items():
        if fact not in IDENTIFYING_FACTS:
            raise ConfigError(
                f"HELPDESK_PORTAL_IDENTIFYING_FACTS: {creditor!r} asks {fact!r}; "
                f"the facts are {', '.join(IDENTIFYING_FACTS)}"
            )
    return dict(facts)


_ORIGIN = re.compile(r"https://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?")


def _number(
    config: dict[str, Any], key: str, env_key: str, kind: type, *, allow_zero: bool = False
) -> Any:
    """A positive (or, where allowed, zero) number; the environment gives it as text."""
    try:
        value = kind(config[key])
    except (TypeError, ValueError):
        raise ConfigError(f"{env_key} must be a number, not {config[key]!r}") from None
    if value < 0 or (value == 0 and not allow_zero):
        floor = "zero or more" if allow_zero else "greater than zero"
        raise ConfigError(f"{env_key} must be {floor}")
    return value


def _secret_key(config: dict[str, Any], instance_path: Path) -> str:
    """Development only: a key generated once and kept in the instance folder."""
    if config["ENV"] == "production":
        raise ConfigError("HELPDESK_SECRET_KEY must be set when HELPDESK_ENV=production")
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def validate(config: dict[str, Any]) -> None:
    if config["ENV"] not in ("development", "production", "testing"):
        raise ConfigError("HELPDESK_ENV must be development, production or testing")
    if not is_supported_locale(config["DEFAULT_LOCALE"]):
        raise ConfigError("HELPDESK_DEFAULT_LOCALE must be es or en (optionally with a region)")
    try:
        ZoneInfo(config["DEFAULT_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(f"HELPDESK_TIMEZONE is not a known time zone: {error}") from None
    public_url = config.get("PUBLIC_URL")
    if public_url and not str(public_url).startswith(("https://", "http://")):
        raise ConfigError("HELPDESK_PUBLIC_URL must start with https:// (or http://)")
    if config["SEARCH_BACKEND"] not in ("whoosh", "postgresql"):
        raise ConfigError("HELPDESK_SEARCH_BACKEND must be whoosh or postgresql")
    if config["SEARCH_BACKEND"] == "postgresql" and not config[
        "SQLALCHEMY_DATABASE_URI"
    ].startswith("postgresql"):
        raise ConfigError("HELPDESK_SEARCH_BACKEND=postgresql needs a PostgreSQL database")
    if config["ENV"] == "production" and len(config["SECRET_KEY"]) < 32:
        raise ConfigError("HELPDESK_SECRET_KEY must be at least 32 characters in production")
