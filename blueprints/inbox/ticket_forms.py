"""Forms of the ticket page's tags and merge (the routing form is in ``sla_forms``)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length


class TagForm(FlaskForm):
    """One tag to add (a known one from the list, or a new word) or to remove."""

    tag = StringField(_l("Tag"), validators=[DataRequired(), Length(max=60)])


class MergeForm(FlaskForm):
    """The folio to merge this ticket into; ``confirmed`` is set by the second step."""

    into = StringField(_l("Merge into folio"), validators=[DataRequired(), Length(max=40)])
    confirmed = HiddenField()
