"""Reads for the API token screen."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.tokens.models import ApiToken


def all_tokens(session: Session) -> list[ApiToken]:
    """Live tokens first, newest first within each group."""
    return list(
        session.scalars(
            select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
    )


def token_by_id(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)
