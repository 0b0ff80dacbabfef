from blueprints.portal.views import bp

__all__ = ["bp"]
