from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

ACTOR_KIND_LABELS = {"contact": _l("debtor"), "system": _l("automatic")}
OBJECT_LABELS = {
    "users": _l("Users"),
    "queues": _l("Queues"),
    "api_tokens": _l("API tokens"),
    "tags": _l("Tags"),
    "tickets": _l("Tickets"),
    "contacts": _l("Debtors"),
    "collection_accounts": _l("Accounts"),
    "mailboxes": _l("Mailboxes"),
    "whatsapp_numbers": _l("WhatsApp numbers"),
    "sla_policies": _l("SLA policies"),
    "sla_calendars": _l("Calendars"),
    "routing_rules": _l("Routing rules"),
    "webhook_endpoints": _l("Webhooks"),
    "reminder_schedules": _l("Reminders"),
    "role_policies": _l("Two-step sign-in"),
}


class AuditFilterForm(FlaskForm):
    """Read from the query string: a GET filter needs no CSRF token."""

    class Meta:
        csrf = False

    user = SelectField(_l("Who"), coerce=str, validators=[Optional()])
    object_type = SelectField(
        _l("Object"),
        choices=[SelectChoice("", _l("All"))]
        + [SelectChoice(k, v) for k, v in OBJECT_LABELS.items()],
        validators=[Optional()],
    )
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
