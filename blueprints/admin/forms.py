from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length
from wtforms.widgets import CheckboxInput, ListWidget

from helpdesk.users.models import Role
from helpdesk.users.passwords import MIN_LENGTH

ROLE_LABELS = {
    Role.AGENT: _l("Agent"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Administrator"),
}


class UserCreateForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(
        _l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()]
    )
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=MIN_LENGTH, max=200)]
    )


class TwoFactorRolesForm(FlaskForm):
    roles = SelectMultipleField(
        _l("Require two-step sign-in for"),
        choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for one-button actions."""


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()]
    )
