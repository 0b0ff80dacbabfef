from blueprints.brand.views import bp

__all__ = ["bp"]
