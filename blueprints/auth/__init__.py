"""The sign-in blueprint: ``views.py`` creates it (sign in and out); password resets
and two-step sign-in declare their routes and are registered here, in one list."""

from blueprints.auth import password_views, two_step_views
from blueprints.auth.views import bp

AREAS = (password_views, two_step_views)
for area in AREAS:
    area.routes.register(bp)

__all__ = ["bp"]
