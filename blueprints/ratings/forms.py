from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

SCORE_CHOICES = [(s, str(s)) for s in (1, 2, 3, 4, 5)]


class RatingForm(FlaskForm):
    """A score from 1 to 5 (the link preselects one) and an optional comment."""

    score = RadioField(
        _l("Your rating"),
        choices=SCORE_CHOICES,
        coerce=int,
        validators=[DataRequired(message=_l("Choose a score from 1 to 5."))],
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)])


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)])
