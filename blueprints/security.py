"""Guards shared by the staff blueprints: deny by default, roles checked on the server."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from helpdesk.extensions import login_manager
from helpdesk.users.models import Role


def require_staff(minimum: Role = Role.AGENT) -> Callable[[], Any]:
    """A ``before_request`` hook: signed-in staff with at least ``minimum`` role."""

    def guard() -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.has_role(minimum):
            abort(403)
        return None

    return guard


def role_required(minimum: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """For one view that needs more than its blueprint's guard."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(minimum):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
