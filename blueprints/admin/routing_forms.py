from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from helpdesk.tickets.vocabulary import Channel, Priority, TicketType, label


class RuleForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    channels = SelectMultipleField(_l("Channel is any of"))
    recipients = StringField(_l("Received at (addresses or numbers, comma separated)"))
    types = SelectMultipleField(_l("Type is any of"))
    words = TextAreaField(_l("Words or phrases (one per line; accents and case do not matter)"))
    portfolios = StringField(_l("Account portfolio is any of (comma separated)"))
    balance_min = StringField(_l("Balance from"), validators=[Optional()])
    balance_max = StringField(_l("Balance up to"), validators=[Optional()])
    days_past_due_min = StringField(_l("Days past due from"), validators=[Optional()])
    days_past_due_max = StringField(_l("Days past due up to"), validators=[Optional()])
    languages = StringField(_l("Debtor's language is any of (e.g. es, en)"))
    queue_id = SelectField(_l("Then: set queue"), coerce=str)
    priority = SelectField(_l("Then: set priority"))
    type = SelectField(_l("Then: set type"))
    tags = StringField(_l("Then: add tags (comma separated)"), validators=[Length(max=300)])
    stops = BooleanField(_l("Stop here when this rule matches"), default=True)
    is_active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args: object, queues=(), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.channels.choices = [SelectChoice(c.value, label(c)) for c in Channel]
        self.types.choices = [SelectChoice(t.value, label(t)) for t in TicketType]
        self.queue_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(q.id), q.name) for q in queues
        ]
        self.priority.choices = [SelectChoice("", "—")] + [
            SelectChoice(p.value, label(p)) for p in Priority
        ]
        self.type.choices = [SelectChoice("", "—")] + [
            SelectChoice(t.value, label(t)) for t in TicketType
        ]


class RuleTestForm(FlaskForm):
    folio = StringField(_l("Folio of a ticket"), validators=[DataRequired(), Length(max=32)])


class RuleActionForm(FlaskForm):
    """Only the CSRF token (move, delete)."""
