"""``luister org``: the organisation around social business (each part adds its own sub-group)."""

from __future__ import annotations

import typer

from luister.cli.app import app

org_app = typer.Typer(
    help="The organisation: maturity, policy and processes, training, the knowledge base and mentoring.",
    no_args_is_help=True,
)
app.add_typer(org_app, name="org")
