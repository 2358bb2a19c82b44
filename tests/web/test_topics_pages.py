"""The topics pages: the list, adding and editing with the live query test, switching, deleting — also in
Chromium, where typing a query shows what it catches and hostile names run nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Dialog, Request, expect

from luister.connectors.records import FieldMapping
from luister.domain.accounts import Role
from luister.domain.topics import TopicKind
from luister.services.accounts import set_role
from luister.services.audit import entries
from luister.services.database import open_database
from luister.services.ingest import Pipeline
from luister.services.topics import get_topic, list_topics, save_topic
from luister.settings import Settings
from luister.storage.writer import SqlMentionStore
from luister.testing import EMAIL, create_account, raw_item, record, sign_in, signed_in_client

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
TEXTS = [
    "Voltaro storing: de app ligt eruit",
    "Super geholpen door Voltaro, top service",
    "Stroomwijs verhoogt de prijzen",
    f"Voltaro zonnepanelen {SCRIPT} {IMG}",
]


def seed(settings: Settings, texts: list[str] = TEXTS) -> None:
    engine = open_database(settings=settings)
    items = [raw_item(record(n, text=text), f"line {n}") for n, text in enumerate(texts)]
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test").run_batch(items)
    engine.dispose()


def add(settings: Settings, name: str, query: str, **fields: Any) -> int:
    engine = open_database(settings=settings)
    saved = save_topic(
        engine=engine, name=name, kind=fields.pop("kind", TopicKind.brand), query=query, **fields
    )
    engine.dispose()
    return saved.id


def token(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def topic_form(csrf: str, **fields: str) -> dict[str, str]:
    return {"csrf": csrf, "name": "Voltaro", "kind": "brand", "query": "voltaro", "action": "save", **fields}


def test_the_empty_state_explains_topics_and_offers_the_form(settings: Settings) -> None:
    client = signed_in_client(settings)
    page = client.get("/topics")
    assert page.status_code == 200
    assert "No topics yet" in page.text and "A topic is a saved query" in page.text
    assert 'topic:voltaro (storing OR klacht* OR "werkt niet")' in page.text  # an example
    assert 'class="topic-form"' in page.text and "query-test.js" in page.text and "admin.css" in page.text


def test_adding_a_topic_validates_records_and_rematches_history(settings: Settings) -> None:
    seed(settings)
    client = signed_in_client(settings)
    csrf = token(client.get("/topics").text)
    bad = client.post("/topics", data=topic_form(csrf, query="voltaro AND ("))
    assert bad.status_code == 400 and 'id="topic-query-error"' in bad.text
    assert "column 13" in bad.text and re.search(
        r'<pre class="caret">voltaro AND \(\n {12}\^</pre>', bad.text
    )
    assert 'value="Voltaro"' in bad.text  # what was typed stays
    nameless = client.post("/topics", data=topic_form(csrf, name="  "))
    assert nameless.status_code == 400 and "a topic needs a name" in nameless.text
    unknown = client.post("/topics", data=topic_form(csrf, query="topic:nergens"))
    assert unknown.status_code == 400 and "unknown topic" in unknown.text
    wrong_kind = client.post("/topics", data=topic_form(csrf, kind="enemy"))
    assert wrong_kind.status_code == 400 and "choose what the topic is about" in wrong_kind.text
    assert list_topics(engine=open_database(settings=settings)) == []

    saved = client.post("/topics", data=topic_form(csrf, description="ons merk"), follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].startswith("/topics?saved=")
    listed = client.get(saved.headers["location"]).text
    assert "Re-matching history…" in listed and "ons merk" in listed
    engine = open_database(settings=settings)
    assert get_topic(engine=engine, name="Voltaro").mentions == 3  # history matched in the background
    assert [(e.actor, e.action, e.target) for e in entries(engine=engine)][0] == (
        EMAIL,
        "topic.save",
        "Voltaro",
    )
    again = client.post("/topics", data=topic_form(csrf, query="stroomwijs"))
    assert again.status_code == 400 and "a topic with this name exists already" in again.text
    assert get_topic(engine=engine, name="Voltaro").query == "voltaro"


def test_the_live_test_fragment_for_good_and_bad_queries(settings: Settings) -> None:
    seed(settings)
    client = signed_in_client(settings)
    good = client.get("/topics/test", params={"q": "voltaro storing"})
    assert good.status_code == 200 and "<html" not in good.text
    assert "1 of all 4 mentions match" in good.text and 'href="/mentions/1"' in good.text
    assert "de app ligt eruit" in good.text and 'class="channel">mastodon' in good.text
    bad = client.get("/topics/test", params={"q": 'voltaro "storing'})
    assert bad.status_code == 400 and 'data-state="error"' in bad.text
    assert '<pre class="caret">voltaro &#34;storing\n        ^</pre>' in bad.text
    reference = client.get("/topics/test", params={"q": "topic:nergens"})
    assert reference.status_code == 400 and "unknown topic" in reference.text
    assert "Type a query" in client.get("/topics/test", params={"q": " "}).text
    recent = client.get("/topics/test", params={"q": "voltaro storing", "days": "30"}).text
    assert "no mentions of the last 30 days" in recent  # a chosen period: the seeded ones are older
    scanned = client.get("/topics/test", params={"q": "NOT voltaro"}).text
    assert "of the newest 4 mentions match" in scanned and "cannot use the search index" in scanned
    hostile = client.get("/topics/test", params={"q": "zonnepanelen"}).text
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile and "&lt;img src=x onerror=alert(1)&gt;" in hostile
    )
    assert SCRIPT not in hostile and IMG not in hostile
    caret = client.get("/topics/test", params={"q": f"{SCRIPT} AND ("}).text
    assert "&lt;script&gt;" in caret and SCRIPT not in caret


def test_the_test_button_works_without_javascript(settings: Settings) -> None:
    seed(settings)
    client = signed_in_client(settings)
    csrf = token(client.get("/topics").text)
    tried = client.post("/topics", data=topic_form(csrf, name="", query="stroomwijs", action="test"))
    assert tried.status_code == 200 and "1 of all 4 mentions match" in tried.text
    assert ">stroomwijs</textarea>" in tried.text
    failed = client.post("/topics", data=topic_form(csrf, query="a OR", action="test"))
    assert failed.status_code == 400 and '<pre class="caret">' in failed.text
    assert list_topics(engine=open_database(settings=settings)) == []


def test_editing_and_renaming_a_topic(settings: Settings) -> None:
    seed(settings)
    voltaro = add(settings, "Voltaro", "voltaro")
    add(settings, "Klachten", "topic:Voltaro storing", kind=TopicKind.other)
    stroomwijs = add(settings, "Stroomwijz", "stroomwijs", kind=TopicKind.competitor)
    client = signed_in_client(settings)
    form = client.get(f"/topics/{stroomwijs}/edit")
    assert (
        form.status_code == 200
        and 'value="Stroomwijz"' in form.text
        and ">stroomwijs</textarea>" in form.text
    )
    csrf = token(form.text)
    changed = topic_form(csrf, name="Stroomwijs", kind="competitor", query="stroomwijs OR #stroomwijs")
    done = client.post(f"/topics/{stroomwijs}/edit", data=changed, follow_redirects=False)
    assert done.status_code == 303
    engine = open_database(settings=settings)
    assert get_topic(engine=engine, name="Stroomwijs").query == "stroomwijs OR #stroomwijs"
    assert {e.action for e in entries(engine=engine)} >= {"topic.rename", "topic.save"}
    renamed = client.post(f"/topics/{voltaro}/edit", data=topic_form(csrf, name="Voltaro NL"))
    assert renamed.status_code == 400 and "other topics refer to this name" in renamed.text
    taken = client.post(f"/topics/{voltaro}/edit", data=topic_form(csrf, name="Stroomwijs"))
    assert taken.status_code == 400 and "exists already" in taken.text
    assert client.get("/topics/999/edit").status_code == 404
    assert client.post("/topics/999/edit", data=topic_form(csrf)).status_code == 404


def test_deleting_asks_first_and_is_refused_while_another_topic_refers_to_it(settings: Settings) -> None:
    voltaro = add(settings, "Voltaro", "voltaro")
    complaints = add(settings, "Klachten", "topic:voltaro storing", kind=TopicKind.other)
    client = signed_in_client(settings)
    asked = client.get(f"/topics/{voltaro}/delete").text
    assert (
        "cannot be deleted" in asked
        and "<li>Klachten</li>" in asked
        and "Delete the topic</button>" not in asked
    )
    csrf = token(asked)
    refused = client.post(f"/topics/{voltaro}/delete", data={"csrf": csrf})
    assert refused.status_code == 409 and "cannot be deleted" in refused.text
    confirm = client.get(f"/topics/{complaints}/delete").text
    assert "Delete the topic</button>" in confirm
    gone = client.post(f"/topics/{complaints}/delete", data={"csrf": csrf}, follow_redirects=False)
    assert gone.status_code == 303 and "The topic was deleted." in client.get(gone.headers["location"]).text
    assert (
        client.post(f"/topics/{voltaro}/delete", data={"csrf": csrf}, follow_redirects=False).status_code
        == 303
    )
    assert list_topics(engine=open_database(settings=settings)) == []
    assert client.get(f"/topics/{voltaro}/delete").status_code == 404


def test_switching_a_topic_off_and_on(settings: Settings) -> None:
    seed(settings)
    voltaro = add(settings, "Voltaro", "voltaro")
    client = signed_in_client(settings)
    csrf = token(client.get("/topics").text)
    off = client.post(f"/topics/{voltaro}/enabled", data={"csrf": csrf, "enabled": "false"})
    assert off.status_code == 200 and "is switched off" in off.text and 'class="badge off"' in off.text
    assert not get_topic(engine=open_database(settings=settings), name="Voltaro").enabled
    on = client.post(f"/topics/{voltaro}/enabled", data={"csrf": csrf, "enabled": "true"})
    assert "is switched on" in on.text
    engine = open_database(settings=settings)
    assert get_topic(engine=engine, name="Voltaro").mentions == 3
    assert [e.action for e in entries(engine=engine)][:2] == ["topic.enable", "topic.disable"]
    assert client.post("/topics/999/enabled", data={"csrf": csrf, "enabled": "true"}).status_code == 404


@pytest.mark.parametrize("role", [Role.viewer, Role.agent])
def test_viewers_and_agents_read_only(sqlite_settings: Settings, role: Role) -> None:
    voltaro = add(sqlite_settings, "Voltaro", "voltaro")
    client = signed_in_client(sqlite_settings)
    set_role(engine=open_database(settings=sqlite_settings), email=EMAIL, role=role, actor="test")
    page = client.get("/topics").text
    assert "Voltaro" in page and "topic-form" not in page and "Add a topic" not in page
    assert f"/topics/{voltaro}/edit" not in page and "Switch off" not in page
    csrf = token(page)  # the sign-out form's: valid, but the role may not
    for url, data in [("/topics", topic_form(csrf, name="Nieuw")),
                      (f"/topics/{voltaro}/edit", topic_form(csrf)),
                      (f"/topics/{voltaro}/enabled", {"csrf": csrf, "enabled": "false"}),
                      (f"/topics/{voltaro}/delete", {"csrf": csrf})]:  # fmt: skip
        refused = client.post(url, data=data)
        assert refused.status_code == 403 and "may not do this" in refused.text, url
    assert client.get(f"/topics/{voltaro}/edit").status_code == 403
    assert client.get(f"/topics/{voltaro}/delete").status_code == 403
    assert client.get("/topics/test", params={"q": "voltaro"}).status_code == 200  # reading is fine
    assert [t.name for t in list_topics(engine=open_database(settings=sqlite_settings))] == ["Voltaro"]


def test_form_posts_without_the_session_token_are_refused(sqlite_settings: Settings) -> None:
    voltaro = add(sqlite_settings, "Voltaro", "voltaro")
    client = signed_in_client(sqlite_settings)
    for csrf in (None, "forged-token"):
        data = (
            topic_form(csrf or "", name="Nieuw") if csrf else {"name": "Nieuw", "kind": "brand", "query": "x"}
        )
        assert client.post("/topics", data=data).status_code == 403
        assert client.post(f"/topics/{voltaro}/delete", data={"csrf": csrf or ""}).status_code == 403
    assert [t.name for t in list_topics(engine=open_database(settings=sqlite_settings))] == ["Voltaro"]
    client.cookies.clear()
    signed_out = client.get("/topics", follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/login")


def test_hostile_names_queries_and_descriptions_are_escaped(sqlite_settings: Settings) -> None:
    seed(sqlite_settings)
    hostile = add(sqlite_settings, SCRIPT, f'"{IMG}" OR zonnepanelen', description=IMG)
    client = signed_in_client(sqlite_settings)
    csrf = token(client.get("/topics").text)
    pages = [
        client.get("/topics").text,
        client.get(f"/topics?saved={hostile}").text,
        client.get(f"/topics/{hostile}/edit").text,
        client.get(f"/topics/{hostile}/delete").text,
        client.post("/topics", data=topic_form(csrf, name=IMG, query=f"{SCRIPT} (")).text,
    ]
    for html in pages:
        assert SCRIPT not in html and IMG not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "/mentions?topic=%3Cscript%3Ealert%281%29%3C/script%3E" in pages[0]


def test_typing_a_query_tests_it_live_and_saving_lists_the_topic(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    seed(sqlite_settings)
    create_account(sqlite_settings)
    page = browser.new_page()
    dialogs: list[Dialog] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog), dialog.dismiss()))
    sign_in(page, live_server)
    page.click("nav >> text=Topics")
    posts: list[Request] = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    query = page.locator("#topic-query")
    query.press_sequentially("voltaro AND (storing OR")
    caret = page.locator("#query-test pre.caret")
    expect(caret).to_have_text("voltaro AND (storing OR\n            ^")
    assert caret.inner_text().splitlines() == [
        "voltaro AND (storing OR",
        " " * 12 + "^",
    ]  # exactly under the (
    assert page.url == live_server + "/topics" and posts == []  # tested without submitting
    query.press_sequentially(" prijzen)")
    expect(page.locator("#query-test .trial-count")).to_contain_text("1 of all 4 mentions match")
    example = page.locator("#query-test .trial-examples li")
    assert example.count() == 1 and "de app ligt eruit" in example.inner_text()
    assert example.locator("a").get_attribute("href") == "/mentions/1"
    assert posts == []
    page.fill("#topic-name", "Voltaro storingen")
    page.select_option("#topic-kind", "other")
    page.click("button:has-text('Save topic')")
    page.wait_for_url(re.compile(r".*/topics\?saved=\d+"))
    assert "Re-matching history" in page.locator(".note").inner_text()
    row = page.locator("table.topics tr", has_text="Voltaro storingen")
    assert "voltaro AND (storing OR prijzen)" in row.inner_text()
    page.reload()
    assert page.locator("table.topics tr", has_text="Voltaro storingen").locator("td.n").inner_text() == "1"
    assert dialogs == []
    page.close()


def test_a_page_with_hostile_topics_and_mentions_runs_no_script(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    seed(sqlite_settings)
    hostile = add(sqlite_settings, SCRIPT, f'"{IMG}" OR zonnepanelen', description=IMG)
    create_account(sqlite_settings)
    page = browser.new_page()
    dialogs: list[Dialog] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog), dialog.dismiss()))
    sign_in(page, live_server)
    page.goto(live_server + "/topics")
    assert page.locator("table.topics td.name strong").inner_text() == SCRIPT
    page.locator("#topic-query").press_sequentially("zonnepanelen")
    page.locator("#query-test .trial-examples li").wait_for()
    assert SCRIPT in page.locator("#query-test .trial-examples").inner_text()
    page.locator("#topic-query").fill(f"{IMG} (")
    page.locator("#topic-query").press("End")
    page.locator("#topic-query").press_sequentially(" ")
    page.locator("#query-test pre.caret").wait_for()
    page.goto(f"{live_server}/topics/{hostile}/edit")
    page.goto(f"{live_server}/topics/{hostile}/delete")
    page.goto(f"{live_server}/topics?saved={hostile}")
    page.wait_for_timeout(300)
    assert dialogs == [] and page.evaluate("document.querySelectorAll('img').length") == 0
    page.close()


def test_departments_scope_the_topics_pages(sqlite_settings: Settings) -> None:
    from luister.services.accounts import set_department
    from luister.services.topics import list_topics, save_topic

    engine = open_database(settings=sqlite_settings)
    save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    legal = save_topic(
        engine=engine, name="Claims", kind=TopicKind.other, query="advocaat", department="legal"
    )
    client = signed_in_client(sqlite_settings)
    set_department(engine=engine, email=EMAIL, department="marketing", actor="test")
    page = client.get("/topics").text
    assert "Voltaro" in page and "Claims" not in page and "Topics you add belong to your department." in page
    assert client.get(f"/topics/{legal.id}/edit").status_code == 404
    csrf = token(page)
    refused = client.post(f"/topics/{legal.id}/delete", data={"csrf": csrf})
    assert refused.status_code == 404
    form = {"csrf": csrf, "name": "Zomer", "kind": "campaign", "query": "zomeractie", "department": "legal"}
    added = client.post("/topics", data=form, follow_redirects=False)
    assert added.status_code == 303
    assert {t.name: t.department for t in list_topics(engine=engine)} == {
        "Voltaro": None, "Claims": "legal", "Zomer": "marketing"}  # fmt: skip
    assert "Claims" not in client.get("/", params={"topic": "Claims"}).text.split("</form>")[0]
