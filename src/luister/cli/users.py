"""``luister users`` and ``luister audit``: accounts, roles, and who changed what."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from luister.cli.app import app, console, fail, state_of
from luister.cli.output import Format, FormatOption, emit
from luister.domain.accounts import Role

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from luister.services.accounts import UserRead

users_app = typer.Typer(
    help="Accounts: who may sign in to the web app, with which role.", no_args_is_help=True
)
app.add_typer(users_app, name="users")

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input (for scripts).")
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _create(ctx: typer.Context, email: str, name: str | None, role: Role, department: str | None,
            language: str, password_stdin: bool) -> None:  # fmt: skip
    from luister.services.accounts import AccountError, create_user

    try:
        password = _password(password_stdin)
        user = create_user(engine=state_of(ctx).engine(), email=email, name=name or email, role=role,
                           department=department, language=language, password=password)  # fmt: skip
    except AccountError as exc:
        fail(str(exc), code=2)
    console.print(
        Text.assemble("✓ account ", (user.email, "bold"), f" ({user.role.value}) created", style="green")
    )


@users_app.command("create-admin")
def users_create_admin(
    ctx: typer.Context,
    email: str,
    name: Annotated[str | None, typer.Option()] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an administrator (the first account of a new installation)."""
    _create(ctx, email, name, Role.admin, None, "en", password_stdin)


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    email: str,
    role: Annotated[Role, typer.Option(help="admin, analyst, agent or viewer.")] = Role.viewer,
    name: Annotated[str | None, typer.Option()] = None,
    department: Annotated[str | None, typer.Option(help="e.g. customer-service, communications.")] = None,
    language: Annotated[str, typer.Option(help="nl or en.")] = "en",
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an account."""
    _create(ctx, email, name, role, department, language, password_stdin)


@users_app.command("list")
def users_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """Every account with its role."""
    from luister.services.accounts import list_users

    found = list_users(engine=state_of(ctx).engine())
    if fmt is not Format.table:
        return emit(fmt, found)
    if not found:
        console.print("No accounts yet. Create the first: [bold]luister users create-admin you@example.nl[/]")
        return
    table = Table("e-mail", "name", "role", "department", "active", "last sign-in (UTC)", title="Accounts")
    for user in found:
        last = f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else ""
        table.add_row(Text(user.email), Text(user.name), user.role.value, Text(user.department or ""),
                      "yes" if user.active else "no", last)  # fmt: skip
    console.print(table)


@users_app.command("role")
def users_role(ctx: typer.Context, email: str, role: Role) -> None:
    """Give an account another role."""
    from luister.services.accounts import AccountError, set_role

    try:
        user = set_role(engine=state_of(ctx).engine(), email=email, role=role, actor="cli")
    except AccountError as exc:
        fail(str(exc), code=2)
    console.print(Text(f"✓ {user.email} is now {user.role.value}", style="green"))


@users_app.command("department")
def users_department(
    ctx: typer.Context,
    email: str,
    department: Annotated[str, typer.Argument(help="e.g. marketing; '' for across departments.")],
) -> None:
    """Move an account to a department: it then sees and changes the company's topics and its own."""
    from luister.services.accounts import AccountError, set_department

    try:
        user = set_department(engine=state_of(ctx).engine(), email=email, department=department, actor="cli")
    except AccountError as exc:
        fail(str(exc), code=2)
    console.print(Text(f"✓ {user.email} works in {user.department or 'every department'}", style="green"))


@users_app.command("deactivate")
def users_deactivate(ctx: typer.Context, email: str) -> None:
    """Switch an account off (it can no longer sign in, its sessions end; its history stays)."""
    from luister.accounts.actions import set_active

    _change(ctx, lambda engine: set_active(engine=engine, email=email, active=False, actor="cli"),
            "{email} switched off and signed out everywhere")  # fmt: skip


@users_app.command("activate")
def users_activate(ctx: typer.Context, email: str) -> None:
    """Switch an account on again (and lift any wait on signing in)."""
    from luister.accounts.actions import set_active

    _change(ctx, lambda engine: set_active(engine=engine, email=email, active=True, actor="cli"),
            "{email} switched on")  # fmt: skip


@users_app.command("unlock")
def users_unlock(ctx: typer.Context, email: str) -> None:
    """Lift the wait that wrong passwords put on signing in to an account."""
    from luister.accounts.actions import unlock

    _change(ctx, lambda engine: unlock(engine=engine, email=email, actor="cli"),
            "{email} may sign in again at once")  # fmt: skip


def _change(ctx: typer.Context, act: Callable[[Engine], UserRead], done: str) -> None:
    """Run one account action, a refusal as a clear error, and say what was done."""
    from luister.services.accounts import AccountError

    try:
        user = act(state_of(ctx).engine())
    except AccountError as exc:
        fail(str(exc), code=2)
    console.print(Text("✓ " + done.format(email=user.email), style="green"))


@users_app.command("reset-password")
def users_reset_password(ctx: typer.Context, email: str, password_stdin: PasswordStdin = False) -> None:
    """Set a new password for an account (its sessions end)."""
    from luister.accounts.actions import reset_password
    from luister.services.accounts import AccountError

    try:
        ended = reset_password(engine=state_of(ctx).engine(), email=email, password=_password(password_stdin),
                               actor="cli")  # fmt: skip
    except AccountError as exc:
        fail(str(exc), code=2)
    console.print(Text(f"✓ new password set; {ended} session(s) signed out", style="green"))


@users_app.command("sign-out")
def users_sign_out(ctx: typer.Context, email: str) -> None:
    """End every web session of an account (sign out everywhere)."""
    from luister.accounts.actions import end_sessions
    from luister.services.accounts import AccountError, get_user

    engine = state_of(ctx).engine()
    try:
        user = get_user(engine=engine, email=email)
    except AccountError as exc:
        fail(str(exc), code=2)
    ended = end_sessions(engine=engine, user_id=user.id, actor="cli")
    console.print(Text(f"✓ {user.email}: {ended} session(s) signed out", style="green"))


@app.command("audit")
def audit_command(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    actor: Annotated[str | None, typer.Option(help="Only what this person (or cli) did.")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """The audit log: who changed what, when and from where."""
    from luister.services.audit import entries

    found = entries(engine=state_of(ctx).engine(), limit=limit, actor=actor)
    if fmt is not Format.table:
        return emit(fmt, found)
    table = Table("at (UTC)", "actor", "action", "target", "detail", "from", title="Audit log")
    for e in found:
        table.add_row(f"{e.at:%Y-%m-%d %H:%M:%S}", Text(e.actor), e.action, Text(e.target or ""),
                      Text(str(e.detail) if e.detail else ""), Text(e.ip or ""))  # fmt: skip
    console.print(table)
