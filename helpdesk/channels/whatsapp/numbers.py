"""WhatsApp numbers and their approved templates.

The access token, app secret and verify token are stored encrypted with the app's key
(``helpdesk.secrets``, as every stored credential). The default number configured in the
environment (``HELPDESK_WHATSAPP_*``) becomes a row the first time it is needed, marked
``is_from_environment``: its secrets stay in the environment and are never stored.

Services flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.audit.services import Actor, record
from helpdesk.channels.whatsapp.client import WhatsAppClient
from helpdesk.channels.whatsapp.models import WhatsAppNumber, WhatsAppTemplate
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.errors import FieldError
from helpdesk.queues.models import Queue
from helpdesk.secrets import SecretError, seal, unseal

ENVIRONMENT_NAME = "environment"
_PHONE_NUMBER_ID = re.compile(r"[0-9]{5,64}")
_VERSION = re.compile(r"v[0-9]{1,3}\.[0-9]{1,3}")
_TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
_LANGUAGE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")


class NumberError(FieldError):
    """A number or template cannot be saved as asked; ``field`` names the culprit."""


@dataclass(frozen=True)
class Credentials:
    token: str | None
    app_secret: str | None
    verify_token: str | None


# --- Reads ----------------------------------------------------------------------------


def all_numbers(session: Session) -> list[WhatsAppNumber]:
    return list(session.scalars(select(WhatsAppNumber).order_by(WhatsAppNumber.name)))


def number_for(
    session: Session, phone_number_id: str, settings: WhatsAppSettings
) -> WhatsAppNumber | None:
    """The active number a webhook's ``metadata.phone_number_id`` names, if we have it."""
    number = session.scalar(
        select(WhatsAppNumber).where(WhatsAppNumber.phone_number_id == phone_number_id)
    )
    if number is None and phone_number_id == settings.phone_number_id:
        number = environment_number(session, settings)
    return number if number is not None and number.is_active else None


def environment_number(session: Session, settings: WhatsAppSettings) -> WhatsAppNumber | None:
    """The row of the number configured in the environment, created on first use."""
    phone_number_id = settings.phone_number_id
    if not phone_number_id:
        return None
    number = session.scalar(
        select(WhatsAppNumber).where(WhatsAppNumber.phone_number_id == phone_number_id)
    )
    if number is None:
        number = WhatsAppNumber(
            name=ENVIRONMENT_NAME,
            phone_number_id=phone_number_id,
            api_version=settings.api_version,
            is_from_environment=True,
            created_at=clock.now(),
        )
        session.add(number)
        session.flush()
    return number


def default_number(session: Session, settings: WhatsAppSettings) -> WhatsAppNumber | None:
    """The number replies go out from when a ticket does not say: environment, else first."""
    return environment_number(session, settings) or session.scalar(
        select(WhatsAppNumber).where(WhatsAppNumber.is_active).order_by(WhatsAppNumber.id).limit(1)
    )


def credentials(number: WhatsAppNumber, settings: WhatsAppSettings) -> Credentials:
    if number.is_from_environment:
        return Credentials(settings.token, settings.app_secret, settings.verify_token)
    key = settings.secret_key
    return Credentials(
        _decrypt(number.access_token_encrypted, key),
        _decrypt(number.app_secret_encrypted, key),
        _decrypt(number.verify_token_encrypted, key),
    )


# What this process decrypted of the app secrets, keyed by what it was decrypted from.
_app_secrets: dict[str, Any] = {}


def app_secrets(
    session: Session, settings: WhatsAppSettings, *, fresh: bool = False
) -> list[bytes]:
    """Every app secret a webhook may be signed with (environment and active numbers).

    The process keeps what it decrypted keyed by the encrypted values it read: each POST
    runs one light query, and decrypts again only when a secret was added, rotated or a
    number (de)activated, so a rotation takes effect at once in every process.
    ``fresh=True`` decrypts again regardless."""
    env_secret = settings.app_secret
    encrypted = tuple(
        session.scalars(
            select(WhatsAppNumber.app_secret_encrypted)
            .where(WhatsAppNumber.is_active, WhatsAppNumber.app_secret_encrypted.is_not(None))
            .order_by(WhatsAppNumber.id)
        )
    )
    # The app's key is part of what they were decrypted with (by its digest: not kept here).
    key = (env_secret, encrypted, hashlib.sha256(settings.secret_key.encode()).digest())
    cache = _app_secrets
    if not fresh and cache.get("key") == key:
        return list(cache["secrets"])
    found = [env_secret] + [_decrypt(token, settings.secret_key) for token in encrypted]
    secrets = [s.encode() for s in dict.fromkeys(found) if s]
    cache.update(key=key, secrets=secrets)
    return list(secrets)


def forget_app_secrets() -> None:
    """Drop this process's decrypted app secrets (after a rotation)."""
    _app_secrets.clear()


def verify_tokens(session: Session, settings: WhatsAppSettings) -> list[str]:
    found = [settings.verify_token]
    encrypted = session.scalars(
        select(WhatsAppNumber.verify_token_encrypted).where(
            WhatsAppNumber.is_active, WhatsAppNumber.verify_token_encrypted.is_not(None)
        )
    )
    found += [_decrypt(token, settings.secret_key) for token in encrypted]
    return [t for t in dict.fromkeys(found) if t]


def matches_verify_token(session: Session, token: str, settings: WhatsAppSettings) -> bool:
    """Constant-time comparison against every configured verify token."""
    given = token.encode()
    matched = False
    for expected in verify_tokens(session, settings):
        matched |= hmac.compare_digest(expected.encode(), given)
    return bool(token) and matched


def client_for(number: WhatsAppNumber, settings: WhatsAppSettings) -> WhatsAppClient:
    token = credentials(number, settings).token
    if not token:
        raise NumberError("access_token", _l("This number has no access token."))
    return WhatsAppClient(
        graph_url=settings.graph_url,
        api_version=number.api_version,
        phone_number_id=number.phone_number_id,
        token=token,
    )


def active_templates(number: WhatsAppNumber) -> list[WhatsAppTemplate]:
    return [t for t in number.templates if t.is_active]


def _decrypt(token: str | None, secret_key: str) -> str | None:
    if not token:
        return None
    try:
        return unseal(token, secret_key=secret_key)
    except SecretError:
        return None  # the secret key changed: the admin must enter the secret again


# --- Writes ---------------------------------------------------------------------------


def add_number(
    session: Session,
    *,
    name: str,
    phone_number_id: str,
    display_number: str,
    access_token: str,
    app_secret: str,
    verify_token: str,
    api_version: str | None = None,
    queue: Queue | None = None,
    settings: WhatsAppSettings,
    actor: Actor,
    now: datetime,
) -> WhatsAppNumber:
    """Validate and add a number, its secrets encrypted; NumberError(field, message)."""
    name, phone_number_id = name.strip(), phone_number_id.strip()
    api_version = (api_version or settings.api_version).strip()
    _check_number(session, name, phone_number_id, api_version)
    for field, value in (
        ("access_token", access_token),
        ("app_secret", app_secret),
        ("verify_token", verify_token),
    ):
        if not value.strip():
            raise NumberError(field, _l("This field is required."))
    number = WhatsAppNumber(
        name=name,
        phone_number_id=phone_number_id,
        display_number=display_number.strip()[:32],
        api_version=api_version,
        access_token_encrypted=seal(access_token.strip(), secret_key=settings.secret_key),
        app_secret_encrypted=seal(app_secret.strip(), secret_key=settings.secret_key),
        verify_token_encrypted=seal(verify_token.strip(), secret_key=settings.secret_key),
        queue=queue,
        created_at=now,
    )
    session.add(number)
    session.flush()
    record(session, actor, "whatsapp.number_created", number, now=now, after=summary(number))
    return number


def _check_number(session: Session, name: str, phone_number_id: str, api_version: str) -> None:
    if not name or len(name) > 80:
        raise NumberError("name", _l("The name must have 1 to 80 characters."))
    if session.scalar(select(WhatsAppNumber.id).where(WhatsAppNumber.name == name)):
        raise NumberError("name", _l("A number with this name already exists."))
    if not _PHONE_NUMBER_ID.fullmatch(phone_number_id):
        raise NumberError("phone_number_id", _l("The phone number id is the number Meta shows."))
    if session.scalar(
        select(WhatsAppNumber.id).where(WhatsAppNumber.phone_number_id == phone_number_id)
    ):
        raise NumberError("phone_number_id", _l("This phone number id is already configured."))
    if not _VERSION.fullmatch(api_version):
        raise NumberError("api_version", _l("The API version looks like v21.0."))


def update_number(
    session: Session,
    number: WhatsAppNumber,
    *,
    display_number: str,
    api_version: str,
    queue: Queue | None,
    verify_token: str = "",
    secret_key: str,
    actor: Actor,
    now: datetime,
) -> None:
    """Edit what an admin may change of a number; an empty ``verify_token`` keeps it."""
    api_version = api_version.strip()
    if not _VERSION.fullmatch(api_version):
        raise NumberError("api_version", _l("The API version looks like v21.0."))
    verify_token = verify_token.strip()
    if verify_token and number.is_from_environment:
        raise NumberError(
            "verify_token", _l("The environment's number keeps its secrets in the environment.")
        )
    before = summary(number)
    number.display_number = display_number.strip()[:32]
    number.api_version = api_version
    number.queue = queue
    if verify_token:
        number.verify_token_encrypted = seal(verify_token, secret_key=secret_key)
    session.flush()
    after = summary(number)
    if before == after and not verify_token:
        return
    after["verify_token_changed"] = bool(verify_token)
    record(session, actor, "whatsapp.number_updated", number, now=now, before=before, after=after)


def rotate_secrets(
    session: Session,
    number: WhatsAppNumber,
    *,
    access_token: str = "",
    app_secret: str = "",
    secret_key: str,
    actor: Actor,
    now: datetime,
) -> list[str]:
    """Replace the access token and/or app secret (empty keeps it); the names changed.

    The audit event says which secrets changed, never their values."""
    if number.is_from_environment:
        raise NumberError(
            "access_token", _l("The environment's number keeps its secrets in the environment.")
        )
    changed = []
    if access_token.strip():
        number.access_token_encrypted = seal(access_token.strip(), secret_key=secret_key)
        changed.append("access_token")
    if app_secret.strip():
        number.app_secret_encrypted = seal(app_secret.strip(), secret_key=secret_key)
        changed.append("app_secret")
    if not changed:
        raise NumberError("access_token", _l("Enter a new access token or app secret."))
    session.flush()
    record(session, actor, "whatsapp.secrets_rotated", number, now=now, after={"secrets": changed})
    if "app_secret" in changed:
        forget_app_secrets()
    return changed


def check_connection(number: WhatsAppNumber, settings: WhatsAppSettings) -> dict[str, Any]:
    """What the Graph API answers for this number; GraphError or NumberError if it fails."""
    return client_for(number, settings).phone_number()


def set_active(
    session: Session, number: WhatsAppNumber, active: bool, *, actor: Actor, now: datetime
) -> None:
    if number.is_active == active:
        return
    number.is_active = active
    record(
        session,
        actor,
        "whatsapp.number_activated" if active else "whatsapp.number_deactivated",
        number,
        now=now,
    )


def add_template(
    session: Session,
    number: WhatsAppNumber,
    *,
    name: str,
    language: str,
    parameters: list[str],
    body: str = "",
    actor: Actor,
    now: datetime,
) -> WhatsAppTemplate:
    from helpdesk.channels.whatsapp.templates import PARAMETER_SOURCES

    name, language = name.strip(), language.strip()
    if not _TEMPLATE_NAME.fullmatch(name):
        raise NumberError("name", _l("Template names use lowercase letters, digits and _."))
    if not _LANGUAGE.fullmatch(language):
        raise NumberError("language", _l("The language looks like es_MX or es."))
    unknown = [p for p in parameters if p not in PARAMETER_SOURCES]
    if unknown:
        raise NumberError(
            "parameters", _l("Unknown parameters: %(names)s", names=", ".join(unknown))
        )
    template = next(
        (t for t in number.templates if t.name == name and t.language == language), None
    )
    if template is not None and template.is_active:
        raise NumberError("name", _l("This template is already there in this language."))
    if template is None:
        template = WhatsAppTemplate(name=name, language=language, created_at=now)
        number.templates.append(template)
    template.parameters, template.body, template.is_active = parameters, body.strip(), True
    session.flush()
    record(
        session,
        actor,
        "whatsapp.template_added",
        template,
        now=now,
        after={"number": number.name, "name": name, "language": language},
    )
    return template


def remove_template(
    session: Session, template: WhatsAppTemplate, *, actor: Actor, now: datetime
) -> None:
    template.is_active = False
    record(
        session,
        actor,
        "whatsapp.template_removed",
        template,
        now=now,
        after={"name": template.name, "language": template.language},
    )


def summary(number: WhatsAppNumber) -> dict[str, Any]:
    """What may be shown or logged of a number: never its secrets."""
    return {
        "name": number.name,
        "phone_number_id": number.phone_number_id,
        "display_number": number.display_number,
        "api_version": number.api_version,
        "queue": number.queue.name if number.queue else None,
        "active": number.is_active,
        "from_environment": number.is_from_environment,
    }
