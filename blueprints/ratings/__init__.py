from blueprints.ratings.views import bp

__all__ = ["bp"]
