"""The report for people: its charts (the same SVG on screen and in the PDF) and the PDF.

Rendering uses the app's templates (``templates/reports/``), so it runs inside an app
context: a request, the ``helpdesk report`` command or a job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any

from flask import render_template
from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.pdf import render_pdf
from helpdesk.queues.models import Queue
from helpdesk.reports import labels
from helpdesk.reports.charts import bar_chart, line_chart, sparkline
from helpdesk.reports.figures import TARGETS
from helpdesk.reports.queries import Report
from helpdesk.reports.scope import Filters
from helpdesk.tickets.vocabulary import label
from helpdesk.users.models import User


@dataclass(frozen=True)
class Chart:
    """A chart and the numbers it draws, as a table for screen readers."""

    svg: Markup
    header: list[str]
    rows: list[list[Any]]


def report_charts(report: Report) -> dict[str, Chart]:
    timeline = report.timeline()
    pattern = "d MMM" if not report.period.weekly else "'sem.' d MMM"
    days = [format_date(d.day, pattern) for d in timeline]
    opened, resolved = [d.opened for d in timeline], [d.resolved for d in timeline]
    met = {t: [d.sla[t].met_percent for d in timeline] for t in TARGETS}
    targets = [str(labels.TARGETS[t]) for t in TARGETS]
    ages = [str(labels.AGES[k]) for k, _n in report.backlog_ages]
    counts = [n for _k, n in report.backlog_ages]
    return {
        "volume": Chart(
            bar_chart(
                _("Tickets opened and resolved"),
                days,
                [(_("Opened"), opened), (str(labels.COLUMNS["resolved"]), resolved)],
                y_label=_("Tickets"),
            ),
            [_("Day"), _("Opened"), str(labels.COLUMNS["resolved"])],
            [list(row) for row in zip(days, opened, resolved, strict=True)],
        ),
        "sla": Chart(
            line_chart(
                _("Deadlines met, by day opened (%)"),
                days,
                list(zip(targets, met.values(), strict=True)),
                y_label="%",
                y_max=100,
            ),
            [_("Day"), *targets],
            [[day, *(labels.percent(met[t][i]) for t in TARGETS)] for i, day in enumerate(days)],
        ),
        "ages": Chart(
            bar_chart(_("Backlog by age"), ages, [(_("Tickets"), counts)], y_label=_("Tickets")),
            [_("Age"), _("Tickets")],
            [list(row) for row in zip(ages, counts, strict=True)],
        ),
    }


def sparklines(report: Report) -> dict[str, dict[Any, Markup]]:
    return {
        kind: {
            row.key: sparkline(
                row.daily, label=_("Tickets opened per day: %(name)s", name=row.name)
            )
            for row in getattr(report, kind)
        }
        for kind in ("queues", "agents")
    }


def describe_filters(session: Session, filters: Filters) -> list[str]:
    """The filters in words for the report's cover ("Queue: Disputas", …)."""
    parts = []
    if filters.queue_ids:
        names = sorted(session.scalars(select(Queue.name).where(Queue.id.in_(filters.queue_ids))))
        gone = _("a queue that no longer exists") if len(names) < len(filters.queue_ids) else None
        parts.append(_("Queue: %(names)s", names=", ".join([*names, *filter(None, [gone])])))
    if filters.agent_ids:
        names = session.scalars(select(User.name).where(User.id.in_(filters.agent_ids)))
        parts.append(_("Agent: %(names)s", names=", ".join(sorted(names))))
    if filters.team_ids:
        teams = select(Queue.name).where(Queue.id.in_(filters.team_ids))
        parts.append(_("Team: %(names)s", names=", ".join(sorted(session.scalars(teams)))))
    if filters.types:
        parts.append(_("Type: %(names)s", names=", ".join(label(t) for t in filters.types)))
    if filters.channels:
        parts.append(_("Channel: %(names)s", names=", ".join(label(c) for c in filters.channels)))
    if filters.creditors:
        parts.append(_("Creditor: %(names)s", names=", ".join(filters.creditors)))
    if filters.portfolios:
        parts.append(_("Portfolio: %(names)s", names=", ".join(filters.portfolios)))
    if filters.countries:
        names = ", ".join(labels.country(c) for c in filters.countries)
        parts.append(_("Country: %(names)s", names=names))
    return parts


def render_report_pdf(report: Report, *, filter_names: list[str], organisation: str) -> bytes:
    html = render_template(
        "reports/report_pdf.html",
        report=report,
        charts=report_charts(report),
        filter_names=filter_names,
        organisation=organisation,
        labels=labels,
        TARGETS=TARGETS,
        label_of=label,
        pdf=True,
    )
    return render_pdf(html)


def report_mail(
    user: User,
    report: Report,
    *,
    pdf: bytes,
    csv: bytes,
    config: Mapping[str, Any],
    now: datetime,
) -> EmailMessage:
    """The scheduled report: a short summary in the body, the PDF and the ticket CSV."""
    period = report.period
    sender = config["MAIL_FROM"] or f"no-reply@{config['MAIL_DOMAIN']}"
    name = f"{period.start.isoformat()}_{period.end.isoformat()}"
    mail = EmailMessage()
    mail["From"] = formataddr((config["AGENCY_NAME"], sender))
    mail["To"] = formataddr((user.name, user.email))
    mail["Subject"] = _(
        "SLA report %(start)s to %(end)s",
        start=period.start.isoformat(),
        end=period.end.isoformat(),
    )
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(domain=config["MAIL_DOMAIN"])
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Auto-Response-Suppress"] = "All"
    lines = [
        _("Hello %(name)s,", name=user.name),
        "",
        _(
            "Your SLA report from %(start)s to %(end)s is attached (PDF), with its tickets (CSV).",
            start=period.start.isoformat(),
            end=period.end.isoformat(),
        ),
        "",
        f"{labels.COLUMNS['opened']}: {report.opened}",
        f"{labels.COLUMNS['resolved']}: {report.resolved}",
        f"{labels.COLUMNS['backlog']}: {report.backlog}",
        *(f"{labels.TARGETS[t]}: {labels.percent(report.sla[t].met_percent)}" for t in TARGETS),
    ]
    mail.set_content("\n".join(lines) + "\n")
    mail.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"sla-{name}.pdf")
    mail.add_attachment(csv, maintype="text", subtype="csv", filename=f"tickets-{name}.csv")
    return mail
