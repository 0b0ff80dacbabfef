"""Administration of outbound webhooks: endpoints, secrets, the delivery log, replay."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin.forms import EmptyForm
from blueprints.admin.webhook_forms import DELIVERY_LABELS, EVENT_LABELS, WebhookEndpointForm
from blueprints.forms import show_error
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.outbound_webhooks import delivery, emit, queries
from helpdesk.outbound_webhooks import services as endpoints
from helpdesk.outbound_webhooks.models import WebhookEndpoint

routes = Routes()


@routes.route("/outbound-webhooks", methods=["GET", "POST"])
def webhook_endpoint_list() -> Any:
    form = WebhookEndpointForm()
    if form.validate_on_submit():
        try:
            endpoint, secret = endpoints.add_endpoint(
                db.session,
                **_values(form),
                secret_key=current_app.config["SECRET_KEY"],
                actor=_actor(),
                now=clock.now(),
            )
        except endpoints.EndpointError as error:
            show_error(form, error, default="name")
        else:
            db.session.commit()
            return _show_secret(endpoint, secret)
    return render_template(
        "admin/webhook_endpoints.html",
        form=form,
        endpoints=endpoints.all_endpoints(db.session),
        action_form=EmptyForm(),
        event_labels=EVENT_LABELS,
    )


@routes.route("/outbound-webhooks/<int:endpoint_id>")
def webhook_endpoint_show(endpoint_id: int) -> Any:
    endpoint = queries.endpoint_by_id(db.session, endpoint_id) or abort(404)
    return _endpoint_page(endpoint)


@routes.route("/outbound-webhooks/<int:endpoint_id>/edit", methods=["POST"])
def webhook_endpoint_edit(endpoint_id: int) -> Any:
    endpoint = queries.endpoint_by_id(db.session, endpoint_id) or abort(404)
    form = WebhookEndpointForm()
    if form.validate_on_submit():
        try:
            endpoints.update_endpoint(
                db.session, endpoint, **_values(form), actor=_actor(), now=clock.now()
            )
        except endpoints.EndpointError as error:
            show_error(form, error, default="name")
        else:
            db.session.commit()
            flash(_("Endpoint saved."), "success")
            return redirect(url_for("admin.webhook_endpoint_show", endpoint_id=endpoint.id))
    db.session.rollback()
    return _endpoint_page(endpoint, form=form), 400


@routes.route("/outbound-webhooks/<int:endpoint_id>/secret", methods=["POST"])
def webhook_endpoint_rotate(endpoint_id: int) -> Any:
    endpoint = _posted(queries.endpoint_by_id(db.session, endpoint_id))
    secret = endpoints.rotate_secret(
        db.session,
        endpoint,
        secret_key=current_app.config["SECRET_KEY"],
        actor=_actor(),
        now=clock.now(),
    )
    db.session.commit()
    return _show_secret(endpoint, secret)


@routes.route("/outbound-webhooks/<int:endpoint_id>/active", methods=["POST"])
def webhook_endpoint_toggle(endpoint_id: int) -> Any:
    endpoint = _posted(queries.endpoint_by_id(db.session, endpoint_id))
    endpoints.set_active(
        db.session, endpoint, not endpoint.is_active, actor=_actor(), now=clock.now()
    )
    db.session.commit()
    return redirect(url_for("admin.webhook_endpoint_show", endpoint_id=endpoint.id))


@routes.route("/outbound-webhooks/<int:endpoint_id>/test", methods=["POST"])
def webhook_endpoint_test(endpoint_id: int) -> Any:
    endpoint = _posted(queries.endpoint_by_id(db.session, endpoint_id))
    event = emit.send_test(db.session, endpoint, actor=_actor(), now=clock.now())
    db.session.commit()
    flash(_("Test event %(id)s queued; its delivery shows in the log.", id=event.event_id), "info")
    return redirect(url_for("admin.webhook_endpoint_show", endpoint_id=endpoint.id))


@routes.route("/outbound-webhooks/deliveries/<int:delivery_id>/replay", methods=["POST"])
def webhook_delivery_replay(delivery_id: int) -> Any:
    row = _posted(queries.delivery_by_id(db.session, delivery_id))
    delivery.replay(db.session, row, actor=_actor(), now=clock.now())
    db.session.commit()
    flash(_("Event %(id)s queued again.", id=row.event.event_id), "info")
    return redirect(url_for("admin.webhook_endpoint_show", endpoint_id=row.endpoint_id))


def _endpoint_page(endpoint: WebhookEndpoint, form: WebhookEndpointForm | None = None) -> Any:
    status = request.args.get("status") or None
    form = form or WebhookEndpointForm(
        formdata=None, name=endpoint.name, url=endpoint.url, event_types=endpoint.event_types
    )
    return render_template(
        "admin/webhook_endpoint.html",
        endpoint=endpoint,
        form=form,
        action_form=EmptyForm(),
        deliveries=queries.delivery_log(
            db.session, endpoint, status=status if status in delivery.STATUSES else None
        ),
        status=status,
        statuses=delivery.STATUSES,
        delivery_labels=DELIVERY_LABELS,
        event_labels=EVENT_LABELS,
    )


def _show_secret(endpoint: WebhookEndpoint, secret: str) -> Any:
    # Rendered, never flashed: a flash would sit in the session cookie.
    response = render_template("admin/webhook_secret.html", endpoint=endpoint, secret=secret)
    return response, 200, {"Cache-Control": "no-store"}


def _values(form: WebhookEndpointForm) -> dict[str, Any]:
    return {
        "name": form.name.data or "",
        "url": form.url.data or "",
        "event_types": list(form.event_types.data or []),
    }


def _posted(row: Any) -> Any:
    if row is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return row


def _actor() -> Actor:
    return Actor.for_user(current_user)
