"""The composition root: configuration, extensions, blueprints, CLI.

The only module of ``helpdesk`` that imports ``blueprints``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from helpdesk import i18n
from helpdesk.config import load_config
from helpdesk.db import configure_postgresql, configure_sqlite
from helpdesk.extensions import babel, csrf, db, limiter, login_manager, migrate
from helpdesk.logs import configure_logging
from helpdesk.paths import resource_root
from helpdesk.sessions import SplitSessionInterface

ROOT = resource_root()

log = logging.getLogger(__name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        "helpdesk",
        root_path=str(ROOT),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str((config or {}).get("INSTANCE_PATH", ROOT / "instance")),
    )
    app.config.update(load_config(Path(app.instance_path), config))
    configure_logging(app)
    configure_extensions(app)
    configure_login(app)
    configure_templates(app)
    configure_blueprints(app)
    configure_errors(app)
    configure_security_headers(app)
    configure_jobs(app)
    configure_presence(app)
    configure_signals(app)
    configure_proxy(app)
    return app


def configure_proxy(app: Flask) -> None:
    """Behind nginx every request comes from nginx: trust its X-Forwarded-For/-Proto (and
    only as many hops as there are proxies) so rate limits and logs see the real client
    and secure cookies see https."""
    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def configure_extensions(app: Flask) -> None:
    import helpdesk.models  # noqa: F401  (every table known to metadata and Alembic)

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
        configure_postgresql(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_locale=app.config["DEFAULT_LOCALE"],
        default_timezone=app.config["DEFAULT_TIMEZONE"],
        default_translation_directories=str(
            i18n.catalog_directory(ROOT / "translations", Path(app.instance_path) / "translations")
        ),
    )
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    limiter.init_app(app)
    app.session_interface = SplitSessionInterface()  # staff and portal: separate cookies


def configure_login(app: Flask) -> None:
    from helpdesk.users.services import load_session_user

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the sign-in page explains itself
    login_manager.session_protection = "strong"
    login_manager.user_loader(lambda user_id: load_session_user(db.session, user_id))


def configure_templates(app: Flask) -> None:
    from helpdesk.signins.services import describe_user_agent
    from helpdesk.tickets.vocabulary import label
    from helpdesk.timeline import event_label
    from helpdesk.users.models import Role

    app.jinja_env.filters["datetime"] = i18n.datetime_filter
    app.jinja_env.filters["when"] = i18n.when_filter
    app.jinja_env.filters["money"] = i18n.money_filter
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["user_agent_label"] = describe_user_agent
    app.jinja_env.globals.update(html_lang=i18n.html_lang, event_label=event_label, Role=Role)


def configure_blueprints(app: Flask) -> None:
    from blueprints.admin import bp as admin_bp
    from blueprints.api import bp as api_bp
    from blueprints.auth import bp as auth_bp
    from blueprints.brand import bp as brand_bp
    from blueprints.health import bp as health_bp
    from blueprints.inbox import bp as inbox_bp
    from blueprints.portal import bp as portal_bp
    from blueprints.ratings import bp as ratings_bp
    from blueprints.reports import bp as reports_bp
    from blueprints.search import bp as search_bp
    from blueprints.webform import bp as webform_bp
    from blueprints.webhooks import bp as webhooks_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(brand_bp)
    app.register_blueprint(ratings_bp)
    app.register_blueprint(webform_bp)
    app.register_blueprint(webhooks_bp, url_prefix="/webhooks")


def configure_errors(app: Flask) -> None:
    messages = {
        400: lambda: _("The request could not be understood."),
        403: lambda: _("You do not have permission to see this page."),
        404: lambda: _("We could not find that page."),
        405: lambda: _("That action is not allowed here."),
        413: lambda: _("What you sent is too large."),
        429: lambda: _("Too many attempts. Wait a few minutes and try again."),
        500: lambda: _("Something went wrong on our side. It has been logged."),
    }

    def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
        message = messages.get(code, messages[500])()
        return render_template("errors/error.html", code=code, message=message, detail=detail), code

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(
            400,
            _("The form expired or was not sent from this site. Reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        if error.code == 413 and request.path.startswith(DEBTOR_PATHS):
            return too_large_for_debtor()
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[str, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)


# Pages debtors use: their errors speak to a debtor, not to staff.
DEBTOR_PATHS = ("/portal", "/contacto")


def too_large_for_debtor() -> tuple[str, int]:
    """A debtor's upload over the request limit: what happened and how to go on, in the
    portal's look (the form cannot be shown again: its body was never read)."""
    limit = request.max_content_length or 0
    back = request.path.removesuffix("/reply")
    return render_template(
        "portal/too_large.html", limit_mb=limit // (1024 * 1024), back=back
    ), 413


def configure_signals(app: Flask) -> None:
    """Cross-domain reactions, wired in one place (the receivers live with their domain)."""
    from helpdesk.channels.email import outbound
    from helpdesk.channels.whatsapp import outbound as whatsapp_outbound
    from helpdesk.channels.whatsapp import ratings as whatsapp_ratings
    from helpdesk.holds import reactions as hold_reactions
    from helpdesk.outbound_webhooks import emit as outbound_webhooks
    from helpdesk.ratings import reactions as rating_reactions
    from helpdesk.search import tracking as search_tracking
    from helpdesk.sla import deadlines

    outbound.connect()
    whatsapp_outbound.connect()
    hold_reactions.connect()
    deadlines.connect()
    outbound_webhooks.connect()
    search_tracking.connect()
    rating_reactions.connect()
    whatsapp_ratings.connect()


def configure_presence(app: Flask) -> None:
    """Who has a ticket open: in Redis when there is one, so every gunicorn worker sees
    the same agents; in this process otherwise (one process is all there is then)."""
    from helpdesk.jobs import redis_connection
    from helpdesk.presence.store import EXTENSION, LocalPresence, RedisPresence

    connection = redis_connection(app.config["REDIS_URL"]) if app.config["REDIS_URL"] else None
    app.extensions[EXTENSION] = (
        RedisPresence(connection) if connection is not None else LocalPresence()
    )


def configure_jobs(app: Flask) -> None:
    from helpdesk.jobs import run_ready_jobs

    @app.after_request
    def run_inline_jobs(response: Any) -> Any:
        # Inline mode (no Redis): jobs released by this request's commit run now.
        run_ready_jobs(db.session())
        return response


def configure_security_headers(app: Flask) -> None:
    @app.after_request
    def headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if not _may_be_framed(response):
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        return response


def _may_be_framed(response: Any) -> bool:
    """A view that sets its own CSP naming who may frame it (the web form, for the origins
    in ``WEBFORM_ALLOWED_ORIGINS``) gets no ``X-Frame-Options: DENY``, which would forbid
    what its ``frame-ancestors`` allows; every other page stays unframeable."""
    policy = response.headers.get("Content-Security-Policy", "")
    return "frame-ancestors" in policy and "frame-ancestors 'none'" not in policy
