"""Forms of the reminders administration: schedules, steps, contact rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from blueprints.admin.sla_forms import DAY_LABELS, HOURS_HELP
from helpdesk.sla.services import COUNTRIES

COUNTRY_CHOICES = [SelectChoice(c, c) for c in COUNTRIES]
SCHEDULE_FIELDS = ("creditor", "portfolio", "name", "country", "is_active")
STEP_FIELDS = ("offset_days", "channel", "template_name", "template_language", "subject", "body")
CHANNEL_CHOICES = [SelectChoice("email", _l("Email")), SelectChoice("whatsapp", "WhatsApp")]


class ScheduleForm(FlaskForm):
    creditor = StringField(_l("Creditor"), validators=[DataRequired(), Length(max=120)])
    portfolio = StringField(_l("Portfolio"), validators=[Optional(), Length(max=120)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    country = SelectField(_l("Country (contact rules)"), choices=COUNTRY_CHOICES)
    is_active = BooleanField(_l("Active"), default=True)


class StepForm(FlaskForm):
    offset_days = IntegerField(
        _l("Days from the due date (negative: before)"),
        default=0,
        validators=[NumberRange(min=-365, max=365)],
    )
    channel = SelectField(_l("Channel"), choices=CHANNEL_CHOICES)
    template_name = StringField(
        _l("WhatsApp template name"), validators=[Optional(), Length(max=120)]
    )
    template_language = StringField(
        _l("Template language (e.g. es_MX; empty: the debtor's)"),
        validators=[Optional(), Length(max=10)],
    )
    subject = StringField(
        _l("Email subject (empty: the default)"), validators=[Optional(), Length(max=200)]
    )
    body = TextAreaField(
        _l("Email text: {name}, {number}, {amount}, {due_date}, {creditor} (empty: the default)"),
        validators=[Optional(), Length(max=5000)],
    )


def _hours(day: str) -> StringField:
    return StringField(DAY_LABELS[day], description=HOURS_HELP, validators=[Optional()])


def _cap(text: object) -> IntegerField:
    return IntegerField(text, validators=[Optional(), NumberRange(min=1, max=100)])


class ContactRuleForm(FlaskForm):
    country = SelectField(_l("Country"), choices=COUNTRY_CHOICES)
    timezone = StringField(
        _l("Default time zone (when the debtor has none)"), validators=[DataRequired()]
    )
    mon = _hours("mon")
    tue = _hours("tue")
    wed = _hours("wed")
    thu = _hours("thu")
    fri = _hours("fri")
    sat = _hours("sat")
    sun = _hours("sun")
    skip_holidays = BooleanField(_l("No reminders on public holidays"))
    max_per_day = _cap(_l("At most reminders a day (empty: no limit)"))
    max_per_week = _cap(_l("At most reminders in 7 days (empty: no limit)"))
    max_channels_per_week = _cap(_l("At most channels in 7 days (empty: no limit)"))
    requires_consent = BooleanField(_l("Only on channels the debtor authorised (consent)"))
