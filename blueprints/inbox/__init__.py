from blueprints.inbox.views import bp

__all__ = ["bp"]
