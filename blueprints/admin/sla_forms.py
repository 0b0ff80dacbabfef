from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from helpdesk.routing.assignment import STRATEGY_LABELS
from helpdesk.sla.models import Unit
from helpdesk.tickets.vocabulary import Priority, TicketType, label

DAY_LABELS = {
    "mon": _l("Monday"),
    "tue": _l("Tuesday"),
    "wed": _l("Wednesday"),
    "thu": _l("Thursday"),
    "fri": _l("Friday"),
    "sat": _l("Saturday"),
    "sun": _l("Sunday"),
}
UNIT_LABELS = {
    Unit.BUSINESS_MINUTES: _l("business minutes"),
    Unit.BUSINESS_DAYS: _l("business days"),
    Unit.CALENDAR_DAYS: _l("calendar days"),
}
HOURS_HELP = _l("e.g. 09:00-14:00, 15:00-18:00; empty: closed")


def _hours(day: str) -> StringField:
    return StringField(DAY_LABELS[day], validators=[Optional(), Length(max=200)])


class CalendarForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    timezone = StringField(
        _l("Time zone"), default="America/Mexico_City", validators=[DataRequired()]
    )
    country = SelectField(
        _l("Public holidays of"),
        choices=[SelectChoice("", "—")] + [SelectChoice(c, c) for c in ("MX", "CO", "AR", "US")],
    )
    subdiv = StringField(_l("Subdivision (state)"), validators=[Optional(), Length(max=10)])
    mon = _hours("mon")
    tue = _hours("tue")
    wed = _hours("wed")
    thu = _hours("thu")
    fri = _hours("fri")
    sat = _hours("sat")
    sun = _hours("sun")
    extra_closed_dates = TextAreaField(
        _l("Extra closed dates (one YYYY-MM-DD per line)"), validators=[Optional()]
    )
    exceptions = TextAreaField(
        _l("Exceptions (one per line: 2026-12-24: 09:00-13:00, or: closed)"),
        validators=[Optional()],
    )


def _amount(text: object) -> IntegerField:
    return IntegerField(text, validators=[Optional()])


def _unit() -> SelectField:
    return SelectField(
        _l("Unit"), choices=[SelectChoice(u.value, text) for u, text in UNIT_LABELS.items()]
    )


class PolicyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    queue = SelectField(_l("Queue"), coerce=str, validators=[DataRequired()])
    priority = SelectField(_l("Only for priority"))
    ticket_type = SelectField(_l("Only for type"))
    tag = StringField(
        _l("Only for tickets tagged"),
        validators=[Optional(), Length(max=60)],
        description=_l("For a data-rights request's legal basis, e.g. habeas-data-reclamo."),
    )
    calendar = SelectField(_l("Calendar"), coerce=str, validators=[DataRequired()])
    first_response_amount = _amount(_l("First response"))
    first_response_unit = _unit()
    next_response_amount = _amount(_l("Next response"))
    next_response_unit = _unit()
    resolution_amount = _amount(_l("Resolution"))
    resolution_unit = _unit()
    warning_percent = IntegerField(
        _l("Warn when this percentage of the time is used"), default=80, validators=[DataRequired()]
    )
    escalate_notify = BooleanField(
        _l("On breach, notify the assignee and supervisors"), default=True
    )
    escalate_raise_priority = BooleanField(_l("On breach, raise the priority"))
    escalate_queue = SelectField(_l("On breach, move to queue"), coerce=str)

    def __init__(self, *args: object, queues=(), calendars=(), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        queue_choices = [SelectChoice(str(q.id), q.name) for q in queues]
        self.queue.choices = queue_choices
        self.escalate_queue.choices = [SelectChoice("", "—"), *queue_choices]
        self.calendar.choices = [SelectChoice(str(c.id), c.name) for c in calendars]
        self.priority.choices = [SelectChoice("", _l("Any"))] + [
            SelectChoice(p.value, label(p)) for p in Priority
        ]
        self.ticket_type.choices = [SelectChoice("", _l("Any"))] + [
            SelectChoice(t.value, label(t)) for t in TicketType
        ]


class QueueSettingsForm(FlaskForm):
    assignment_strategy = SelectField(
        _l("Assignment"),
        choices=[SelectChoice(s.value, text) for s, text in STRATEGY_LABELS.items()],
    )
    match_skills = BooleanField(_l("Only agents with the ticket's skills and language"))


class DeleteForm(FlaskForm):
    """Only the CSRF token."""
