"""Administration of routing rules, with "test this rule against a ticket"."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin.routing_forms import RuleActionForm, RuleForm, RuleTestForm
from blueprints.forms import show_error
from blueprints.routes import Routes
from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.extensions import db
from helpdesk.queues import queries as queue_queries
from helpdesk.routing import queries, services
from helpdesk.routing.models import RoutingRule
from helpdesk.routing.rules import RuleError, evaluate, explain
from helpdesk.tickets.queries import ticket_by_folio

routes = Routes()

LIST_FIELDS = ("recipients", "portfolios", "languages")
RANGE_FIELDS = ("balance_min", "balance_max", "days_past_due_min", "days_past_due_max")


@routes.route("/routing", methods=["GET", "POST"])
@routes.route("/routing/<int:rule_id>", methods=["GET", "POST"])
def routing_rule_list(rule_id: int | None = None) -> Any:
    rule = queries.rule_by_id(db.session, rule_id) or abort(404) if rule_id else None
    queues = queue_queries.queues_by_name(db.session)
    form = RuleForm(data=_form_data(rule) if rule else None, queues=queues)
    if form.validate_on_submit():
        try:
            services.save_rule(
                db.session,
                rule,
                name=form.name.data,
                conditions=_conditions(form),
                actions=_actions(form),
                stops=form.stops.data,
                is_active=form.is_active.data,
                actor=Actor.for_user(current_user),
                now=clock.now(),
            )
        except RuleError as error:
            show_error(form, error, default="name")
        else:
            db.session.commit()
            flash(_("Rule saved."), "success")
            return redirect(url_for("admin.routing_rule_list"))
    return render_template(
        "admin/routing_rule_list.html",
        rules=services.all_rules(db.session),
        queue_names={q.id: q.name for q in queues},
        form=form,
        editing=rule,
        action_form=RuleActionForm(),
        test_form=RuleTestForm(),
    )


@routes.route("/routing/<int:rule_id>/move/<direction>", methods=["POST"])
def routing_rule_move(rule_id: int, direction: str) -> Any:
    rule = _rule_or_404(rule_id)
    step = {"up": -1, "down": 1}.get(direction) or abort(404)
    services.move_rule(db.session, rule, step, actor=Actor.for_user(current_user), now=clock.now())
    db.session.commit()
    return redirect(url_for("admin.routing_rule_list"))


@routes.route("/routing/<int:rule_id>/delete", methods=["POST"])
def routing_rule_delete(rule_id: int) -> Any:
    rule = _rule_or_404(rule_id)
    services.delete_rule(db.session, rule, actor=Actor.for_user(current_user), now=clock.now())
    db.session.commit()
    flash(_("Rule deleted."), "success")
    return redirect(url_for("admin.routing_rule_list"))


@routes.route("/routing/<int:rule_id>/test", methods=["POST"])
def routing_rule_test(rule_id: int) -> Any:
    """Would this rule match that ticket, condition by condition? Changes nothing."""
    rule = queries.rule_by_id(db.session, rule_id) or abort(404)
    form = RuleTestForm()
    ticket = ticket_by_folio(db.session, form.folio.data or "") if form.validate() else None
    if ticket is None:
        flash(_("No ticket with folio %(folio)s.", folio=request.form.get("folio", "")), "error")
        return redirect(url_for("admin.routing_rule_list"))
    facts = services.facts_for(db.session, ticket)
    return render_template(
        "admin/routing_rule_test.html",
        rule=rule,
        ticket=ticket,
        checks=explain(rule.conditions, facts),
        outcome=evaluate([rule], facts),
        queue=queue_queries.queue_by_id(db.session, rule.actions.get("queue_id") or 0),
    )


def _rule_or_404(rule_id: int) -> RoutingRule:
    rule = queries.rule_by_id(db.session, rule_id) or abort(404)
    if not RuleActionForm().validate_on_submit():
        abort(400)
    return rule


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").replace("\n", ",").split(",") if part.strip()]


def _conditions(form: RuleForm) -> dict[str, Any]:
    conditions: dict[str, Any] = {name: _split(getattr(form, name).data) for name in LIST_FIELDS}
    conditions["words"] = [w.strip() for w in (form.words.data or "").splitlines() if w.strip()]
    conditions["channels"] = form.channels.data or []
    conditions["types"] = form.types.data or []
    conditions.update({name: getattr(form, name).data for name in RANGE_FIELDS})
    return conditions


def _actions(form: RuleForm) -> dict[str, Any]:
    return {
        "queue_id": form.queue_id.data or None,
        "priority": form.priority.data or None,
        "type": form.type.data or None,
        "tags": _split(form.tags.data),
    }


def _form_data(rule: RoutingRule) -> dict[str, Any]:
    conditions, actions = rule.conditions, rule.actions
    data: dict[str, Any] = {name: ", ".join(conditions.get(name, [])) for name in LIST_FIELDS}
    data.update({name: conditions.get(name) or "" for name in RANGE_FIELDS})
    data.update(
        name=rule.name,
        channels=conditions.get("channels", []),
        types=conditions.get("types", []),
        words="\n".join(conditions.get("words", [])),
        queue_id=str(actions.get("queue_id") or ""),
        priority=actions.get("priority") or "",
        type=actions.get("type") or "",
        tags=", ".join(actions.get("tags", [])),
        stops=rule.stops,
        is_active=rule.is_active,
    )
    return data
