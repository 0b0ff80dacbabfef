from blueprints.webhooks.views import bp

__all__ = ["bp"]
