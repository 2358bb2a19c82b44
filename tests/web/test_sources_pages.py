"""The sources pages: the list with health, a source's runs, adding one from its connector's options form,
pausing and removing — and what viewers may not do."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Dialog, expect

from luister.domain.accounts import Role
from luister.plugins import load_plugins
from luister.services.accounts import set_role
from luister.services.audit import entries
from luister.services.database import open_database
from luister.services.sources import add_source, list_sources, raw_options
from luister.settings import Settings
from luister.storage.secrets import Cipher
from luister.storage.tables import source, source_run
from luister.testing import EMAIL, create_account, sign_in, signed_in_client

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
TOKEN = "mastodon-token-0123456789"


def token(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def add(settings: Settings, name: str, connector: str, **options: Any) -> int:
    engine = open_database(settings=settings)
    added = add_source(
        engine=engine,
        connectors=load_plugins().connectors(),
        cipher=Cipher.of(settings),
        name=name,
        connector=connector,
        options=options,
        actor="test",
    )
    engine.dispose()
    return added.id


def runs(
    settings: Settings, source_id: int, *, error: str | None = None, count: int = 5, **last: Any
) -> None:
    now = datetime.now(UTC)
    rows = [
        {"source_id": source_id, "started_at": now - timedelta(minutes=15 * n),
         "finished_at": now - timedelta(minutes=15 * n) + timedelta(seconds=2), "fetched": 10, "stored": 4,
         "rejected": 1, "error": error if n == 0 else None}
        for n in range(count)
    ]  # fmt: skip
    engine = open_database(settings=settings)
    with engine.begin() as conn:
        conn.execute(source_run.insert(), rows)
        if last:
            conn.execute(source.update().where(source.c.id == source_id).values(**last))
    engine.dispose()


def test_the_empty_state_tells_what_a_source_is(settings: Settings) -> None:
    client = signed_in_client(settings)
    page = client.get("/sources").text
    assert "No sources yet" in page and "A source is a place luister listens to" in page
    assert 'href="/sources/new"' in page and "luister sources add" in page


def test_the_list_shows_health_options_and_masked_secrets(settings: Settings) -> None:
    ok = add(settings, "energieblog", "rss", url="https://energieblog.example/feed/", channel="blog")
    failing = add(
        settings, "masto", "mastodon", instance="https://mastodon.example", query="voltaro", token=TOKEN
    )
    add(settings, "nieuw", "rss", url="https://nieuws.example/feed/")
    runs(settings, ok, last_success_at=datetime.now(UTC))
    runs(settings, failing, error=f"HTTP 500 {SCRIPT}", last_error=f"HTTP 500 {SCRIPT}")
    client = signed_in_client(settings)
    page = client.get("/sources").text
    cards = dict(re.findall(r'class="source-name" href="[^"]+">([^<]+)</a>(.*?)</li>', page, re.S))
    assert set(cards) == {"energieblog", "masto", "nieuw"}
    assert (
        'class="badge ok"' in cards["energieblog"]
        and "https://energieblog.example/feed/" in cards["energieblog"]
    )
    assert "Last success" in cards["energieblog"] and "every 15 min" in cards["energieblog"]
    assert "<dd>0.8</dd>" in cards["energieblog"]  # items per hour: 5 runs × 4 stored / 24 h
    assert (
        'class="badge failing"' in cards["masto"] and "HTTP 500 &lt;script&gt;alert(1)&lt;/script&gt;" in page
    )
    assert TOKEN not in page and "<code>***</code>" in cards["masto"]  # sealed at rest, shown masked
    assert 'class="badge new">never run' in cards["nieuw"] and "due now" in cards["nieuw"]
    assert "10%" in cards["energieblog"]  # rejected share
    assert SCRIPT not in page


def test_a_source_page_explains_its_health_and_lists_its_runs(settings: Settings) -> None:
    failing = add(settings, "masto", "mastodon", instance="https://mastodon.example", tag="voltaro")
    runs(settings, failing, error=f"HTTP 403 {IMG}", count=3, last_error=f"HTTP 403 {IMG}")
    client = signed_in_client(settings)
    page = client.get("/sources/masto")
    assert page.status_code == 200 and "The last run failed." in page.text
    assert "luister sources check masto" in page.text
    table = page.text.split('class="admin-table runs"')[1]
    assert table.count("<tr") == 4 and table.count('class="failed"') == 1  # a header and three runs
    assert "HTTP 403 &lt;img src=x onerror=alert(1)&gt;" in table and IMG not in page.text
    assert client.get("/sources/nergens").status_code == 404
    fresh = add(settings, "leeg", "rss", url="https://leeg.example/feed")
    assert fresh and "has not run yet" in client.get("/sources/leeg").text


def test_adding_a_source_from_its_connectors_form(settings: Settings) -> None:
    client = signed_in_client(settings)
    choose = client.get("/sources/new").text
    assert (
        'href="/sources/new?connector=rss"' in choose and 'href="/sources/new?connector=mastodon"' in choose
    )
    assert "<code>POST /api/v1/ingest/{source}</code>" in choose and "`" not in choose  # back-quotes as code
    form = client.get("/sources/new", params={"connector": "mastodon"}).text
    assert 'type="password" id="option-token" name="option.token"' in form
    assert form.count("shown masked") == 1  # said once, whether or not the option's own text says so
    assert client.get("/sources/new", params={"connector": "webhook"}).text.count("shown masked") == 1
    assert 'type="number" id="option-limit" name="option.limit" value="40"' in form
    assert 'name="option.instance"' in form and "Base URL of the Mastodon instance" in form
    csrf = token(form)
    base = {"csrf": csrf, "connector": "mastodon", "name": "masto", "option.instance": "https://m.example"}
    missing = client.post("/sources/new", data={**base, "option.instance": "", "option.tag": "voltaro"})
    assert missing.status_code == 400 and "Field required" in missing.text
    assert missing.text.count('class="field invalid"') == 1 and 'value="voltaro"' in missing.text
    no_token = client.post("/sources/new", data={**base, "option.query": "voltaro", "option.limit": "x"})
    assert (
        no_token.status_code == 400 and "needs a token" in no_token.text and "valid integer" in no_token.text
    )
    secret = client.post(
        "/sources/new", data={**base, "option.token": TOKEN, "name": "", "option.query": "v"}
    )
    assert secret.status_code == 400 and "a source needs a name" in secret.text and TOKEN not in secret.text
    interval = client.post("/sources/new", data={**base, "option.tag": "v", "interval": "0"})
    assert interval.status_code == 400 and "whole number of minutes" in interval.text
    engine = open_database(settings=settings)
    assert list_sources(engine=engine) == []

    added = client.post("/sources/new", data={**base, "option.query": "voltaro", "option.token": TOKEN,
                                              "option.topics": "Voltaro, Stroomwijs", "interval": "30"},
                        follow_redirects=False)  # fmt: skip
    assert added.status_code == 303 and added.headers["location"] == "/sources/masto?added=1"
    page = client.get(added.headers["location"]).text
    assert "The source was added." in page and "Voltaro, Stroomwijs" in page and TOKEN not in page
    (saved,) = list_sources(engine=engine)
    assert saved.poll_interval == timedelta(minutes=30) and saved.options["topics"] == [
        "Voltaro",
        "Stroomwijs",
    ]
    assert (
        raw_options(engine=engine, cipher=Cipher.of(settings), source_id=saved.id)[0]["token"] == TOKEN
    )  # stored in full
    assert (entries(engine=engine)[0].actor, entries(engine=engine)[0].action) == (EMAIL, "source.add")
    again = client.post("/sources/new", data={**base, "option.tag": "voltaro"})
    assert again.status_code == 400 and "a source with this name exists already" in again.text
    unknown = client.post("/sources/new", data={**base, "connector": "fax"})
    assert unknown.status_code == 400 and "choose a connector" in unknown.text


def test_booleans_lists_choices_and_json_options(sqlite_settings: Settings) -> None:
    client = signed_in_client(sqlite_settings)
    form = client.get("/sources/new", params={"connector": "file"}).text
    assert '<select id="option-format" name="option.format">' in form and '<option value="csv"' in form
    assert '<textarea id="option-fields"' in form
    csrf = token(form)
    base = {"csrf": csrf, "connector": "file", "name": "export", "option.path": "/data/x.csv"}
    bad = client.post("/sources/new", data={**base, "option.fields": "{text: body"})
    assert bad.status_code == 400 and "not valid JSON" in bad.text and "{text: body</textarea>" in bad.text
    good = {**base, "option.fields": '{"text": "body"}', "option.format": "csv"}
    done = client.post("/sources/new", data=good, follow_redirects=False)
    assert done.status_code == 303
    (saved,) = list_sources(engine=open_database(settings=sqlite_settings))
    assert saved.options["fields"] == {"text": "body"} and saved.options["format"] == "csv"
    reddit = client.get("/sources/new", params={"connector": "reddit"}).text
    assert 'type="checkbox" id="option-comments" name="option.comments" value="true" >' in reddit
    posted = {"csrf": csrf, "connector": "reddit", "name": "r", "option.subreddit": "voltaro",
              "option.comments": "true"}  # fmt: skip
    assert client.post("/sources/new", data=posted, follow_redirects=False).status_code == 303
    assert {s.name: s.options for s in list_sources(engine=open_database(settings=sqlite_settings))}["r"][
        "comments"
    ] is True


def test_pausing_and_removing_a_source(settings: Settings) -> None:
    add(settings, "energieblog", "rss", url="https://energieblog.example/feed/")
    client = signed_in_client(settings)
    page = client.get("/sources/energieblog").text
    csrf = token(page)
    paused = client.post("/sources/energieblog/enabled", data={"csrf": csrf, "enabled": "false"})
    assert (
        paused.status_code == 200 and 'class="badge off">paused' in paused.text and ">Resume<" in paused.text
    )
    engine = open_database(settings=settings)
    assert not list_sources(engine=engine)[0].enabled
    client.post("/sources/energieblog/enabled", data={"csrf": csrf, "enabled": "true"})
    assert list_sources(engine=engine)[0].enabled
    asked = client.get("/sources/energieblog/remove").text
    assert "Remove the source “energieblog”?" in asked and "Remove the source</button>" in asked
    removed = client.post("/sources/energieblog/remove", data={"csrf": csrf}, follow_redirects=False)
    assert (
        removed.status_code == 303
        and "The source was removed." in client.get(removed.headers["location"]).text
    )
    assert list_sources(engine=engine) == []
    actions = [e.action for e in entries(engine=engine)][:3]
    assert actions == ["source.remove", "source.enable", "source.disable"]
    assert client.post("/sources/energieblog/remove", data={"csrf": csrf}).status_code == 404
    assert client.post("/sources/energieblog/enabled", data={"csrf": csrf}).status_code == 404
    assert client.get("/sources/energieblog/remove").status_code == 404


@pytest.mark.parametrize("role", [Role.viewer, Role.agent])
def test_viewers_and_agents_read_only(sqlite_settings: Settings, role: Role) -> None:
    add(sqlite_settings, "energieblog", "rss", url="https://energieblog.example/feed/")
    client = signed_in_client(sqlite_settings)
    set_role(engine=open_database(settings=sqlite_settings), email=EMAIL, role=role, actor="test")
    listed = client.get("/sources").text
    assert "energieblog" in listed and "/sources/new" not in listed
    detail = client.get("/sources/energieblog").text
    assert "/remove" not in detail and "Pause" not in detail
    csrf = token(detail)
    for url, data in [("/sources/new", {"csrf": csrf, "connector": "rss", "name": "x", "option.url": "https://x.example"}),
                      ("/sources/energieblog/remove", {"csrf": csrf}),
                      ("/sources/energieblog/enabled", {"csrf": csrf, "enabled": "false"})]:  # fmt: skip
        refused = client.post(url, data=data)
        assert refused.status_code == 403 and "may not do this" in refused.text, url
    assert client.get("/sources/new").status_code == 403
    assert client.get("/sources/energieblog/remove").status_code == 403
    assert [s.name for s in list_sources(engine=open_database(settings=sqlite_settings))] == ["energieblog"]


def test_form_posts_without_the_session_token_are_refused(sqlite_settings: Settings) -> None:
    add(sqlite_settings, "energieblog", "rss", url="https://energieblog.example/feed/")
    client = signed_in_client(sqlite_settings)
    for data in ({}, {"csrf": "forged-token"}):
        assert client.post("/sources/energieblog/remove", data=data).status_code == 403
        new = {**data, "connector": "rss", "name": "x", "option.url": "https://x.example"}
        assert client.post("/sources/new", data=new).status_code == 403
    assert [s.name for s in list_sources(engine=open_database(settings=sqlite_settings))] == ["energieblog"]


def test_hostile_source_names_are_escaped_and_reachable(sqlite_settings: Settings) -> None:
    name = f"x {IMG}/{SCRIPT}"
    hostile = add(sqlite_settings, name, "rss", url="https://x.example/feed", channel=SCRIPT)
    runs(sqlite_settings, hostile, error=SCRIPT, last_error=IMG)
    client = signed_in_client(sqlite_settings)
    listed = client.get("/sources").text
    path = f"/sources/{quote(name)}"
    assert f'href="{path}"' in listed
    pages = [listed, client.get(path).text, client.get(f"{path}/remove").text]
    for html in pages:
        assert SCRIPT not in html and IMG not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    csrf = token(listed)
    assert client.post(f"{path}/enabled", data={"csrf": csrf, "enabled": "false"}).status_code == 200
    assert client.post(f"{path}/remove", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    engine = open_database(settings=sqlite_settings)
    assert list_sources(engine=engine) == []
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(source_run)).scalar() == 0


def test_adding_a_source_in_the_browser(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    hostile = add(sqlite_settings, SCRIPT, "rss", url="https://x.example/feed")
    runs(sqlite_settings, hostile, error=IMG, last_error=IMG)
    create_account(sqlite_settings)
    page = browser.new_page()
    dialogs: list[Dialog] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog), dialog.dismiss()))
    sign_in(page, live_server)
    page.click("nav >> text=Sources")
    page.wait_for_url("**/sources")
    expect(page.locator(".source-card .badge.failing")).to_have_count(1)
    page.click("text=Add a source")
    page.click(".connector-list a:has-text('rss')")
    page.fill("#source-name", "energieblog")
    page.click("button:has-text('Add the source')")
    assert page.locator(".field.invalid .field-error").inner_text() == "Field required"
    page.fill("#option-url", "https://energieblog.example/feed/")
    page.fill("#option-channel", "blog")
    page.click("button:has-text('Add the source')")
    page.wait_for_url(re.compile(r".*/sources/energieblog\?added=1"))
    assert page.locator(".badge.new").inner_text() == "never run"
    assert "https://energieblog.example/feed/" in page.locator("dl.options").inner_text()
    page.goto(live_server + "/sources/" + quote(SCRIPT))
    assert page.locator("h2").first.inner_text().startswith(SCRIPT)
    assert dialogs == [] and page.evaluate("document.querySelectorAll('img').length") == 0
    page.close()


def test_every_installed_connector_has_a_form(sqlite_settings: Settings) -> None:
    client = signed_in_client(sqlite_settings)
    for name, cls in load_plugins().connectors().items():
        form = client.get("/sources/new", params={"connector": name})
        assert form.status_code == 200, name
        assert all(f'name="option.{field}"' in form.text for field in cls.options_model.model_fields), name


def test_back_quoted_parts_of_descriptions_become_code_and_the_rest_stays_escaped() -> None:
    from luister.web.context import code_spans

    assert (
        str(code_spans("push to `POST /x` <b>now</b>"))
        == "push to <code>POST /x</code> &lt;b&gt;now&lt;/b&gt;"
    )
    assert str(code_spans("`<script>alert(1)</script>` and ` unpaired")) == (
        "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code> and ` unpaired"
    )
