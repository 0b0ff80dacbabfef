"""Branding: the names, logo, colours, legal notice and privacy link debtors see."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from blueprints.admin.branding_forms import BrandingForm
from blueprints.forms import show_error
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.attachments import storage
from helpdesk.audit.services import Actor
from helpdesk.branding import queries, services
from helpdesk.branding.queries import DEFAULT_ACCENT, DEFAULT_PRIMARY
from helpdesk.extensions import db

routes = Routes()


@routes.route("/branding", methods=["GET", "POST"])
def branding() -> Any:
    row = queries.branding_row(db.session)
    form = BrandingForm(obj=row)
    if not isinstance(form.logo.data, FileStorage):
        form.logo.data = None  # the stored logo's bytes, not an upload
    if row is None and not form.is_submitted():
        form.display_name.data = current_app.config["AGENCY_NAME"]
        form.primary_color.data, form.accent_color.data = DEFAULT_PRIMARY, DEFAULT_ACCENT
    if form.validate_on_submit():
        upload = form.logo.data
        logo = None
        if upload is not None and upload.filename:
            limit = services.LOGO_MAX_BYTES
            logo = (storage.safe_filename(upload.filename), upload.read(limit + 1))
        try:
            services.save_branding(
                db.session,
                display_name=form.display_name.data,
                legal_name=form.legal_name.data,
                primary_color=form.primary_color.data,
                accent_color=form.accent_color.data,
                legal_notice=form.legal_notice.data,
                privacy_url=form.privacy_url.data,
                logo=logo,
                remove_logo=form.remove_logo.data,
                actor=Actor.for_user(current_user),
                now=clock.now(),
            )
        except services.BrandingError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Branding saved. Debtors see it from now on."), "success")
            return redirect(url_for("admin.branding"))
    brand = queries.brand(db.session, default_name=current_app.config["AGENCY_NAME"])
    return render_template("admin/branding.html", form=form, current=brand)
