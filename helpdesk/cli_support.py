"""What every ``helpdesk`` command shares: the one way a command says it cannot do it."""

from __future__ import annotations

from typing import Any

import click


class CommandError(click.ClickException):
    """A failure the user can fix: ``helpdesk: <message>`` on one line, exit status 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"helpdesk: {self.format_message()}", err=True)
