from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from helpdesk.holds.labels import OUTCOME_LABELS
from helpdesk.tickets.vocabulary import SETTABLE_STATUSES, Status, label


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Internal note"), validators=[DataRequired(), Length(max=20_000)])
    files = MultipleFileField(_l("Attachments"))


class StatusForm(FlaskForm):
    """The status card: the statuses an agent may set, plus the ticket's own when it is not
    one of them ("new", "merged") so the control shows the real status; the dispute's
    outcome, required by the service when the ticket still holds accounts."""

    status = SelectField(_l("Status"), validators=[DataRequired()])
    outcome = SelectField(
        _l("Outcome of the dispute"),
        choices=[SelectChoice("", _l("Choose the outcome…"))]
        + [SelectChoice(k, v) for k, v in OUTCOME_LABELS.items()],
        default="",
    )

    def __init__(self, *args: object, current: str | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        statuses = list(SETTABLE_STATUSES)
        if current is not None and Status(current) not in statuses:
            statuses.insert(0, Status(current))
        self.status.choices = [SelectChoice(s.value, label(s)) for s in statuses]
        # The accounts card's outcome form has an "outcome" field too: ids must differ.
        self.outcome.id = self.outcome.label.field_id = "status-outcome"


class EmailReplyForm(FlaskForm):
    cc = StringField(_l("Cc"), validators=[Length(max=2000)])
    text = TextAreaField(_l("Reply"), validators=[DataRequired(), Length(max=50_000)])
    files = MultipleFileField(_l("Attachments"))


def seen_message_id(form: Mapping[str, str]) -> int | None:
    """The composer's hidden ``seen_message_id``: the newest message from the debtor the
    page showed. Missing: a page from before the field existed, not asked (None). Not a
    number: taken as "none seen", so the worst a mangled value does is ask once more."""
    if "seen_message_id" not in form:
        return None
    value = form["seen_message_id"].strip()
    return int(value) if value.isdigit() else 0
