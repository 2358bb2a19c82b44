"""``luister inbox voices``: the accounts the company speaks from (list, add, check, deactivate, remove, and
re-encrypt every voice's credentials after a new key was put first).

Credentials never come from the command line, where the shell history and the process list would keep
them: from a JSON file (``--credentials-file``) or typed at a prompt (secrets hidden). They are shown only
masked. Every change is one action of :mod:`luister.inbox.voices` by the actor ``cli``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import SecretBytes, SecretStr
from rich.table import Table
from rich.text import Text

from luister.cli.app import console, fail, state_of
from luister.cli.inbox import inbox_app
from luister.cli.output import Format, FormatOption, emit

voices_app = typer.Typer(help="The accounts the company speaks from, and replies with.", no_args_is_help=True)
inbox_app.add_typer(voices_app, name="voices")

ACTOR = "cli"
VoiceId = Annotated[int, typer.Argument(help="The voice's number (see `luister inbox voices list`).", min=1)]
CredentialsFile = Annotated[
    Path | None,
    typer.Option(
        "--credentials-file",
        help="A JSON file with the connector's voice settings (secrets included); without it they are "
        "asked for, secrets hidden.",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]


@contextmanager
def refused() -> Iterator[None]:
    from luister.inbox.voices import VoiceError

    try:
        yield
    except VoiceError as exc:
        fail(str(exc), code=2)


def _credentials(path: Path | None, connector_type: type[Any]) -> dict[str, Any]:
    """From the file, else asked field by field (secrets hidden; an empty answer leaves an optional
    field out)."""
    if path is not None:
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeError, ValueError) as exc:
            fail(f"--credentials-file: not a JSON file ({type(exc).__name__})", code=2)
        if not isinstance(found, dict):
            fail("--credentials-file: the JSON must be an object of the connector's fields", code=2)
        return found
    given: dict[str, Any] = {}
    for name, info in connector_type.voice_model.model_fields.items():
        secret = info.annotation is not None and any(
            kind in str(info.annotation) for kind in (SecretStr.__name__, SecretBytes.__name__)
        )
        answer = typer.prompt(
            name + ("" if info.is_required() else " (optional)"),
            default="" if not info.is_required() else None,
            hide_input=secret,
            show_default=False,
        )
        if answer != "":
            given[name] = answer
    return given


@voices_app.command("list")
def voices_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """Every voice, its connector and its credentials masked."""
    from luister.inbox.voices import list_voices

    runtime = state_of(ctx).runtime()
    found = list_voices(engine=runtime.engine, connectors=runtime.connectors(), cipher=runtime.cipher)
    if fmt is not Format.table:
        return emit(fmt, found)
    table = Table("#", "channel", "handle", "name", "connector", "active", "department", "credentials")
    for v in found:
        shown = ", ".join(f"{k}={value}" for k, value in v.credentials.items())
        if v.has_credentials and not shown:
            shown = "(cannot be read: `luister inbox voices check`)"
        table.add_row(
            str(v.id),
            v.channel,
            Text(v.handle),
            Text(v.name),
            v.connector or "—",
            "yes" if v.active else "no",
            v.department or "—",
            Text(shown or "—"),
        )
    console.print(table)


@voices_app.command("add")
def voices_add(
    ctx: typer.Context,
    channel: Annotated[
        str, typer.Argument(help="The platform, as mentions carry it (mastodon, bluesky ...).")
    ],
    handle: Annotated[str, typer.Argument(help="The account, as mentions carry it.")],
    name: Annotated[str, typer.Option(help="How the voice is called in luister [default: the handle].")] = "",
    connector: Annotated[
        str | None, typer.Option(help="The connector that replies for it; without: only recognise our posts.")
    ] = None,
    credentials_file: CredentialsFile = None,
    department: Annotated[str | None, typer.Option(help="The department whose voice it is.")] = None,
) -> None:
    """Add a voice; with --connector its credentials are checked against the connector's voice settings
    and stored encrypted."""
    from luister.inbox.credentials import replying_connector
    from luister.inbox.voices import add_voice

    runtime = state_of(ctx).runtime()
    connectors = runtime.connectors()
    credentials = None
    with refused():
        if connector:
            credentials = _credentials(credentials_file, replying_connector(connectors, connector))
        voice_id = add_voice(
            engine=runtime.engine,
            actor=ACTOR,
            channel=channel,
            handle=handle,
            name=name or handle,
            connector=connector,
            credentials=credentials,
            department_key=department,
            connectors=connectors,
            cipher=runtime.cipher,
        )
    console.print(f"voice #{voice_id} added", highlight=False)


@voices_app.command("credentials")
def voices_credentials(
    ctx: typer.Context, voice_id: VoiceId, credentials_file: CredentialsFile = None
) -> None:
    """Replace a voice's credentials (from the file, else asked for)."""
    from luister.inbox.credentials import replying_connector
    from luister.inbox.voices import update_voice, voice_detail

    runtime = state_of(ctx).runtime()
    connectors = runtime.connectors()
    with refused():
        found = voice_detail(engine=runtime.engine, voice_id=voice_id)
        if not found.connector:
            fail(f"voice #{voice_id} has no connector: add it again with --connector", code=2)
        credentials = _credentials(credentials_file, replying_connector(connectors, found.connector))
        update_voice(
            engine=runtime.engine,
            actor=ACTOR,
            voice_id=voice_id,
            now=runtime.clock(),
            credentials=credentials,
            connectors=connectors,
            cipher=runtime.cipher,
        )
    console.print(f"voice #{voice_id}: credentials replaced", highlight=False)


@voices_app.command("check")
def voices_check(ctx: typer.Context, voice_id: VoiceId) -> None:
    """Ask the platform whether the voice's credentials work (exit code 1 when they do not)."""
    from luister.inbox.voices import check_voice

    runtime = state_of(ctx).runtime()

    async def run() -> Any:
        async with runtime.http() as http:
            return await check_voice(
                engine=runtime.engine,
                voice_id=voice_id,
                connectors=runtime.connectors(),
                cipher=runtime.cipher,
                http=http,
            )

    with refused():
        found = asyncio.run(run())
    console.print(Text(("ok: " if found.ok else "not ok: ") + found.message))
    if not found.ok:
        raise typer.Exit(1)


@voices_app.command("deactivate")
def voices_deactivate(ctx: typer.Context, voice_id: VoiceId) -> None:
    """The voice no longer replies; its posts are still recognised as ours."""
    from luister.inbox.voices import deactivate_voice

    runtime = state_of(ctx).runtime()
    with refused():
        deactivate_voice(engine=runtime.engine, actor=ACTOR, voice_id=voice_id, now=runtime.clock())
    console.print(f"voice #{voice_id} deactivated", highlight=False)


@voices_app.command("remove")
def voices_remove(ctx: typer.Context, voice_id: VoiceId) -> None:
    """Remove a voice that has no replies yet (else deactivate it)."""
    from luister.inbox.voices import delete_voice

    runtime = state_of(ctx).runtime()
    with refused():
        delete_voice(engine=runtime.engine, actor=ACTOR, voice_id=voice_id)
    console.print(f"voice #{voice_id} removed", highlight=False)


@voices_app.command("rekey")
def voices_rekey(ctx: typer.Context) -> None:
    """Encrypt every voice's credentials again with the first key of LUISTER_ENCRYPTION_KEY (after
    putting a new key first); then the old key may go."""
    from luister.inbox.voices import rekey_voices

    runtime = state_of(ctx).runtime()
    with refused():
        done = rekey_voices(engine=runtime.engine, actor=ACTOR, cipher=runtime.cipher)
    console.print(f"{done} voice(s) encrypted with the first key", highlight=False)
