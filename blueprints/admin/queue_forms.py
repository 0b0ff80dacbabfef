from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

CLOSED_REPLY_LABELS = {
    "reopen": _l("Reopen the ticket"),
    "new_linked": _l("Open a new ticket linked to it"),
}


class QueueCreateForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=500)])


class QueueEditForm(QueueCreateForm):
    email_address = EmailField(
        _l("Reply-from address"),
        validators=[Optional(), Email(), Length(max=254)],
        description=_l("Replies to this queue's tickets are sent from it."),
    )
    closed_reply_policy = SelectField(
        _l("When a debtor writes to a closed ticket"),
        choices=[SelectChoice(k, v) for k, v in CLOSED_REPLY_LABELS.items()],
    )
    signature = TextAreaField(
        _l("Signature of email replies"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Below each agent's own signature: the agency's name, a legal notice."),
    )


class MemberForm(FlaskForm):
    user_id = SelectField(_l("Add an agent"), coerce=int, validators=[DataRequired()])


class ChannelsForm(FlaskForm):
    mailboxes = SelectMultipleField(
        _l("Mailboxes"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    numbers = SelectMultipleField(
        _l("WhatsApp numbers"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
