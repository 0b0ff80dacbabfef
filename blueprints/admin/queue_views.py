"""Administration of queues: create, rename, archive, members, channels, assignment."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from blueprints.admin.forms import EmptyForm
from blueprints.admin.queue_forms import (
    CLOSED_REPLY_LABELS,
    ChannelsForm,
    MemberForm,
    QueueCreateForm,
    QueueEditForm,
)
from blueprints.admin.sla_forms import QueueSettingsForm
from blueprints.forms import show_error
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.organisation import queries
from helpdesk.organisation import services as organisation
from helpdesk.queues import services
from helpdesk.queues.models import Queue
from helpdesk.routing.assignment import STRATEGY_LABELS, save_queue_settings

routes = Routes()


def _actor() -> Actor:
    return Actor.for_user(current_user)


def _queue(queue_id: int) -> Queue:
    return queries.queue_with_members(db.session, queue_id) or abort(404)


@routes.route("/queues", methods=["GET", "POST"])
def queue_list() -> Any:
    form = QueueCreateForm()
    if form.validate_on_submit():
        try:
            queue = services.create_queue(
                db.session,
                name=form.name.data,
                description=form.description.data or "",
                actor=_actor(),
                now=clock.now(),
            )
        except services.QueueError as error:
            show_error(form, error, default="name")
        else:
            db.session.commit()
            flash(_("Queue created. Add its members and channels."), "success")
            return redirect(url_for("admin.queue_show", queue_id=queue.id))
    return render_template(
        "admin/queue_list.html",
        rows=queries.queue_rows(db.session),
        form=form,
        strategy_labels=STRATEGY_LABELS,
    )


@routes.route("/queues/<int:queue_id>")
def queue_show(queue_id: int) -> Any:
    return _page(_queue(queue_id))


@routes.post("/queues/<int:queue_id>/edit")
def queue_edit(queue_id: int) -> Any:
    queue = _queue(queue_id)
    form = QueueEditForm()
    if form.validate_on_submit():
        try:
            services.update_queue(
                db.session,
                queue,
                name=form.name.data,
                description=form.description.data or "",
                email_address=form.email_address.data,
                closed_reply_policy=form.closed_reply_policy.data,
                signature=form.signature.data or "",
                actor=_actor(),
                now=clock.now(),
            )
        except services.QueueError as error:
            show_error(form, error, default="name")
        else:
            db.session.commit()
            flash(_("Queue saved."), "success")
            return redirect(url_for("admin.queue_show", queue_id=queue.id))
    db.session.rollback()
    return _page(_queue(queue_id), edit_form=form), 400


@routes.post("/queues/<int:queue_id>/archive")
def queue_archive(queue_id: int) -> Any:
    queue = _queue(queue_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    archived = queue.archived_at is None
    services.set_archived(db.session, queue, archived, actor=_actor(), now=clock.now())
    db.session.commit()
    flash(
        _("Queue archived: it keeps its tickets and receives nothing new.")
        if archived
        else _("Queue back in service."),
        "success",
    )
    return redirect(url_for("admin.queue_show", queue_id=queue.id))


@routes.post("/queues/<int:queue_id>/members")
def queue_member_add(queue_id: int) -> Any:
    queue = _queue(queue_id)
    form = MemberForm()
    form.user_id.choices = _staff_choices(queue)
    if not form.validate_on_submit():
        flash(_("Choose an agent to add."), "error")
        return redirect(url_for("admin.queue_show", queue_id=queue.id))
    user = queries.user_by_id(db.session, form.user_id.data) or abort(404)
    services.add_member(db.session, queue, user, actor=_actor(), now=clock.now())
    db.session.commit()
    flash(_("%(name)s now works this queue.", name=user.name), "success")
    return redirect(url_for("admin.queue_show", queue_id=queue.id))


@routes.post("/queues/<int:queue_id>/members/<int:user_id>/remove")
def queue_member_remove(queue_id: int, user_id: int) -> Any:
    queue = _queue(queue_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = queries.user_by_id(db.session, user_id) or abort(404)
    services.remove_member(db.session, queue, user, actor=_actor(), now=clock.now())
    db.session.commit()
    flash(_("%(name)s no longer works this queue.", name=user.name), "success")
    return redirect(url_for("admin.queue_show", queue_id=queue.id))


@routes.post("/queues/<int:queue_id>/channels")
def queue_channels(queue_id: int) -> Any:
    queue = _queue(queue_id)
    form = _channels_form(queue)
    if not form.validate_on_submit():
        abort(400)
    organisation.set_channels(
        db.session,
        queue,
        mailbox_ids=form.mailboxes.data or [],
        number_ids=form.numbers.data or [],
        actor=_actor(),
        now=clock.now(),
    )
    db.session.commit()
    flash(_("Channels saved."), "success")
    return redirect(url_for("admin.queue_show", queue_id=queue.id))


@routes.post("/queues/<int:queue_id>/assignment")
def queue_assignment(queue_id: int) -> Any:
    queue = _queue(queue_id)
    form = QueueSettingsForm()
    if not form.validate_on_submit():
        abort(400)
    save_queue_settings(
        db.session,
        queue,
        strategy=form.assignment_strategy.data,
        match_skills=form.match_skills.data,
        actor=_actor(),
        now=clock.now(),
    )
    db.session.commit()
    flash(_("Assignment saved."), "success")
    return redirect(url_for("admin.queue_show", queue_id=queue.id))


def _channels_form(queue: Queue) -> ChannelsForm:
    mailboxes = queries.all_mailboxes(db.session)
    numbers = queries.all_numbers(db.session)
    form = ChannelsForm(
        data={
            "mailboxes": [m.id for m in mailboxes if m.queue_id == queue.id],
            "numbers": [n.id for n in numbers if n.queue_id == queue.id],
        }
    )
    form.mailboxes.choices = [
        SelectChoice(m.id, _channel_label(f"{m.email_address} ({m.name})", m.queue, queue))
        for m in mailboxes
    ]
    form.numbers.choices = [
        SelectChoice(
            n.id, _channel_label(f"{n.display_number or n.name} ({n.name})", n.queue, queue)
        )
        for n in numbers
    ]
    return form


def _channel_label(text: str, feeds: Queue | None, queue: Queue) -> str:
    """Say where a mailbox or number sends its messages now, when it is elsewhere."""
    if feeds is None or feeds.id == queue.id:
        return text
    return _("%(channel)s — now feeds %(queue)s", channel=text, queue=feeds.name)


def _staff_choices(queue: Queue) -> list[SelectChoice]:
    return [SelectChoice(u.id, u.name) for u in queries.addable_staff(db.session, queue)]


def _page(queue: Queue, *, edit_form: QueueEditForm | None = None) -> str:
    member_form = MemberForm()
    member_form.user_id.choices = _staff_choices(queue)
    return render_template(
        "admin/queue_show.html",
        queue=queue,
        edit_form=edit_form or QueueEditForm(obj=queue),
        member_form=member_form,
        channels_form=_channels_form(queue),
        assignment_form=QueueSettingsForm(
            data={
                "assignment_strategy": queue.assignment_strategy,
                "match_skills": queue.match_skills,
            }
        ),
        action_form=EmptyForm(),
        policies=queries.policies_for(db.session, queue),
        closed_reply_labels=CLOSED_REPLY_LABELS,
    )
