"""Administration of the WhatsApp channel: numbers, their templates, webhook payloads."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin.forms import EmptyForm
from blueprints.admin.whatsapp_forms import (
    WhatsAppNumberEditForm,
    WhatsAppNumberForm,
    WhatsAppSecretsForm,
    WhatsAppTemplateForm,
)
from blueprints.forms import show_error
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.channels.whatsapp import numbers, queries, webhook
from helpdesk.channels.whatsapp.client import GraphError
from helpdesk.channels.whatsapp.models import WhatsAppNumber
from helpdesk.channels.whatsapp.settings import WhatsAppSettings
from helpdesk.channels.whatsapp.templates import PARAMETER_SOURCES
from helpdesk.extensions import db
from helpdesk.queues import queries as queue_queries

routes = Routes()

NUMBER_FIELDS = ("name", "phone_number_id", "display_number", "api_version")
SECRET_FIELDS = ("access_token", "app_secret", "verify_token")


@routes.route("/whatsapp", methods=["GET", "POST"])
def whatsapp_number_list() -> Any:
    form = WhatsAppNumberForm()
    form.queue.choices = _queue_choices()
    if form.validate_on_submit():
        values = {name: getattr(form, name).data or "" for name in NUMBER_FIELDS + SECRET_FIELDS}
        queue = queue_queries.queue_by_id(db.session, int(form.queue.data or 0))
        try:
            numbers.add_number(
                db.session,
                queue=queue,
                settings=_settings(),
                actor=_actor(),
                now=clock.now(),
                **values,
            )
        except numbers.NumberError as error:
            show_error(form, error, default="name")
        else:
            db.session.commit()
            flash(_("WhatsApp number added."), "success")
            return redirect(url_for("admin.whatsapp_number_list"))
    numbers.environment_number(db.session, _settings())
    db.session.commit()
    return render_template(
        "admin/whatsapp_numbers.html",
        form=form,
        action_form=EmptyForm(),
        numbers=numbers.all_numbers(db.session),
        webhook_url=url_for("webhooks.whatsapp_receive", _external=True),
    )


@routes.route("/whatsapp/<int:number_id>", methods=["GET", "POST"])
def whatsapp_number_show(number_id: int) -> Any:
    number = queries.number_by_id(db.session, number_id) or abort(404)
    form = WhatsAppTemplateForm()
    if form.validate_on_submit():
        names = [p.strip() for p in (form.parameters.data or "").split(",") if p.strip()]
        try:
            numbers.add_template(
                db.session,
                number,
                name=form.name.data,
                language=form.language.data,
                parameters=names,
                body=form.body.data or "",
                actor=_actor(),
                now=clock.now(),
            )
        except numbers.NumberError as error:
            show_error(form, error, default="name")
        else:
            db.session.commit()
            flash(_("Template added."), "success")
            return redirect(url_for("admin.whatsapp_number_show", number_id=number.id))
    return _number_page(number, form=form)


def _number_page(number: WhatsAppNumber, **forms: Any) -> Any:
    edit_form = forms.pop("edit_form", None) or WhatsAppNumberEditForm(
        formdata=None,
        display_number=number.display_number,
        api_version=number.api_version,
        queue=str(number.queue_id or ""),
    )
    edit_form.queue.choices = _queue_choices()
    return render_template(
        "admin/whatsapp_number.html",
        number=number,
        form=forms.pop("form", None) or WhatsAppTemplateForm(formdata=None),
        edit_form=edit_form,
        secrets_form=forms.pop("secrets_form", None) or WhatsAppSecretsForm(formdata=None),
        action_form=EmptyForm(),
        sources=PARAMETER_SOURCES,
    )


@routes.route("/whatsapp/<int:number_id>/edit", methods=["POST"])
def whatsapp_number_edit(number_id: int) -> Any:
    number = queries.number_by_id(db.session, number_id) or abort(404)
    form = WhatsAppNumberEditForm()
    form.queue.choices = _queue_choices()
    if form.validate_on_submit():
        queue = queue_queries.queue_by_id(db.session, int(form.queue.data or 0))
        try:
            numbers.update_number(
                db.session,
                number,
                display_number=form.display_number.data or "",
                api_version=form.api_version.data or "",
                queue=queue,
                verify_token=form.verify_token.data or "",
                secret_key=current_app.config["SECRET_KEY"],
                actor=_actor(),
                now=clock.now(),
            )
        except numbers.NumberError as error:
            show_error(form, error, default="api_version")
        else:
            db.session.commit()
            flash(_("WhatsApp number saved."), "success")
            return redirect(url_for("admin.whatsapp_number_show", number_id=number.id))
    return _number_page(number, edit_form=form), 400


@routes.route("/whatsapp/<int:number_id>/secrets", methods=["POST"])
def whatsapp_number_secrets(number_id: int) -> Any:
    number = queries.number_by_id(db.session, number_id) or abort(404)
    form = WhatsAppSecretsForm()
    if form.validate_on_submit():
        try:
            numbers.rotate_secrets(
                db.session,
                number,
                access_token=form.access_token.data or "",
                app_secret=form.app_secret.data or "",
                secret_key=current_app.config["SECRET_KEY"],
                actor=_actor(),
                now=clock.now(),
            )
        except numbers.NumberError as error:
            show_error(form, error, default="access_token")
        else:
            db.session.commit()
            flash(_("Secrets replaced."), "success")
            return redirect(url_for("admin.whatsapp_number_show", number_id=number.id))
    return _number_page(number, secrets_form=form), 400


@routes.route("/whatsapp/<int:number_id>/test", methods=["POST"])
def whatsapp_number_test(number_id: int) -> Any:
    number = _posted(queries.number_by_id(db.session, number_id))
    try:
        answer = numbers.check_connection(number, _settings())
    except numbers.NumberError as error:
        flash(_("Connection failed: %(error)s", error=str(error)), "error")
    except GraphError as error:
        flash(_("Connection failed: %(error)s", error=error.describe()), "error")
    else:
        shown = [answer.get("verified_name"), answer.get("display_phone_number")]
        label = " ".join(str(part) for part in shown if part) or number.phone_number_id
        flash(_("Connection works: %(number)s", number=label), "success")
    return redirect(url_for("admin.whatsapp_number_show", number_id=number.id))


@routes.route("/whatsapp/<int:number_id>/active", methods=["POST"])
def whatsapp_number_toggle(number_id: int) -> Any:
    number = _posted(queries.number_by_id(db.session, number_id))
    numbers.set_active(db.session, number, not number.is_active, actor=_actor(), now=clock.now())
    db.session.commit()
    return redirect(url_for("admin.whatsapp_number_list"))


@routes.route("/whatsapp/templates/<int:template_id>/remove", methods=["POST"])
def whatsapp_template_remove(template_id: int) -> Any:
    template = _posted(queries.template_by_id(db.session, template_id))
    numbers.remove_template(db.session, template, actor=_actor(), now=clock.now())
    db.session.commit()
    flash(_("Template removed."), "success")
    return redirect(url_for("admin.whatsapp_number_show", number_id=template.number_id))


@routes.route("/whatsapp/webhooks")
def whatsapp_webhook_list() -> Any:
    problems_only = request.args.get("problems") == "1"
    rows = queries.recent_webhooks(db.session, problems_only=problems_only)
    return render_template(
        "admin/whatsapp_webhooks.html",
        rows=rows,
        problems_only=problems_only,
        action_form=EmptyForm(),
    )


@routes.route("/whatsapp/webhooks/<int:row_id>/reprocess", methods=["POST"])
def whatsapp_webhook_reprocess(row_id: int) -> Any:
    row = _posted(queries.webhook_by_id(db.session, row_id))
    webhook.process(db.session, row, settings=_settings(), now=clock.now())
    db.session.commit()
    flash(_("Processed again: %(action)s", action=row.action), "info")
    return redirect(url_for("admin.whatsapp_webhook_list"))


@routes.route("/whatsapp/webhooks/<int:row_id>/raw")
def whatsapp_webhook_raw(row_id: int) -> Any:
    row = queries.webhook_by_id(db.session, row_id) or abort(404)
    response = current_app.response_class(row.body, mimetype="application/octet-stream")
    response.headers.set("Content-Disposition", "attachment", filename=f"whatsapp-{row.id}.json")
    return response


def _posted(row: Any) -> Any:
    if row is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return row


def _queue_choices() -> list[tuple[str, str]]:
    queues = queue_queries.queues_by_name(db.session)
    return [("", "—")] + [(str(q.id), q.name) for q in queues]


def _settings() -> WhatsAppSettings:
    return WhatsAppSettings.from_config(current_app.config)


def _actor() -> Actor:
    return Actor.for_user(current_user)
