from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    MultipleFileField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional


class ContactForm(FlaskForm):
    """The public web form. No session CSRF token: inside a creditor's iframe the session
    cookie is a third-party cookie browsers often drop. ``started`` (signed, from the
    server) is the anti-forgery token instead, with the Origin check in the view; the form
    acts for nobody signed in, so there is no one's authority to forge (docs/webform.md)."""

    class Meta:
        csrf = False

    name = StringField(
        _l("Your name"),
        validators=[DataRequired(message=_l("Write your name.")), Length(max=200)],
    )
    email = EmailField(
        _l("Email"),
        validators=[
            Optional(),
            Email(message=_l("That email address does not look right.")),
            Length(max=254),
        ],
    )
    phone = TelField(_l("Phone or WhatsApp"), validators=[Optional(), Length(max=40)])
    account = StringField(_l("Account number (optional)"), validators=[Optional(), Length(max=64)])
    kind = SelectField(
        _l("What is it about?"),
        validators=[DataRequired(message=_l("Choose what your message is about."))],
    )
    text = TextAreaField(
        _l("Tell us what happened"),
        validators=[DataRequired(message=_l("Write your message.")), Length(max=20000)],
    )
    files = MultipleFileField(_l("Attachments (optional)"))
    website = StringField(_l("Leave this field empty"))  # the honeypot: people never see it
    started = HiddenField()
