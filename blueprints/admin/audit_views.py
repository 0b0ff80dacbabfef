"""The audit log for admins: who did what, when, before and after; filtered, paged
without counting, and exported as CSV (streamed)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Response, render_template, request, stream_with_context, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from blueprints.admin.audit_forms import ACTOR_KIND_LABELS, OBJECT_LABELS, AuditFilterForm
from blueprints.admin.forms import ROLE_LABELS
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.audit import queries
from helpdesk.audit.export import csv_lines
from helpdesk.extensions import db
from helpdesk.users import queries as user_queries
from helpdesk.users.models import Role

routes = Routes()


def _form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.user.choices = [SelectChoice("", _("All"))] + [
        SelectChoice(str(u.id), f"{u.name} ({ROLE_LABELS.get(Role(u.role), u.role)})")
        for u in user_queries.staff_by_name(db.session)
    ]
    form.validate()
    return form


def _start_of(day: date | None) -> datetime | None:
    """Midnight of ``day`` where the admin is (dates on the page are the admin's)."""
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=get_timezone())


def _filter(form: AuditFilterForm) -> queries.AuditFilter:
    user = form.user.data or ""
    until = form.until.data if not form.until.errors else None
    return queries.AuditFilter(
        user_id=int(user) if user.isdigit() else None,
        object_type=form.object_type.data or None if not form.object_type.errors else None,
        since=_start_of(form.since.data if not form.since.errors else None),
        until=_start_of(until + timedelta(days=1) if until else None),
    )


@routes.route("/audit")
def audit_log() -> Any:
    form = _form()
    before = request.args.get("before", type=int)
    page = queries.audit_page(db.session, _filter(form), before=before)
    args = {k: v for k, v in request.args.items() if k != "before" and v}
    return render_template(
        "admin/audit_log.html",
        form=form,
        page=page,
        object_labels=OBJECT_LABELS,
        actor_kinds=ACTOR_KIND_LABELS,
        newer_url=url_for("admin.audit_log", **args) if before else None,
        older_url=(
            url_for("admin.audit_log", before=page.next_before, **args)
            if page.next_before
            else None
        ),
        export_url=url_for("admin.audit_export", **args),
        as_json=lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True),
    )


@routes.route("/audit.csv")
def audit_export() -> Any:
    events = queries.audit_stream(db.session, _filter(_form()))
    name = f"aclara-audit-{clock.now():%Y%m%d-%H%M}.csv"
    return Response(
        stream_with_context(csv_lines(events)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Accel-Buffering": "no",
        },
    )
