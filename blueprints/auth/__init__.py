from blueprints.auth import two_step_views
from blueprints.auth.views import bp

__all__ = ["bp", "two_step_views"]
