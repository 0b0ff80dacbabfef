"""@mentions in notes: the composer's list of staff to mention, and mentions highlighted
in the timeline (notes are written by staff, mentions are ``<span class="mention">``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import jsonify, request
from flask_login import current_user
from markupsafe import Markup

from blueprints.routes import Routes
from helpdesk.extensions import db
from helpdesk.users import mentions

routes = Routes()


@routes.get("/staff/mentionable")
def mentionable() -> Any:
    """``?q=an``: at most eight active staff whose handle or name matches, as JSON. Staff
    only: the inbox blueprint's guard turns others away."""
    found = mentions.suggestions(db.session, request.args.get("q", "")[:100], exclude=current_user)
    response = jsonify(staff=[{"name": user.name, "handle": handle} for user, handle in found])
    response.headers["Cache-Control"] = "private, no-store"
    return response


def highlight_mentions(text: str, handles: Iterable[str]) -> Markup:
    """The ``mentions`` filter: ``{{ m.text|mentions(mention_handles) }}``, escaped."""
    return mentions.highlight(text, handles)


routes.add_app_template_filter(highlight_mentions, "mentions")
