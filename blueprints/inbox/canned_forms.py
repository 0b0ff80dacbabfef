"""The canned responses form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class CannedForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    body = TextAreaField(
        _l("Text"),
        validators=[DataRequired(), Length(max=20_000)],
        description=_l(
            "Variables: {debtor_name}, {folio}, {account_number}, {balance}, {due_date}, "
            "{agent_name}, {response_deadline}."
        ),
    )
    language = SelectField(_l("Language"), choices=[("es", _l("Spanish")), ("en", _l("English"))])
    queue_id = SelectField(_l("Queue"), coerce=int)
    shared = BooleanField(_l("Shared with every agent"))
