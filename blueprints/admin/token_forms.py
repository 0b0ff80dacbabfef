from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

SCOPE_LABELS = {
    "accounts:read": _l("Read accounts"),
    "accounts:write": _l("Create and update accounts"),
    "tickets:read": _l("Read tickets"),
    "tickets:write": _l("Open and resolve tickets"),
}
EXPIRY_CHOICES = [
    SelectChoice("30", _l("In 30 days")),
    SelectChoice("90", _l("In 90 days")),
    SelectChoice("365", _l("In a year")),
    SelectChoice("0", _l("Never")),
]


class TokenCreateForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("Who uses it, e.g. the collection system in production."),
    )
    scopes = SelectMultipleField(
        _l("Permissions"),
        choices=[SelectChoice(k, v) for k, v in SCOPE_LABELS.items()],
        validators=[DataRequired(message=_l("Choose at least one permission."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    expires = SelectField(_l("Expires"), choices=EXPIRY_CHOICES, default="90")
