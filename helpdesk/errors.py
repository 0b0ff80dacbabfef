"""The one shape of a refusal that names the form field it is about."""

from __future__ import annotations

from typing import Any


class FieldError(ValueError):
    """A service refused a value: ``field`` says which, ``message`` (translatable) why.

    Each package subclasses it under its own name (RuleError, MailboxError…) so callers
    catch what they expect; views put it on the form with ``blueprints.forms.show_error``.
    """

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message
