from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from helpdesk.tickets.vocabulary import SETTABLE_STATUSES, label


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Internal note"), validators=[DataRequired(), Length(max=20_000)])


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), validators=[DataRequired()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice(s.value, label(s)) for s in SETTABLE_STATUSES]


class EmailReplyForm(FlaskForm):
    cc = StringField(_l("Cc"), validators=[Length(max=2000)])
    text = TextAreaField(_l("Reply"), validators=[DataRequired(), Length(max=50_000)])
    files = MultipleFileField(_l("Attachments"))
