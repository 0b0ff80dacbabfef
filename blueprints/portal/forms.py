from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp


class CodeRequestForm(FlaskForm):
    # Named "email" as it always was; a mobile number is welcome too (the view tells them
    # apart), so the field is plain text.
    email = StringField(
        _l("Email or mobile number"), validators=[DataRequired(), Length(max=254)]
    )


class AccountSignInForm(FlaskForm):
    """For a debtor who no longer has the email on file: an account number or a folio,
    plus one fact (today: the last four digits of the registered phone)."""

    reference = StringField(
        _l("Account number or case folio"), validators=[DataRequired(), Length(max=64)]
    )
    fact = StringField(
        _l("Last four digits of your registered phone"),
        validators=[
            DataRequired(),
            Regexp(r"^\s*\d{4}\s*$", message=_l("Write the four digits.")),
        ],
    )


class ChooseForm(FlaskForm):
    """Where to send the code: the position of one masked destination, never an address."""

    destination = RadioField(
        _l("Where should we send your code?"),
        validators=[DataRequired(message=_l("Choose where to send your code."))],
    )


class CodeVerifyForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Regexp(r"^\s*\d{6}\s*$", message=_l("The code has six digits.")),
        ],
    )


class CaseForm(FlaskForm):
    kind = SelectField(_l("What is it about?"), validators=[DataRequired()])
    account = SelectField(_l("Account"), coerce=str)
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=300)])
    text = TextAreaField(
        _l("Tell us what happened"), validators=[DataRequired(), Length(max=20000)]
    )
    files = MultipleFileField(_l("Attachments (optional)"))


class ReplyForm(FlaskForm):
    text = TextAreaField(_l("Your message"), validators=[DataRequired(), Length(max=20000)])
    files = MultipleFileField(_l("Attachments (optional)"))


class SignOutForm(FlaskForm):
    """Only the CSRF token: signing out is a POST from this site."""


class LinkForm(FlaskForm):
    """Only the CSRF token: a magic link is used by a POST from its own page (a mail
    scanner's GET must not burn it)."""
