"""``luister inbox voices`` in process, on SQLite: voices added with credentials from a file or a hidden
prompt, listed masked, checked against a fake platform, deactivated and removed; secrets never printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner, Result

from fakes.voice import TOKEN, EchoPlatform, EchoPlugin
from luister import plugins
from luister.cli import app
from luister.settings import Settings

runner = CliRunner()
KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _echo_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugins, "installed", lambda: plugins.load_plugins(EchoPlugin()))


def invoke(settings: Settings, *args: str, stdin: str | None = None, key: str = KEY) -> Result:
    env = {
        "LUISTER_DATABASE_URL": settings.database_url,
        "LUISTER_DATA_DIR": str(settings.data_dir),
        "LUISTER_ENCRYPTION_KEY": key,
        "LUISTER_FETCH_ALLOW": '["127.0.0.1"]',
        "COLUMNS": "200",
    }
    return runner.invoke(app, list(args), env=env, input=stdin)


def test_voices_are_added_listed_checked_and_removed(sqlite_settings: Settings, tmp_path: Path) -> None:
    s = sqlite_settings
    assert invoke(s, "init").exit_code == 0
    with EchoPlatform() as platform:
        file = tmp_path / "voice.json"
        file.write_text(json.dumps({"base_url": platform.url, "access_token": TOKEN}))
        added = invoke(s, "inbox", "voices", "add", "echo", "@voltaro", "--name", "Voltaro",
                       "--connector", "echo", "--credentials-file", str(file))  # fmt: skip
        assert added.exit_code == 0, added.output
        assert "voice #1 added" in added.output
        # typed at the prompt: the secret is not echoed
        typed = invoke(s, "inbox", "voices", "add", "echo", "@support", "--connector", "echo",
                       stdin=f"{platform.url}\nwrong-token-00\n\n")  # fmt: skip
        assert typed.exit_code == 0, typed.output
        assert "wrong-token" not in typed.output
        listed = invoke(s, "inbox", "voices", "list")
        assert "access_token=••••XY" in listed.output and TOKEN not in listed.output
        as_json = json.loads(invoke(s, "inbox", "voices", "list", "--format", "json").output)
        assert [v["handle"] for v in as_json] == ["@support", "@voltaro"]
        assert TOKEN not in json.dumps(as_json)
        good = invoke(s, "inbox", "voices", "check", "1")
        assert good.exit_code == 0 and "ok: the credentials work" in good.output
        bad = invoke(s, "inbox", "voices", "check", "2")
        assert bad.exit_code == 1 and "not ok: the platform refused (credentials)" in bad.output
    other = invoke(s, "inbox", "voices", "check", "1", key=Fernet.generate_key().decode())
    assert other.exit_code == 1
    assert "cannot decrypt the credentials of voice 'Voltaro' (#1): was LUISTER_ENCRYPTION_KEY changed?" in (
        " ".join(other.output.split())
    )
    assert "Traceback" not in other.output
    assert invoke(s, "inbox", "voices", "deactivate", "2").exit_code == 0
    assert invoke(s, "inbox", "voices", "remove", "2").exit_code == 0
    missing = invoke(s, "inbox", "voices", "remove", "2")
    assert missing.exit_code == 2 and "there is no voice #2" in missing.output


def test_rekey_and_refusals(sqlite_settings: Settings, tmp_path: Path) -> None:
    s = sqlite_settings
    invoke(s, "init")
    file = tmp_path / "voice.json"
    file.write_text(json.dumps({"base_url": "http://127.0.0.1:9"}))
    refused = invoke(
        s, "inbox", "voices", "add", "echo", "@v", "--connector", "echo", "--credentials-file", str(file)
    )
    assert refused.exit_code == 2 and "credentials.access_token: Field required" in refused.output
    file.write_text(json.dumps({"base_url": "http://127.0.0.1:9", "access_token": TOKEN}))
    assert invoke(s, "inbox", "voices", "add", "echo", "@v", "--connector", "echo",
                  "--credentials-file", str(file)).exit_code == 0  # fmt: skip
    new = Fernet.generate_key().decode()
    rekeyed = invoke(s, "inbox", "voices", "rekey", key=f"{new},{KEY}")
    assert rekeyed.exit_code == 0 and "1 voice(s)" in rekeyed.output
    assert "access_token=••••XY" in invoke(s, "inbox", "voices", "list", key=new).output
