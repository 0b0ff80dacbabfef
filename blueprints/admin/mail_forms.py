from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

SECURITY_CHOICES = [
    SelectChoice("ssl", "SSL/TLS"),
    SelectChoice("starttls", "STARTTLS"),
    SelectChoice("none", _l("None (this machine only)")),
]


class MailboxForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    email_address = EmailField(_l("Address"), validators=[DataRequired(), Email()])
    queue = SelectField(_l("Queue"), coerce=str)
    imap_host = StringField(_l("IMAP server"), validators=[DataRequired(), Length(max=255)])
    imap_port = IntegerField(
        _l("IMAP port"), default=993, validators=[DataRequired(), NumberRange(1, 65535)]
    )
    imap_security = SelectField(_l("IMAP security"), choices=SECURITY_CHOICES)
    imap_user = StringField(_l("IMAP user"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("IMAP password (stored encrypted)"), validators=[Optional()])
    password_env = StringField(
        _l("…or the environment variable that holds it"), validators=[Optional(), Length(max=100)]
    )
    folder = StringField(_l("Folder"), default="INBOX", validators=[DataRequired()])
    processed_folder = StringField(_l("Move processed mail to"), validators=[Optional()])
    smtp_host = StringField(_l("SMTP server"), validators=[Optional(), Length(max=255)])
    smtp_port = IntegerField(
        _l("SMTP port"), default=587, validators=[Optional(), NumberRange(1, 65535)]
    )
    smtp_security = SelectField(_l("SMTP security"), choices=SECURITY_CHOICES, default="starttls")
    smtp_user = StringField(_l("SMTP user"), validators=[Optional(), Length(max=255)])
    smtp_password = PasswordField(_l("SMTP password (stored encrypted)"), validators=[Optional()])
    smtp_password_env = StringField(
        _l("…or the environment variable that holds it"), validators=[Optional(), Length(max=100)]
    )
