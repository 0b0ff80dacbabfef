"""The branding's public assets: the logo and the colours as CSS, for the portal and the
web form (before sign-in too), and ``brand()`` for their templates.

The colours come as a stylesheet of our own origin rather than an inline ``<style>``:
the Content-Security-Policy allows styles from 'self' only. Both are cached for a year
under the branding's version (the layout links them with ``?v=``), so a new logo shows
at once and an unchanged one is never fetched twice.
"""

from __future__ import annotations

from string import Template
from typing import Any

from flask import Blueprint, abort, current_app, g

from helpdesk.branding.queries import Brand, brand
from helpdesk.extensions import db

bp = Blueprint("brand", __name__, url_prefix="/brand")

YEAR = 365 * 24 * 3600
_THEME = Template(
    ".portal-body, .branding-preview { --primary: $p; --primary-ink: #fff; "
    "--brand: $p; --brand-ink: #fff; --link: $a; --focus: $a; }\n"
    ".portal-bar, .branding-preview .preview-bar { background: $p; color: #fff; "
    "border-bottom-color: $p; }\n"
    ".portal-bar a, .portal-bar button.link { color: #fff; }\n"
    ".portal-body a:not(.button), .branding-preview a { color: $a; }\n"
    ".portal-bar a:not(.button) { color: #fff; }\n"
    ".portal-bar { border-radius: 8px; margin-bottom: .5rem; }\n"
    "@media (max-width: 480px) { .portal-bar { flex-wrap: wrap; } "
    ".portal-bar .brand { flex-basis: 100%; } }\n"
    "@media (min-width: 481px) { .portal-bar nav a, .portal-bar button.link "
    "{ white-space: nowrap; } }\n"
)


def current_brand() -> Brand:
    """The branding for this request, read once."""
    if "brand" not in g:
        g.brand = brand(db.session, default_name=current_app.config["AGENCY_NAME"])
    return g.brand


@bp.app_context_processor
def brand_global() -> dict[str, Any]:
    return {"brand": current_brand}


@bp.get("/logo")
def logo() -> Any:
    current = current_brand()
    if not current.logo or not current.logo_type:
        abort(404)
    response = current_app.response_class(current.logo, mimetype=current.logo_type)
    return _cached(response)


@bp.get("/theme.css")
def theme() -> Any:
    current = current_brand()
    # The values were checked as #rrggbb when saved (branding.services.colour).
    css = _THEME.substitute(p=current.primary_color, a=current.accent_color)
    if not current.custom:
        css = "/* no branding set: the default colours apply */\n"
    response = current_app.response_class(css, mimetype="text/css")
    return _cached(response)


def _cached(response: Any) -> Any:
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
