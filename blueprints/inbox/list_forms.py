from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from helpdesk.tickets.vocabulary import SETTABLE_STATUSES, Priority, label


class SaveViewForm(FlaskForm):
    name = StringField(_l("Name of the view"), validators=[DataRequired(), Length(max=80)])
    shared = BooleanField(_l("Share with the whole team"))
    query = HiddenField(validators=[Length(max=2000)])


class BulkForm(FlaskForm):
    """One action over the tickets ticked in the list. The action's value travels in the
    option ("assign:12", "status:resolved"); merging names the surviving ticket's folio."""

    action = SelectField(_l("Action"), validators=[DataRequired()])
    merge_into = StringField(_l("Merge into (folio)"), validators=[Optional(), Length(max=32)])
    confirmed = HiddenField()
    back = HiddenField(validators=[Length(max=2000)])

    def __init__(self, *args: Any, agents: Any = (), tags: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action.choices = {
            str(_l("Assign to")): [("assign:me", _l("Me")), ("assign:none", _l("Nobody"))]
            + [(f"assign:{u.id}", u.name) for u in agents],
            str(_l("Set status")): [(f"status:{s.value}", label(s)) for s in SETTABLE_STATUSES],
            str(_l("Set priority")): [(f"priority:{p.value}", label(p)) for p in Priority],
            str(_l("Add tag")): [(f"tag:{t}", t) for t in tags],
            str(_l("Merge")): [("merge:", _l("Merge into the folio below…"))],
        }
