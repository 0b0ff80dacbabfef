"""The form of a ticket type's effect on its linked accounts (``helpdesk.holds.effects``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from helpdesk.holds.effects import CHANNELS
from helpdesk.tickets.vocabulary import label

EFFECT_LABELS = {
    "hold": _l("Hold reminders"),
    "flag": _l("Flag the account"),
    "suppress": _l("Stop contact for good"),
    "none": _l("Nothing"),
}



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
