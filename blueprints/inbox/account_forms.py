from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from helpdesk.holds.labels import OUTCOME_LABELS


class LinkAccountForm(FlaskForm):
    account_id = SelectField(_l("Account of this debtor"), coerce=int, validators=[DataRequired()])


class OutcomeForm(FlaskForm):
    outcome = SelectField(
        _l("Outcome"), choices=[SelectChoice(k, v) for k, v in OUTCOME_LABELS.items()]
    )
    adjusted_balance = DecimalField(
        _l("Adjusted balance (optional)"), places=2, validators=[Optional(), NumberRange(min=0)]
    )
    closes_account = BooleanField(_l("The outcome closes the account (no more reminders)"))
    note = TextAreaField(_l("Note for the record"), validators=[Optional(), Length(max=5000)])
