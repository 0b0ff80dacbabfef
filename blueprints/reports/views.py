"""The SLA report: the dashboard, the tickets behind each figure, CSV, JSON and PDF.

Every route builds the report from the same query string with the same function, so the
screen and each export agree; what the viewer may see comes from their role.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.reports.forms import ActionForm, SubscribeForm
from blueprints.security import require_staff
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.jobs import enqueue
from helpdesk.ratings.queries import rating_rows
from helpdesk.reports import labels
from helpdesk.reports.document import (
    describe_filters,
    render_report_pdf,
    report_charts,
    sparklines,
)
from helpdesk.reports.export import (
    RATINGS_TABLE,
    TABLES,
    csv_table,
    ratings_csv,
    report_json,
    ticket_file,
)
from helpdesk.reports.figures import TARGETS
from helpdesk.reports.jobs import send_now_job
from helpdesk.reports.queries import (
    build_report,
    deliveries_of,
    filter_choices,
    subscription_of,
    subscriptions_of,
)
from helpdesk.reports.rows import METRICS, count_behind, tickets_behind
from helpdesk.reports.scope import (
    Filters,
    Period,
    ReportError,
    as_query,
    from_query,
    scope_for,
    ticket_conditions,
)
from helpdesk.reports.services import cancel, subscribe
from helpdesk.tickets.vocabulary import Channel, TicketType, label
from helpdesk.users.models import Role

bp = Blueprint("reports", __name__, url_prefix="/reports")
bp.before_request(require_staff(Role.AGENT))
DRILL_DOWN_ROWS = 200


def _asked() -> tuple[Period, Filters]:
    """The report the query string asks for, in the viewer's time zone; 400 if it makes no
    sense (the dashboard shows the reason instead, see ``dashboard``)."""
    zone = _zone()
    today = clock.now().astimezone(ZoneInfo(zone)).date()
    return from_query(request.args.to_dict(flat=False), zone=zone, today=today)


def _zone() -> str:
    return current_user.timezone or current_app.config["DEFAULT_TIMEZONE"]


@bp.get("")
def dashboard() -> Any:
    scope = scope_for(current_user)
    choices = filter_choices(db.session, scope)
    try:
        period, filters = _asked()
    except ReportError as error:
        return render_template(
            "reports/dashboard.html",
            error=labels.ERRORS.get(str(error.args[0])),
            choices=choices,
            args=request.args,
            report=None,
        ), 400
    report = build_report(db.session, period, filters, scope, now=clock.now())
    subscriptions = subscriptions_of(db.session, current_user.id)
    return render_template(
        "reports/dashboard.html",
        report=report,
        error=None,
        choices=choices,
        args=request.args,
        query=as_query(period, filters),
        charts=report_charts(report),
        sparks=sparklines(report),
        labels=labels,
        TARGETS=TARGETS,
        types=list(TicketType),
        label_of=label,
        subscriptions=subscriptions,
        filter_words={
            s.id: describe_filters(db.session, Filters.from_dict(s.filters)) for s in subscriptions
        },
        deliveries=deliveries_of(db.session, [s.id for s in subscriptions]),
        subscribe_form=SubscribeForm(),
        action_form=ActionForm(),
        channels=list(Channel),
    )


@bp.get("/tickets")
def tickets() -> Any:
    period, filters, metric = _drill_down()
    scope, now = scope_for(current_user), clock.now()
    rows = list(
        tickets_behind(
            db.session, period, filters, scope, metric=metric, now=now, limit=DRILL_DOWN_ROWS
        )
    )
    total = count_behind(db.session, period, filters, scope, metric=metric, now=now)
    return render_template(
        "reports/tickets.html",
        rows=rows,
        total=total,
        metric=metric,
        metric_name=_metric_name(metric),
        period=period,
        query=as_query(period, filters),
        shown=DRILL_DOWN_ROWS,
        labels=labels,
    )


@bp.get("/export.csv")
def export_csv() -> Any:
    table = request.args.get("table", "summary")
    if table == "tickets":
        period, filters, metric = _drill_down(default="opened")
        now = clock.now()
        body: Iterator[str] = ticket_file(
            db.session, period, filters, scope_for(current_user), metric=metric, now=now
        )
        name = f"tickets-{metric}-{period.start}-{period.end}.csv"
    elif table == RATINGS_TABLE:
        period, filters = _asked_or_400()
        conditions = ticket_conditions(filters, scope_for(current_user))
        rows = rating_rows(db.session, conditions, start_at=period.start_at, end_at=period.end_at)
        body, name = ratings_csv(rows, period.tz), f"ratings-{period.start}-{period.end}.csv"
    elif table in TABLES:
        report, period = _report()
        body, name = csv_table(report, table), f"report-{table}-{period.start}-{period.end}.csv"
    else:
        abort(404)
    return Response(
        stream_with_context(body),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/report.json")
def export_json() -> Any:
    report, _period = _report()
    return jsonify(report_json(report))


@bp.get("/report.pdf")
def export_pdf() -> Any:
    report, period = _report()
    pdf = render_report_pdf(
        report,
        filter_names=describe_filters(db.session, report.filters),
        organisation=current_app.config["AGENCY_NAME"],
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="report-{period.start}-{period.end}.pdf"'
        },
    )


@bp.post("/subscriptions")
def subscribe_view() -> Any:
    form = SubscribeForm()
    try:
        _period, filters = _asked()
    except ReportError:
        abort(400)
    if not form.validate_on_submit():
        abort(400)
    subscribe(
        db.session,
        current_user,
        frequency=form.frequency.data,
        filters=filters,
        zone=_zone(),
        actor=Actor.for_user(current_user),
        now=clock.now(),
    )
    db.session.commit()
    flash(
        _("Subscribed: the report will arrive at %(email)s.", email=current_user.email), "success"
    )
    return redirect(url_for("reports.dashboard", **request.args.to_dict(flat=False)))


@bp.post("/subscriptions/<int:subscription_id>/cancel")
def cancel_view(subscription_id: int) -> Any:
    subscription = _own_subscription(subscription_id)
    cancel(db.session, subscription, actor=Actor.for_user(current_user), now=clock.now())
    db.session.commit()
    flash(_("You will not receive that report any more."), "success")
    return redirect(url_for("reports.dashboard"))


@bp.post("/subscriptions/<int:subscription_id>/send")
def send_now_view(subscription_id: int) -> Any:
    subscription = _own_subscription(subscription_id)
    enqueue(send_now_job, subscription.id, queue="reports")
    flash(_("The report is on its way to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("reports.dashboard"))


def _own_subscription(subscription_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    return subscription_of(db.session, subscription_id, current_user.id) or abort(404)


def _asked_or_400() -> tuple[Period, Filters]:
    try:
        return _asked()
    except ReportError:
        abort(400)


def _report() -> tuple[Any, Period]:
    try:
        period, filters = _asked()
    except ReportError:
        abort(400)
    return build_report(
        db.session, period, filters, scope_for(current_user), now=clock.now()
    ), period


def _drill_down(default: str | None = None) -> tuple[Period, Filters, str]:
    metric = request.args.get("metric", default or "")
    if metric not in METRICS:
        abort(404)
    try:
        period, filters = _asked()
    except ReportError:
        abort(400)
    return period, filters, metric


def _metric_name(metric: str) -> str:
    if "." in metric:
        target, state = metric.split(".")
        return f"{labels.TARGETS[target]} · {labels.STATES[state]}"
    return str(labels.COLUMNS[metric])
