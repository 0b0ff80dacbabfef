from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from helpdesk.config import LOCALE_CHOICES
from helpdesk.users.passwords import MIN_LENGTH

TIMEZONE_CHOICES = [
    ("America/Mexico_City", "Ciudad de México"),
    ("America/Monterrey", "Monterrey"),
    ("America/Tijuana", "Tijuana"),
    ("America/Cancun", "Cancún"),
    ("America/Bogota", "Bogotá"),
    ("America/Argentina/Buenos_Aires", "Buenos Aires"),
    ("America/New_York", "New York"),
    ("America/Los_Angeles", "Los Angeles"),
    ("UTC", "UTC"),
]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(
        _l("Language and region"),
        choices=[SelectChoice(value, label) for value, label in LOCALE_CHOICES.items()],
    )
    timezone = SelectField(
        _l("Time zone"), choices=[SelectChoice(value, label) for value, label in TIMEZONE_CHOICES]
    )
    signature = TextAreaField(
        _l("Signature of your email replies"),
        validators=[Length(max=2000)],
        description=_l("Your name, role and direct line, as debtors should see them."),
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("The six digits your authenticator app shows, or a recovery code."),
    )


class ConfirmForm(FlaskForm):
    """A button that changes something (sign out a browser): CSRF and nothing else."""


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_LENGTH, max=200)],
        description=_l("At least %(n)d characters.", n=MIN_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )
