"""``/healthz`` and ``/readyz`` for load balancers and process supervisors: public, no
session, no CSRF, never rate-limited; they say no more than which check failed."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from helpdesk.extensions import db, limiter
from helpdesk.health import is_ready, readiness

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def liveness() -> ResponseReturnValue:
    return jsonify(status="ok")


@bp.get("/readyz")
@limiter.exempt
def readiness_check() -> ResponseReturnValue:
    checks = readiness(
        db.session,
        migrations=Path(current_app.extensions["migrate"].directory),
        redis_url=current_app.config["REDIS_URL"],
    )
    ready = is_ready(checks)
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503
