from blueprints.inbox.views import bp

__all__ = ["bp"]

from blueprints.inbox import (
    account_views,  # noqa: F401  (accounts, holds and outcomes on the ticket page)
    email_views,  # noqa: F401  (the email reply composer)
    sla_views,  # noqa: F401  (SLA, routing, notifications, team)
    whatsapp_views,  # noqa: F401  (registers its routes on bp)
)
