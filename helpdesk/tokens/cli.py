"""``helpdesk create-api-token``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from helpdesk import clock
from helpdesk.audit.services import Actor
from helpdesk.cli_support import CommandError
from helpdesk.extensions import db
from helpdesk.tokens.services import SCOPES, TokenError, create_token


@click.command("create-api-token")
@click.option("--name", required=True, help="Who uses it, e.g. the collection system.")
@click.option(
    "--scopes", default=",".join(SCOPES), show_default=True, help="Comma-separated scopes."
)
@click.option(
    "--expires-days",
    type=click.IntRange(1, 3650),
    default=None,
    help="Days until it expires (default: never).",
)
@with_appcontext
def create_api_token(name: str, scopes: str, expires_days: int | None) -> None:
    """Make an API token; it is printed once, alone on the last line."""
    wanted = [s.strip() for s in scopes.split(",") if s.strip()]
    try:
        token, secret = create_token(
            db.session,
            name=name,
            scopes=wanted,
            expires_in_days=expires_days,
            actor=Actor.system("cli"),
            now=clock.now(),
        )
    except TokenError as error:
        raise CommandError(str(error)) from None
    db.session.commit()
    click.echo(f"token {token.name} ({', '.join(token.scopes)}); keep it safe, it is shown once:")
    click.echo(secret)


token_commands: list[click.Command] = [create_api_token]
