"""What every blueprint's forms share."""

from __future__ import annotations

from flask_wtf import FlaskForm

from helpdesk.errors import FieldError


def show_error(form: FlaskForm, error: FieldError, *, default: str | None = None) -> None:
    """Show a service's refusal on the field it names; on ``default`` (else the form's
    first field) when the form has no such field."""
    field = getattr(form, error.field, None)
    if field is None:
        field = getattr(form, default) if default else next(iter(form))
    field.errors.append(str(error.message))
