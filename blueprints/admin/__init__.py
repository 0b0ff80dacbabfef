"""The administration blueprint: ``views.py`` creates it (users); each area's views
module declares its routes and is registered here, in one list."""

from blueprints.admin import (
    audit_views,
    branding_views,
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
from blueprints.admin.views import bp

AREAS = (
    audit_views,
    branding_views,
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
for area in AREAS:
    area.routes.register(bp)

__all__ = ["bp"]
