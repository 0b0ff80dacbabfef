"""Forms of the report pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField


class SubscribeForm(FlaskForm):
    frequency = SelectField(
        _l("Send me this report"),
        choices=[
            ("weekly", _l("Every Monday at 08:00 (last week)")),
            ("monthly", _l("On the 1st at 08:00 (last month)")),
        ],
    )


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token."""
