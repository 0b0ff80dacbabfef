from blueprints.auth import password_views, two_step_views
from blueprints.auth.views import bp

__all__ = ["bp", "password_views", "two_step_views"]
