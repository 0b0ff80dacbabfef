from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class WhatsAppNumberForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    phone_number_id = StringField(
        _l("Phone number id"), validators=[DataRequired(), Length(max=64)]
    )
    display_number = StringField(_l("Number debtors see"), validators=[Optional(), Length(max=32)])
    api_version = StringField(_l("Graph API version"), validators=[Optional(), Length(max=16)])
    queue = SelectField(_l("Queue"), coerce=str)
    access_token = PasswordField(_l("Access token (stored encrypted)"), validators=[DataRequired()])
    app_secret = PasswordField(_l("App secret (stored encrypted)"), validators=[DataRequired()])
    verify_token = PasswordField(_l("Verify token (stored encrypted)"), validators=[DataRequired()])


class WhatsAppTemplateForm(FlaskForm):
    name = StringField(_l("Template name"), validators=[DataRequired(), Length(max=512)])
    language = StringField(_l("Language"), default="es_MX", validators=[DataRequired()])
    parameters = StringField(
        _l("Parameters, in order, separated by commas"), validators=[Optional(), Length(max=500)]
    )
    body = TextAreaField(_l("Approved text, with {{1}}, {{2}}…"), validators=[Optional()])


class WhatsAppNumberEditForm(FlaskForm):
    display_number = StringField(_l("Number debtors see"), validators=[Optional(), Length(max=32)])
    api_version = StringField(_l("Graph API version"), validators=[DataRequired(), Length(max=16)])
    queue = SelectField(_l("Queue"), coerce=str)
    verify_token = PasswordField(
        _l("New verify token (empty keeps the current one)"), validators=[Optional()]
    )


class WhatsAppSecretsForm(FlaskForm):
    access_token = PasswordField(
        _l("New access token (empty keeps the current one)"), validators=[Optional()]
    )
    app_secret = PasswordField(
        _l("New app secret (empty keeps the current one)"), validators=[Optional()]
    )
