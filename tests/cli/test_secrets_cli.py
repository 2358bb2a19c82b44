"""Secret options at rest: sources' and alert channels' tokens, passwords and webhook URLs are stored
encrypted; ``luister secrets rekey`` seals what an older version stored in clear and moves everything to a
new first key, after which the old key may go."""

from __future__ import annotations

import sqlalchemy as sa
from cryptography.fernet import Fernet
from typer.testing import CliRunner, Result

from luister.cli import app
from luister.services.database import open_database
from luister.settings import Settings
from luister.storage.tables import alert_channel, source

runner = CliRunner()
OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
TOKEN = "tok-0123456789abcdef"
HOOK = "https://hooks.example/services/T000/B000/s3cretpath"


def invoke(settings: Settings, *args: str, key: str) -> Result:
    env = {
        "LUISTER_DATABASE_URL": settings.database_url,
        "LUISTER_DATA_DIR": str(settings.data_dir),
        "LUISTER_ENCRYPTION_KEY": key,
        "COLUMNS": "200",
    }
    return runner.invoke(app, list(args), env=env)


def stored(settings: Settings) -> tuple[dict[str, object], dict[str, object]]:
    engine = open_database(settings=settings)
    with engine.connect() as conn:
        return (
            conn.execute(sa.select(source.c.options).where(source.c.name == "blog")).scalar_one(),
            conn.execute(
                sa.select(alert_channel.c.options).where(alert_channel.c.name == "chat")
            ).scalar_one(),
        )


def test_secret_options_are_sealed_rekeyed_and_cleared_rows_sealed(sqlite_settings: Settings) -> None:
    s = sqlite_settings
    assert invoke(s, "init", key=OLD).exit_code == 0
    added = invoke(s, "sources", "add", "blog", "rss", "-o", "url=https://blog.example/feed",
                   "-o", f"token={TOKEN}", key=OLD)  # fmt: skip
    assert added.exit_code == 0, added.output
    channel = invoke(s, "alerts", "channels", "add", "chat", "webhook", "-o", f"url={HOOK}",
                     "-o", "format=slack", key=OLD)  # fmt: skip
    assert channel.exit_code == 0, channel.output
    feed, chat = stored(s)
    assert TOKEN not in str(feed) and "s3cretpath" not in str(chat)  # at rest: encrypted
    assert feed["url"] == "https://blog.example/feed" and chat["format"] == "slack"

    engine = open_database(settings=s)  # a row an older version wrote: the token in clear
    with engine.begin() as conn:
        conn.execute(source.update().where(source.c.name == "blog").values(options={**feed, "token": TOKEN}))
    rekeyed = invoke(s, "secrets", "rekey", key=f"{NEW},{OLD}")
    assert rekeyed.exit_code == 0, rekeyed.output
    assert "1 source(s), 1 alert channel(s)" in rekeyed.output
    feed, chat = stored(s)
    assert TOKEN not in str(feed) and "s3cretpath" not in str(chat)

    from luister.alerts.channels.setup import build_channel
    from luister.alerts.channels.webhook import WebhookChannel
    from luister.net.http import FetchPolicy, SafeHttp
    from luister.services.sources import raw_options
    from luister.storage.secrets import CannotDecrypt, Cipher

    only_new = Cipher([NEW.encode()])  # the old key is gone: everything opens with the new one
    options, _ = raw_options(engine=engine, cipher=only_new, source_id=1)
    assert options["token"] == TOKEN
    built = build_channel(engine=engine, name="chat", http=SafeHttp(FetchPolicy()), cipher=only_new,
                          kinds={"webhook": WebhookChannel})  # fmt: skip
    assert built.options.url == HOOK  # type: ignore[attr-defined]
    try:
        raw_options(engine=engine, cipher=Cipher([OLD.encode()]), source_id=1)
    except CannotDecrypt as exc:
        assert "source 'blog'" in str(exc) and TOKEN not in str(exc)
    else:
        raise AssertionError("the old key alone must no longer open the secrets")
    wrong = invoke(s, "secrets", "rekey", key=Fernet.generate_key().decode())
    assert wrong.exit_code == 2 and "cannot decrypt" in wrong.output and TOKEN not in wrong.output
