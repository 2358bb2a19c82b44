"""The knowledge base and reverse-mentoring pages: search in Dutch, an article rendered from Markdown
(hostile text escaped), edits as versions, links shown as "related playbooks" beside an alert, a
conversation and a project, in English and Dutch, forms with their token and role; at 390 px and 1440 px
nothing scrolls sideways (Chromium)."""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from luister import testing
from luister.domain.accounts import Role
from luister.kpis import projects
from luister.organisation import knowledge_actions, knowledge_read, knowledge_starter
from luister.services.accounts import set_language, set_role
from luister.services.database import open_database
from luister.settings import Settings
from luister.testing import EMAIL, create_account, sign_in, signed_in_client

sys.path.insert(0, str(Path(__file__).parents[1]))
from inbox_report_data import add_conversation, at, people  # noqa: E402

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
HOSTILE = "<img src=x onerror=\"window.__pwned='kb'\"> [klik](javascript:alert(1))"


def csrf(text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def test_knowledge_pages_in_the_browser(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    create_account(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    knowledge_starter.load(engine=engine, actor="t", now=NOW)
    hostile = knowledge_actions.create_article(
        engine=engine,
        actor="t",
        now=NOW,
        kind="lesson_learned",
        language="nl",
        title="Les <b>vet</b>",
        body=f"# Kop\n\n{HOSTILE}",
    )
    engine.dispose()
    for width in (390, 1440):
        page = browser.new_page(viewport={"width": width, "height": 900})
        sign_in(page, live_server)
        page.goto(live_server + "/organisation/knowledge")
        expect(page.locator("h2")).to_have_text("Knowledge base")
        page.fill("input[name=q]", "wat zeggen we bij een storing?")
        page.click(".kb-search button")
        expect(page.locator(".kb-hits li").first).to_contain_text("Playbook: storing of stroomuitval")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.click(".kb-hits li >> nth=0 >> a")
        expect(page.locator(".kb-article h2").first).to_have_text("Eerste 15 minuten")  # Markdown rendered
        expect(page.locator("a[hreflang=en]")).to_contain_text("Playbook: outage or power cut")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.goto(live_server + f"/organisation/knowledge/{hostile}")
        expect(page.locator(".kb-article")).to_contain_text("<img src=x")  # raw HTML shown as text
        assert page.evaluate("window.__pwned") is None
        assert page.locator(".kb-article a[href^='javascript']").count() == 0
        page.close()
    page = browser.new_page(viewport={"width": 390, "height": 900})
    sign_in(page, live_server)
    page.goto(live_server + f"/organisation/knowledge/{hostile}")
    page.fill(".kb-form textarea[name=body]", "Korter: **waarschuw binnen het uur**.")
    page.fill(".kb-form input[name=note]", "ingekort")
    page.click(".kb-form button")
    expect(page.locator(".kb-article strong")).to_have_text("waarschuw binnen het uur")
    expect(page.locator("table.admin-table tbody tr")).to_have_count(2)
    page.select_option(".kb-link-form select", "intent")
    page.fill(".kb-link-form input[name=target_key]", "churn")
    page.click(".kb-link-form button")
    expect(page.locator(".kb-links")).to_contain_text("churn")
    page.goto(live_server + "/organisation/mentoring")
    page.fill("input[name=mentor]", "Anouk de Vries")
    page.fill("input[name=mentor_role]", "webcare")
    page.fill("input[name=mentee]", "Hester Kok")
    page.fill("input[name=mentee_role]", "CEO")
    page.fill("input[name=started_on]", "2026-09-01")
    page.click("form[action='/organisation/mentoring/pairs'] button")
    expect(page.locator(".kb-pair h3")).to_contain_text("Hester Kok")
    page.fill(".kb-pair input[name=held_on]", "2026-10-01")
    page.fill(".kb-pair input[name=topics]", "TikTok, toon van webcare")
    page.click(".kb-pair button")
    expect(page.locator(".kb-sessions")).to_contain_text("TikTok")
    expect(page.locator(".kb-evidence")).to_contain_text("1 / 1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()


def test_related_playbooks_beside_alerts_conversations_and_projects(sqlite_settings: Settings) -> None:
    engine = open_database(settings=sqlite_settings)
    knowledge_starter.load(engine=engine, actor="t", now=NOW)
    alert_id = testing.raise_alert(
        engine, sqlite_settings, rule="Crisis", text="Datalek bij Voltaro: mijn gegevens zijn gelekt"
    )
    people(engine)
    with engine.begin() as conn:
        talk = add_conversation(
            conn,
            dept="sales",
            agent=None,
            intent="churn",
            channel="reddit",
            messages=[("customer", at(30, 10))],
        )
    campaign = projects.create(
        engine=engine,
        actor="t",
        name="Zonnedeal 2027",
        kind="campaign",
        now=NOW,
        starts_on=date(2027, 3, 1),
        ends_on=date(2027, 4, 1),
    )
    client = signed_in_client(sqlite_settings)
    alert_page = client.get(f"/alerts/{alert_id}").text
    assert (
        "Related playbooks" in alert_page and "Holding statement: outage" in alert_page
    )  # intent rule: crisis?
    conversation_page = client.get(f"/inbox/{talk}").text
    assert "Playbook: customer threatens to cancel or switch supplier" in conversation_page
    project_page = client.get(f"/projects/{campaign}").text
    assert "Project evaluation: the Zonnedeal campaign" in project_page
    set_language(engine=engine, email=EMAIL, language="nl", actor="t")
    dutch = client.get(f"/projects/{campaign}").text
    assert "Bijbehorende draaiboeken" in dutch and "Projectevaluatie: campagne Zonnedeal" in dutch
    listing = client.get("/organisation/knowledge").text
    assert "Kennisbank" in listing and "Houdverklaring" in listing and "Beleids-FAQ" in listing
    assert "Omgekeerd mentorschap" in client.get("/organisation/mentoring").text


def test_forms_need_the_token_and_the_role(sqlite_settings: Settings) -> None:
    client: TestClient = signed_in_client(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    form = {"kind": "policy_faq", "language": "en", "title": "May I?", "body": "Yes.", "tags": "policy"}
    assert client.post("/organisation/knowledge", data=form).status_code == 403  # no token
    token = csrf(client.get("/organisation/knowledge").text)
    made = client.post("/organisation/knowledge", data={**form, "csrf": token}, follow_redirects=False)
    assert made.status_code == 303
    article = int(made.headers["location"].rsplit("/", 1)[1])
    bad = client.post("/organisation/knowledge", data={**form, "kind": "memo", "csrf": token})
    assert bad.status_code == 400 and "kind: one of" in bad.text and "May I?" in bad.text
    stale = client.post(
        f"/organisation/knowledge/{article}", data={**form, "expected_version": "7", "csrf": token}
    )
    assert stale.status_code == 409 and "changed meanwhile" in stale.text
    assert client.get("/organisation/knowledge/999").status_code == 404
    client.post(
        f"/organisation/knowledge/{article}",
        data={**form, "body": "[x](https://x.example) <b>", "csrf": token},
    )
    shown = client.get(f"/organisation/knowledge/{article}").text
    assert (
        '<a href="https://x.example" rel="nofollow noopener noreferrer" target="_blank">x</a> &lt;b&gt;'
        in shown
    )
    assert client.get(f"/organisation/knowledge/{article}", params={"version": "1"}).status_code == 200
    assert (
        client.post(
            "/organisation/mentoring/pairs",
            data={"mentor": "a", "mentee": "b", "started_on": "morgen", "csrf": token},
        ).status_code
        == 400
    )
    set_role(engine=engine, email=EMAIL, role=Role.agent, actor="t")
    assert client.post("/organisation/knowledge", data={**form, "csrf": token}).status_code == 403
    assert client.get("/organisation/mentoring").status_code == 403
    assert client.get("/organisation/knowledge").status_code == 200
    assert [h.article.id for h in knowledge_read.search(engine=engine, text="policy")] == [article]
