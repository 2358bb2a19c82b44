"""``luister secrets``: the secrets luister keeps encrypted at rest (voices' credentials, sources' and alert
channels' secret options)."""

from __future__ import annotations

import typer

from luister.cli.app import app, console, fail, state_of

secrets_app = typer.Typer(
    help="Secrets at rest: encrypted with LUISTER_ENCRYPTION_KEY.", no_args_is_help=True
)
app.add_typer(secrets_app, name="secrets")

ACTOR = "cli"


@secrets_app.command("rekey")
def secrets_rekey(ctx: typer.Context) -> None:
    """Encrypt every stored secret again with the first key of LUISTER_ENCRYPTION_KEY: voices'
    credentials, sources' and alert channels' secret options, and any an older version stored in clear.
    Run it after putting a new key first; then the old key may go."""
    from luister.alerts.actions import reseal_channels
    from luister.inbox.voices import VoiceError, rekey_voices
    from luister.services.sources import reseal_sources
    from luister.storage.secrets import CannotDecrypt, SecretsUnavailable

    runtime = state_of(ctx).runtime()
    try:
        voices = rekey_voices(engine=runtime.engine, actor=ACTOR, cipher=runtime.cipher)
        sources = reseal_sources(engine=runtime.engine, actor=ACTOR, cipher=runtime.cipher)
        channels = reseal_channels(engine=runtime.engine, actor=ACTOR, cipher=runtime.cipher)
    except (VoiceError, CannotDecrypt, SecretsUnavailable) as exc:
        fail(str(exc), code=2)
    console.print(
        f"encrypted with the first key: {voices} voice(s), {sources} source(s), {channels} alert channel(s)",
        highlight=False,
    )
