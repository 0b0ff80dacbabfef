from blueprints.admin.views import bp

__all__ = ["bp"]

from blueprints.admin import (  # noqa: F401  (SLA and routing)
    audit_views,
    effect_views,
    mail_views,
    queue_views,
    reminder_views,
    routing_views,
    sla_views,
    tag_views,
    token_views,
    webhook_views,
    whatsapp_views,
)
