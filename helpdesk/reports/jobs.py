"""Scheduled SLA reports: every hour, send each subscription's due period once.

``deliver_due_job`` is the cron entry; ``send_now_job`` is the "send now" button. Both
claim a delivery row before sending (see ``services.claim``), commit the claim, then build
the report, render the PDF, attach the ticket CSV and send; a failure is written on the
row (and logged) and the next run tries again, up to three attempts.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import force_locale

from helpdesk import clock
from helpdesk.extensions import db
from helpdesk.mail import DeliveryError, deliver
from helpdesk.pdf import PdfError
from helpdesk.reports.document import describe_filters, render_report_pdf, report_mail
from helpdesk.reports.export import ticket_file
from helpdesk.reports.models import ReportDelivery, ReportSubscription
from helpdesk.reports.queries import build_report, subscriptions_due
from helpdesk.reports.scope import Filters, Period, scope_for
from helpdesk.reports.services import claim, due_period, mark_failed, mark_sent, month_so_far

log = logging.getLogger(__name__)


def deliver_due_job() -> dict[str, int]:
    now, counts = clock.now(), {"sent": 0, "failed": 0}
    for subscription in subscriptions_due(db.session):
        period = due_period(subscription, now)
        if period.end_at <= subscription.created_at:
            continue  # that period ended before they subscribed
        delivery = claim(db.session, subscription, period, now=now)
        db.session.commit()
        if delivery is not None:
            counts["sent" if _send(subscription, delivery, period) else "failed"] += 1
    return counts


def send_now_job(subscription_id: int) -> bool:
    subscription = db.session.get(ReportSubscription, subscription_id)
    if subscription is None or subscription.cancelled_at is not None:
        return False
    now = clock.now()
    period = month_so_far(subscription, now)
    delivery = claim(db.session, subscription, period, now=now, scheduled=False)
    db.session.commit()
    return delivery is not None and _send(subscription, delivery, period)


def _send(subscription: ReportSubscription, delivery: ReportDelivery, period: Period) -> bool:
    config, user, now = current_app.config, subscription.user, clock.now()
    filters = Filters.from_dict(subscription.filters)
    try:
        with force_locale(user.locale or config["DEFAULT_LOCALE"]):
            report = build_report(db.session, period, filters, scope_for(user), now=now)
            pdf = render_report_pdf(
                report,
                filter_names=describe_filters(db.session, filters),
                organisation=config["AGENCY_NAME"],
            )
            rows = ticket_file(
                db.session, period, filters, scope_for(user), metric="opened", now=now
            )
            table = "".join(rows).encode()
            mail = report_mail(user, report, pdf=pdf, csv=table, config=config, now=now)
        deliver(mail, config)
    except (PdfError, DeliveryError, OSError) as error:
        db.session.rollback()
        mark_failed(db.session, delivery, f"{type(error).__name__}: {error}", now=now)
        log.warning(
            "report %s for %s–%s not sent (attempt %s): %s",
            subscription.id,
            period.start,
            period.end,
            delivery.attempts,
            error,
        )
        db.session.commit()
        return False
    mark_sent(db.session, delivery, now=now)
    db.session.commit()
    return True
