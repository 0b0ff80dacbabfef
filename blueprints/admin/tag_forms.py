from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class TagForm(FlaskForm):
    name = StringField(
        _l("Tag"),
        validators=[DataRequired(), Length(max=60)],
        description=_l("Lower case; spaces become hyphens."),
    )
