"""``luister org``: the organisation behind social business (issue #32); each part adds its sub-group."""

from __future__ import annotations

import typer

from luister.cli.app import app

org_app = typer.Typer(help="The organisation: policy, processes and responsibilities …", no_args_is_help=True)
app.add_typer(org_app, name="org")
