"""``luister alerts``: rules, alerts and their delivery channels."""

from __future__ import annotations

import typer

from luister.cli.app import app

alerts_app = typer.Typer(
    help="Alerts: spike and keyword rules, the alerts they raise, where they are delivered.",
    no_args_is_help=True,
)
app.add_typer(alerts_app, name="alerts")
