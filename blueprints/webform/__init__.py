from blueprints.webform.views import bp

__all__ = ["bp"]
