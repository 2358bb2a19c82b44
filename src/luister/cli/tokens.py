"""``luister tokens``: API tokens for the REST API (docs/api.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from luister.cli.app import app, console, fail, state_of
from luister.cli.output import Format, FormatOption, emit

tokens_app = typer.Typer(help="API tokens: access to the REST API as an account.", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")


@tokens_app.command("create")
def tokens_create(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The account the token acts as (with its role).")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'BI export'.")],
    expires_days: Annotated[
        int | None, typer.Option(min=1, max=3650, help="Expire after this many days [default: never].")
    ] = None,
) -> None:
    """Create a token; it is shown once, so store it right away."""
    from luister.services.api_tokens import TokenError, create_token

    expires = timedelta(days=expires_days) if expires_days else None
    try:
        made = create_token(engine=state_of(ctx).engine(), email=email, name=name, expires_in=expires)
    except TokenError as exc:
        fail(str(exc), code=2)
    until = f"until {made.token.expires_at:%Y-%m-%d %H:%M} UTC" if made.token.expires_at else "without expiry"
    console.print(Text(f"✓ token {made.token.id} for {made.token.email} ({until}):", style="green"))
    console.print(made.secret, highlight=False, soft_wrap=True)
    console.print("It is shown only now. Send it as: Authorization: Bearer <token>", highlight=False)


@tokens_app.command("list")
def tokens_list(
    ctx: typer.Context,
    email: Annotated[str | None, typer.Argument(help="Only this account's tokens.")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Tokens with their owner, prefix, expiry and last use (never the secret)."""
    from luister.services.api_tokens import list_tokens

    found = list_tokens(engine=state_of(ctx).engine(), email=email)
    if fmt is not Format.table:
        return emit(fmt, found)
    if not found:
        console.print("No tokens. Create one: [bold]luister tokens create EMAIL --name NAME[/]")
        return
    table = Table("id", "account", "name", "prefix", "created (UTC)", "expires", "last used", "state",
                  title="API tokens")  # fmt: skip
    for token in found:
        state = "revoked" if token.revoked_at else ("active" if token.active() else "expired")
        expires = f"{token.expires_at:%Y-%m-%d %H:%M}" if token.expires_at else "never"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else ""
        table.add_row(str(token.id), Text(token.email), Text(token.name), Text(token.prefix + "…"),
                      f"{token.created_at:%Y-%m-%d %H:%M}", expires, used, state)  # fmt: skip
    console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    ctx: typer.Context, token_id: Annotated[int, typer.Argument(help="The token's id.")]
) -> None:
    """Revoke a token for good: requests with it are refused from now on."""
    from luister.services.api_tokens import TokenError, revoke_token

    try:
        token = revoke_token(engine=state_of(ctx).engine(), token_id=token_id)
    except TokenError as exc:
        fail(str(exc), code=2)
    console.print(Text(f"✓ token {token.id} ({token.name}, {token.email}) revoked", style="green"))
