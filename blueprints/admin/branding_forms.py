from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class BrandingForm(FlaskForm):
    display_name = StringField(
        _l("Name debtors see"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("The agency's or the creditor's name, as on your letters."),
    )
    legal_name = StringField(
        _l("Legal name (optional)"),
        validators=[Length(max=200)],
        description=_l("As registered, for the acknowledgement and the footer."),
    )
    logo = FileField(
        _l("Logo (optional)"), description=_l("PNG, JPG or WebP, at most 1 MB. No SVG.")
    )
    remove_logo = BooleanField(_l("Remove the current logo"))
    primary_color = StringField(
        _l("Main colour"),
        validators=[DataRequired(), Length(max=7)],
        description=_l("Top bar and buttons, under white text: #rrggbb."),
    )
    accent_color = StringField(
        _l("Accent colour"),
        validators=[DataRequired(), Length(max=7)],
        description=_l("Links: #rrggbb, readable on white."),
    )
    legal_notice = TextAreaField(
        _l("Legal notice (optional)"),
        validators=[Length(max=600)],
        description=_l(
            "A short text shown at the foot of every portal page and in the acknowledgement."
        ),
    )
    privacy_url = StringField(
        _l("Privacy notice address (optional)"),
        validators=[Length(max=500)],
        description=_l("An https:// address on your site."),
    )
