from blueprints.admin.views import bp

__all__ = ["bp"]

from blueprints.admin import mail_views  # noqa: F401  (registers its routes on bp)
