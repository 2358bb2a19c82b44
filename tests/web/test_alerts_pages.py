"""Alerts in the browser: listed, read with playbook and timeline, worked (acknowledge, steps, resolve)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Browser, expect
from sqlalchemy.engine import Engine

from luister import testing
from luister.alerts.model import AlertStatus
from luister.alerts.read import alert_detail
from luister.domain.accounts import Role
from luister.domain.topics import TopicKind
from luister.services.accounts import set_department, set_role
from luister.services.database import open_database
from luister.services.topics import save_topic
from luister.settings import Settings
from luister.testing import EMAIL, create_account, sign_in, signed_in_client

HOSTILE = "<img src=x onerror=\"window.__pwned='alert'\">"
PLAYBOOK = {"name": "Datalek", "steps": [
    {"title": f"Juridische check {HOSTILE}", "owner": "legal", "due_minutes": 30},
    {"title": "Holding statement plaatsen", "owner": "communications", "due_minutes": 60,
     "statements": {"nl": f"We onderzoeken de melding. {HOSTILE}", "en": "We are looking into the report."}},
]}  # fmt: skip


def raise_alert(
    engine: Engine,
    settings: Settings,
    *,
    rule: str = "Crisis",
    topic: str | None = None,
    at: datetime | None = None,
) -> int:
    text = f"Datalek bij Voltaro: mijn gegevens zijn gelekt {HOSTILE} <script>window.__pwned='s'</script>"
    return testing.raise_alert(engine, settings, rule=rule, text=text, topic=topic, playbook=PLAYBOOK, at=at)


def csrf(page_text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page_text).group(1)  # type: ignore[union-attr]


def test_the_list_and_one_alert_escape_what_they_show(sqlite_settings: Settings) -> None:
    engine = open_database(settings=sqlite_settings)
    alert_id = raise_alert(engine, sqlite_settings, rule="Crisis <i>")
    client = signed_in_client(sqlite_settings)
    listing = client.get("/alerts").text
    assert f'href="/alerts/{alert_id}"' in listing and "rule Crisis &lt;i&gt;" in listing
    assert client.get("/alerts", params={"status": "resolved"}).text.count('class="alert ') == 0
    assert f'href="/alerts/{alert_id}"' in client.get("/alerts", params={"status": "open"}).text
    assert client.get("/alerts", params={"status": "nonsense"}).status_code == 200  # an unknown filter: all
    page = client.get(f"/alerts/{alert_id}").text
    assert "Juridische check &lt;img src=x" in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page and "<script>window" not in page
    assert "We are looking into the report." in page  # the reader's language first, the other folded away
    assert "Holding statement</summary>" not in page and "Holding statement (nl)" in page
    assert client.get("/alerts/999").status_code == 404
    assert "overdue" not in page  # both steps are due in 30 and 60 minutes
    late = raise_alert(engine, sqlite_settings, rule="Gisteren", at=datetime.now(UTC) - timedelta(minutes=45))
    assert client.get(f"/alerts/{late}").text.count('class="late overdue"') == 1  # the 30-minute step
    assert f'href="/alerts/{alert_id}"' in client.get("/").text  # the overview links to it


def test_working_an_alert_needs_the_form_token_and_the_role(sqlite_settings: Settings) -> None:
    engine = open_database(settings=sqlite_settings)
    alert_id = raise_alert(engine, sqlite_settings)
    client = signed_in_client(sqlite_settings)
    token = csrf(client.get(f"/alerts/{alert_id}").text)
    assert client.post(f"/alerts/{alert_id}/acknowledge").status_code == 403  # no CSRF token
    done = client.post(f"/alerts/{alert_id}/acknowledge", data={"csrf": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/alerts/{alert_id}"
    again = client.post(f"/alerts/{alert_id}/acknowledge", data={"csrf": token})
    assert again.status_code == 409 and "Someone changed this alert in the meantime" in again.text
    assert client.post(f"/alerts/{alert_id}/steps/2", data={"csrf": token}).status_code == 200
    assert client.post(f"/alerts/{alert_id}/steps/9", data={"csrf": token}).status_code == 409
    note = {"csrf": token, "note": "opgelost <b>"}
    assert client.post(f"/alerts/{alert_id}/resolve", data=note, follow_redirects=False).status_code == 303
    detail = alert_detail(engine=engine, alert_id=alert_id)
    assert detail.alert.status is AlertStatus.resolved and detail.alert.resolved_by == EMAIL
    assert [(s.position, s.done_by) for s in detail.steps] == [(1, None), (2, EMAIL)]
    assert [e.kind for e in detail.events] == ["opened", "acknowledged", "step_done", "resolved"]
    page = client.get(f"/alerts/{alert_id}").text
    assert (
        "resolved: opgelost &lt;b&gt;" in page and "I&#39;m on it" not in page and "Mark as done" not in page
    )
    set_role(engine=engine, email=EMAIL, role=Role.viewer, actor="test")
    other = raise_alert(engine, sqlite_settings, rule="Tweede")
    viewer_page = client.get(f"/alerts/{other}").text
    assert "I&#39;m on it" not in viewer_page and "Resolve</button>" not in viewer_page
    assert client.post(f"/alerts/{other}/acknowledge", data={"csrf": token}).status_code == 403


def test_departments_see_the_alerts_of_their_own_topics(sqlite_settings: Settings) -> None:
    engine = open_database(settings=sqlite_settings)
    save_topic(engine=engine, name="Juridisch", kind=TopicKind.other, query="datalek", department="legal")
    save_topic(engine=engine, name="Webcare", kind=TopicKind.other, query="voltaro", department="webcare")
    legal = raise_alert(engine, sqlite_settings, rule="Legal", topic="Juridisch")
    everyone = raise_alert(engine, sqlite_settings, rule="Iedereen")
    client = signed_in_client(sqlite_settings)
    assert 'Alerts <span class="badge" title="open">2</span>' in client.get("/alerts").text
    set_department(engine=engine, email=EMAIL, department="webcare", actor="test")
    listing = client.get("/alerts").text
    assert f'href="/alerts/{everyone}"' in listing and f'href="/alerts/{legal}"' not in listing
    assert 'Alerts <span class="badge" title="open">1</span>' in listing  # open, and theirs to see
    assert client.get(f"/alerts/{legal}").status_code == 404
    token = csrf(client.get(f"/alerts/{everyone}").text)
    assert client.post(f"/alerts/{legal}/acknowledge", data={"csrf": token}).status_code == 404


def test_an_agent_works_an_alert_in_the_browser(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    engine = open_database(settings=sqlite_settings)
    alert_id = raise_alert(engine, sqlite_settings)
    create_account(sqlite_settings, role="agent")
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server)
    page.click("nav >> text=Alerts")
    page.click(f"a[href='/alerts/{alert_id}']")
    expect(page.locator(".status-badge")).to_have_text("open")
    page.click("text=I'm on it")
    expect(page.locator(".status-badge")).to_have_text("acknowledged")
    page.locator(".playbook li").nth(0).locator("button").click()
    expect(page.locator(".playbook li").nth(0)).to_contain_text("done by")
    page.fill("input[name=note]", "Statement staat online")
    page.click("text=Resolve")
    expect(page.locator(".status-badge")).to_have_text("resolved")
    expect(page.locator(".timeline")).to_contain_text("resolved: Statement staat online")
    assert page.locator(".playbook button").count() == 0  # a resolved alert's steps stay as they were
    assert page.evaluate("window.__pwned === undefined") and dialogs == []
    page.close()
    assert alert_detail(engine=engine, alert_id=alert_id).alert.status is AlertStatus.resolved


def test_counts_of_one_read_singular_and_the_alert_links_to_its_mentions(sqlite_settings: Settings) -> None:
    from urllib.parse import parse_qs, urlsplit

    from luister.connectors.records import FieldMapping
    from luister.services.ingest import Pipeline
    from luister.storage.writer import SqlMentionStore
    from luister.testing import raw_item, record

    client = signed_in_client(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    alert_id = raise_alert(engine, sqlite_settings)
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test").run_batch(
        [
            raw_item(record(n, text="Voltaro", likes=n - 4, created_at=datetime.now(UTC).isoformat()))
            for n in (5, 6)
        ]
    )
    engine.dispose()
    page = client.get(f"/alerts/{alert_id}").text
    assert "· 1 mention" in page and "1 mentions" not in page
    link = re.search(r'<a class="all-mentions" href="([^"]+)"', page)
    assert link is not None
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert set(query) == {"since", "until"} and query["since"][0] < query["until"][0]
    assert client.get(link.group(1).replace("&amp;", "&")).text.count('class="text"') >= 1
    mentions = client.get("/overview/panel/latest").text
    assert (
        "· 1 interaction ·" in mentions
        and "· 2 interactions ·" in mentions
        and "1 interactions" not in mentions
    )
