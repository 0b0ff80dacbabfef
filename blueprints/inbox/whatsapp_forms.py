from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length


class WhatsAppReplyForm(FlaskForm):
    text = TextAreaField(_l("Reply by WhatsApp"), validators=[DataRequired(), Length(max=4096)])
    files = MultipleFileField(_l("Attachments"))


class TemplateReplyForm(FlaskForm):
    template_id = IntegerField(_l("Template"), validators=[DataRequired()])
