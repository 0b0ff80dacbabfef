from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from helpdesk.outbound_webhooks.services import EVENT_TYPES, EndpointError, check_url

EVENT_LABELS = {
    "account.hold_started": _l("An account goes on hold (account.hold_started)"),
    "account.hold_ended": _l("A hold on an account ends (account.hold_ended)"),
    "ticket.opened": _l("A ticket is opened (ticket.opened)"),
    "ticket.resolved": _l("A ticket is resolved (ticket.resolved)"),
}
DELIVERY_LABELS = {
    "pending": _l("Pending"),
    "delivered": _l("Delivered"),
    "failed": _l("Failed"),
    "retrying": _l("Retrying"),
}


def _http_url(form: FlaskForm, field: StringField) -> None:
    try:
        check_url(field.data or "")
    except EndpointError as error:
        raise ValidationError(str(error)) from None


class WebhookEndpointForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    url = StringField(_l("Address (URL)"), validators=[DataRequired(), _http_url])
    event_types = SelectMultipleField(
        _l("Events"),
        choices=[SelectChoice(t, EVENT_LABELS[t]) for t in EVENT_TYPES],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(message=_l("Choose at least one event."))],
    )

