import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from helpdesk.contacts.birth_dates import parse_birth_date
from helpdesk.portal.facts import BIRTH_DATE, PHONE_LAST4

_FOUR_DIGITS = re.compile(r"\s*\d{4}\s*")


class CodeRequestForm(FlaskForm):
    # Named "email" as it always was; a mobile number is welcome too (the view tells them
    # apart), so the field is plain text.
    email = StringField(
        _l("Email or mobile number"), validators=[DataRequired(), Length(max=254)]
    )


class AccountSignInForm(FlaskForm):
    """For a debtor who no longer has the email on file: an account number or a folio,
    plus one fact of the kind they choose (the four digits of the registered phone, or
    the date of birth). Only the chosen kind is checked here; which kind the account's
    creditor asks is the view's business, and a fact of the other kind matches nobody."""

    reference = StringField(
        _l("Account number or case folio"), validators=[DataRequired(), Length(max=64)]
    )
    # Absent when the page offers no choice (no creditor asks a date of birth).
    kind = RadioField(
        _l("How will you confirm it is you?"),
        choices=[
            (PHONE_LAST4, _l("Last 4 digits of your phone")),
            (BIRTH_DATE, _l("Date of birth")),
        ],
        default=PHONE_LAST4,
        validate_choice=False,
    )
    fact = StringField(_l("Last four digits of your registered phone"))
    birth_date = StringField(_l("Date of birth"), validators=[Length(max=20)])

    @property
    def chosen(self) -> str:
        return BIRTH_DATE if self.kind.data == BIRTH_DATE else PHONE_LAST4

    @property
    def given(self) -> str:
        """What the debtor typed for the kind they chose."""
        return (self.birth_date.data if self.chosen == BIRTH_DATE else self.fact.data) or ""

    def validate_fact(self, field: StringField) -> None:
        if self.chosen == PHONE_LAST4 and not _FOUR_DIGITS.fullmatch(field.data or ""):
            raise ValidationError(_l("Write the four digits."))

    def validate_birth_date(self, field: StringField) -> None:
        if self.chosen == BIRTH_DATE and parse_birth_date(field.data or "") is None:
            raise ValidationError(_l("Write the date as DD/MM/YYYY, for example 31/12/1985."))


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
