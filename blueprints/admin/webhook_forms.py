from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from helpdesk.holds.effects import CHANNELS
from helpdesk.outbound_webhooks.services import EVENT_TYPES, EndpointError, check_url
from helpdesk.tickets.vocabulary import label

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
EFFECT_LABELS = {
    "hold": _l("Hold reminders"),
    "flag": _l("Flag the account"),
    "suppress": _l("Stop contact for good"),
    "none": _l("Nothing"),
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


class TicketTypeEffectForm(FlaskForm):
    effect = SelectField(
        _l("Effect"), choices=[SelectChoice(k, v) for k, v in EFFECT_LABELS.items()]
    )
    channel = SelectField(_l("Channel"), validators=[Optional()])
    flag = StringField(_l("Flag"), validators=[Optional(), Length(max=40)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.channel.choices = [SelectChoice("", _l("Every channel"))] + [
            SelectChoice(c, label(c)) for c in CHANNELS
        ]
