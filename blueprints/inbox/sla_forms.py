from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from helpdesk.tickets.vocabulary import Priority, TicketType, label


class TicketRoutingForm(FlaskForm):
    """Queue, priority, type and assignee of one ticket (changes recompute its clocks)."""

    queue = SelectField(_l("Queue"), coerce=str)
    priority = SelectField(_l("Priority"), validators=[DataRequired()])
    type = SelectField(_l("Type"), validators=[DataRequired()])
    assignee = SelectField(_l("Assignee"), coerce=str)

    def __init__(self, *args: object, queues=(), agents=(), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.queue.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(q.id), q.name) for q in queues
        ]
        self.priority.choices = [SelectChoice(p.value, label(p)) for p in Priority]
        self.type.choices = [SelectChoice(t.value, label(t)) for t in TicketType]
        self.assignee.choices = [SelectChoice("", _l("Unassigned"))] + [
            SelectChoice(str(u.id), u.name) for u in agents
        ]


class AgentProfileForm(FlaskForm):
    capacity = IntegerField(_l("Capacity (open tickets)"), validators=[NumberRange(0, 1000)])
    skills = StringField(_l("Skills (comma separated)"), validators=[Optional(), Length(max=500)])
    languages = StringField(_l("Languages (e.g. es, en)"), validators=[Optional(), Length(max=100)])


class ActionForm(FlaskForm):
    """Only the CSRF token, for one-button actions."""
