from blueprints.health.views import bp

__all__ = ["bp"]
