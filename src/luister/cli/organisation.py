"""``luister org``: organising the social business (issue #32); each part adds its own sub-group."""

from __future__ import annotations

import typer

from luister.cli.app import app

org_app = typer.Typer(
    help="The social business organisation: maturity, policy, training, knowledge.", no_args_is_help=True
)
app.add_typer(org_app, name="org")
