"""The inbox in the browser: a mention arrives, is listed, opened, assigned, noted, resolved and reopened
when the customer writes again (in Chromium); forms, refusals, scope and escaping in-process on both
backends; the set-up pages; phones. Screenshots at 390 and 1440 px in Dutch and English when
``INBOX_SHOTS`` names a folder."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.engine import Engine

from luister.connectors.records import FieldMapping
from luister.domain.accounts import Role
from luister.domain.topics import TopicKind
from luister.inbox import actions, setup
from luister.inbox.read import View, conversation_detail, list_conversations, notifications
from luister.services.accounts import create_user, get_user, set_department, set_language, set_role
from luister.services.database import open_database
from luister.services.ingest import Pipeline
from luister.services.topics import create_topic
from luister.settings import Settings
from luister.storage.writer import SqlMentionStore
from luister.testing import EMAIL, PASSWORD, create_account, raw_item, runtime_for, sign_in, signed_in_client

HOSTILE = "<script>window.__pwned='inbox'</script><img src=x onerror=\"window.__pwned='img'\">"
COMPLAINT = "@Voltaro mijn laadpaal doet het al drie dagen niet, slechte service! Wanneer komt de monteur?"
BOB = "bob@voltaro.example"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def store(
    settings: Settings,
    engine: Engine,
    n: int,
    text: str,
    *,
    author: str = "klant_anna",
    minutes_ago: int = 30,
) -> None:
    """A post stored through the real pipeline, so the inbox's watcher routes it (as in production)."""
    at = now() - timedelta(minutes=minutes_ago)
    record = {
        "id": f"p{n}",
        "channel": "mastodon",
        "text": text,
        "author": author,
        "lang": "nl",
        "created_at": at.isoformat(),
        "url": f"https://social.example/@{author}/{n}",
    }
    runtime = runtime_for(settings, engine)
    Pipeline(
        mapper=FieldMapping().map,
        store=SqlMentionStore(engine),
        origin="test",
        enrichers=runtime.enrichers(),
        events=runtime.event_bus(),
    ).run_batch([raw_item(record)])


def seed(settings: Settings, *, role: str = "agent", available: str = "away") -> Engine:
    """Voltaro's topics; the test account (an agent of customer service, away so that nothing is
    assigned to them by itself) and Bob of sales."""
    create_account(settings, role=role)
    engine = open_database(settings=settings)
    create_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro", actor="test")
    set_department(engine=engine, email=EMAIL, department="customer-service", actor="test")
    setup.set_member(
        engine=engine,
        actor="test",
        department_key="customer-service",
        email=EMAIL,
        availability=available,
        now=now(),
    )
    create_user(
        engine=engine, email=BOB, name="Bob Verkoop", password=PASSWORD, role=Role.agent, department="sales"
    )
    setup.set_member(engine=engine, actor="test", department_key="sales", email=BOB, now=now())
    return engine


def only_conversation(engine: Engine) -> int:
    rows = list_conversations(engine=engine, view=View.all, now=now()).rows
    assert len(rows) == 1, rows
    return rows[0].id


def csrf(text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def client_for(settings: Settings, email: str) -> TestClient:
    from luister.app import create_app
    from luister.runtime import Runtime

    client = TestClient(create_app(Runtime(settings, engine=open_database(settings=settings))))
    token = csrf(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf": token, "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


# --- in-process: forms, refusals, scope, escaping (SQLite and PostgreSQL) -------------------------------


def test_working_a_conversation_with_forms_and_what_is_refused(settings: Settings) -> None:
    engine = seed(settings)
    client = client_for(settings, EMAIL)
    store(settings, engine, 1, f"{COMPLAINT} {HOSTILE}")
    cid = only_conversation(engine)
    listing = client.get("/inbox", params={"view": "unassigned"})
    assert listing.status_code == 200 and f'href="/inbox/{cid}"' in listing.text
    assert "<script>window" not in listing.text and "&lt;script&gt;" in listing.text
    assert 'Inbox <span class="badge"' in listing.text  # unassigned, in my department: waiting for me
    page = client.get(f"/inbox/{cid}").text
    assert "<script>window" not in page and "&lt;script&gt;window" in page
    assert "Why here:" in page and "triage sent it to Customer service" in page
    token = csrf(page)

    def post(path: str, **data: str) -> Any:
        return client.post(f"/inbox/{cid}/{path}", data={"csrf": token, **data}, follow_redirects=False)

    assert client.post(f"/inbox/{cid}/assign", data={"assignee": "me"}).status_code == 403  # no token
    assert post("assign", assignee="me").status_code == 303
    refused = post("assign", assignee=BOB)  # Bob is of sales
    assert refused.status_code == 422 and "not a member of customer-service" in refused.text
    forbidden = post("move", to="reopen")  # an open conversation cannot be reopened
    assert forbidden.status_code == 409 and "cannot be moved to “Reopen”" in forbidden.text
    assert post("move", to="snooze").status_code == 409  # no time given
    note = f"@bob kun jij dit oppakken? {HOSTILE}"
    assert post("note", body=note).status_code == 303
    assert [n.kind for n in notifications(engine=engine, user_id=get_user(engine=engine, email=BOB).id)] == [
        "mentioned"
    ]
    assert post("note", body="x" * 10_001).status_code == 409
    assert post("tags", add="laadpaal, <b>").status_code in (303, 409)
    assert post("priority", priority="high").status_code == 303
    assert post("transfer", department="sales", reason="").status_code == 409  # a reason is needed
    assert post("merge", into="abc").status_code == 422
    assert post("move", to="resolve").status_code == 303
    again = post("move", to="resolve")
    assert again.status_code == 409 and "cannot be moved to “Resolve”" in again.text
    detail = conversation_detail(engine=engine, conversation_id=cid)
    assert detail.conversation.status == "resolved" and detail.conversation.priority == "high"
    assert detail.conversation.assignee == EMAIL and [m.kind for m in detail.messages] == ["customer", "note"]
    page = client.get(f"/inbox/{cid}").text
    assert "&lt;script&gt;window" in page and note[:20] in page and "<script>window" not in page
    # Bob, of sales, does not see customer service's conversation: it does not exist for him
    bob = client_for(settings, BOB)
    assert bob.get(f"/inbox/{cid}").status_code == 404
    assert f'href="/inbox/{cid}"' not in bob.get("/inbox", params={"view": "all"}).text
    bob_token = csrf(bob.get("/inbox").text)
    assert bob.post(f"/inbox/{cid}/move", data={"csrf": bob_token, "to": "reopen"}).status_code == 404
    # a viewer reads but does not work
    set_role(engine=engine, email=EMAIL, role=Role.viewer, actor="test")
    page = client.get(f"/inbox/{cid}").text
    assert "Add note" not in page and 'data-shortcut="a"' not in page
    assert post("move", to="reopen").status_code == 403
    engine.dispose()


def test_notifications_the_bell_and_availability(sqlite_settings: Settings) -> None:
    engine = seed(sqlite_settings)
    store(sqlite_settings, engine, 1, COMPLAINT)
    cid = only_conversation(engine)
    bob = client_for(sqlite_settings, BOB)
    me = client_for(sqlite_settings, EMAIL)
    token = csrf(me.get(f"/inbox/{cid}").text)
    me.post(f"/inbox/{cid}/note", data={"csrf": token, "body": "@bob even kijken"})
    page = bob.get("/inbox/notifications").text
    assert 'class="bell unread"' in page and "You were mentioned in a note on conversation" in page
    bob_token = csrf(page)
    ids = re.findall(r'action="/inbox/notifications/(\d+)/open"', page)
    opened = bob.post(f"/inbox/notifications/{ids[0]}/open", data={"csrf": bob_token}, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"/inbox/{cid}"
    assert 'class="bell unread"' not in bob.get("/inbox/notifications").text
    assert bob.post("/inbox/notifications/999/open", data={"csrf": bob_token}).status_code == 404
    # availability from the inbox's head: available drains the queue to me
    assert 'name="availability"' in me.get("/inbox").text
    answer = me.post(
        "/inbox/availability",
        data={"csrf": token, "availability": "available", "back": "//evil"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/inbox"
    assert conversation_detail(engine=engine, conversation_id=cid).conversation.assignee == EMAIL
    assert f'href="/inbox/{cid}"' in me.get("/inbox", params={"view": "mine"}).text
    engine.dispose()


def test_bulk_changes_and_dutch(sqlite_settings: Settings) -> None:
    engine = seed(sqlite_settings)
    store(sqlite_settings, engine, 1, COMPLAINT, author="een")
    store(
        sqlite_settings, engine, 2, "Voltaro, mijn factuur klopt niet en niemand belt terug!", author="twee"
    )
    ids = [r.id for r in list_conversations(engine=engine, view=View.all, now=now()).rows]
    assert len(ids) == 2
    client = client_for(sqlite_settings, EMAIL)
    token = csrf(client.get("/inbox").text)
    data: Any = {
        "csrf": token,
        "operation": "assign_me",
        "id": [str(i) for i in ids],
        "back": "/inbox?view=all",
    }
    done = client.post("/inbox/bulk", data=data, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/inbox?view=all&done=2&failed=0"
    tagged = client.post(
        "/inbox/bulk", data=data | {"operation": "tag", "tags": "factuur"}, follow_redirects=True
    )
    assert "Changed: 2; could not be changed: 0." in tagged.text
    assert (
        client.get("/inbox", params={"view": "all", "tag": "factuur"}).text.count('class="conversation-row')
        == 2
    )
    client.post("/inbox/bulk", data=data | {"operation": "resolve"})
    listing = client.get("/inbox", params={"view": "resolved"}).text
    assert listing.count('class="conversation-row') == 2 and "2 conversations" in listing
    set_language(engine=engine, email=EMAIL, language="nl", actor="test")
    dutch = client.get("/inbox", params={"view": "resolved"}).text
    assert "2 gesprekken" in dutch and "Opgelost" in dutch and "Niet toegewezen" in dutch
    page = client.get(f"/inbox/{ids[0]}").text
    assert "Waarom hier:" in page and "Heropenen" in page
    forbidden = client.post(f"/inbox/{ids[0]}/move", data={"csrf": token, "to": "resolve"})
    assert forbidden.status_code == 409 and "kan niet naar “Afsluiten”" in forbidden.text
    engine.dispose()


def test_setup_pages_rules_simulated_before_saving_and_query_errors(sqlite_settings: Settings) -> None:
    engine = seed(sqlite_settings, role="analyst")
    store(
        sqlite_settings,
        engine,
        1,
        "@Voltaro mijn laadpas doet het al drie dagen niet, slechte service! Wanneer komt er een nieuwe?",
        minutes_ago=60,
    )
    client = client_for(sqlite_settings, EMAIL)
    page = client.get("/inbox/rules").text
    token = csrf(page)
    rule = {
        "csrf": token,
        "name": "Laadpassen",
        "department": "product",
        "query": "laadpas*",
        "topics": "Voltaro",
        "priority": "high",
        "tags": "laadpas",
        "enabled": "on",
    }
    simulated = client.post("/inbox/rules", data=rule | {"do": "simulate"})
    assert simulated.status_code == 200 and "data-simulation" in simulated.text
    assert "would have routed 1 of 1 mentions" in simulated.text and "Customer service: 1" in simulated.text
    assert "Nothing is saved yet." in simulated.text and "Laadpassen" not in client.get("/inbox/rules").text
    broken = client.post("/inbox/rules", data=rule | {"do": "save", "query": "laadpas AND (kapot"})
    assert broken.status_code == 422 and "column" in broken.text and 'class="caret"' in broken.text
    saved = client.post("/inbox/rules", data=rule | {"do": "save"}, follow_redirects=False)
    assert saved.status_code == 303
    listing = client.get("/inbox/rules").text
    assert "Laadpassen" in listing and "laadpas*" in listing
    edit = re.search(r'href="/inbox/rules\?edit=(\d+)', listing)
    assert edit and 'value="Laadpassen"' in client.get(f"/inbox/rules?edit={edit.group(1)}").text
    # canned responses: saved, then offered on a conversation filled in
    canned = {
        "csrf": token,
        "name": "Monteur",
        "language": "nl",
        "body": "Hoi {first_name}, zaak {case_number}.",
    }
    assert client.post("/inbox/canned", data=canned, follow_redirects=False).status_code == 303
    bad = client.post("/inbox/canned", data=canned | {"body": "Hoi {voornaam}"})
    assert bad.status_code == 422 and "unknown variable" in bad.text
    cid = only_conversation(engine)
    page = client.get(f"/inbox/{cid}").text
    assert f"Hoi klant_anna, zaak {cid}." in page
    assert f"Hoi klant_anna, zaak {cid}.</textarea>" in client.get(f"/inbox/{cid}?canned=1").text
    # departments: members and settings; SLA policies
    departments = client.get("/inbox/departments").text
    assert "<h3>Customer service <span" in departments and EMAIL in departments
    member = {"csrf": token, "email": BOB, "languages": "en", "capacity": "5", "availability": "off"}
    # someone of customer service changes only customer service's set-up (as over the API) ...
    theirs = client.post("/inbox/departments/product/members", data=member)
    assert theirs.status_code == 422 and "only people of product" in theirs.text
    # ... an analyst across departments changes any department's
    set_department(engine=engine, email=EMAIL, department=None, actor="test")
    assert (
        client.post("/inbox/departments/product/members", data=member, follow_redirects=False).status_code
        == 303
    )
    wrong = client.post("/inbox/departments/product/members", data=member | {"email": "niemand@x.example"})
    assert wrong.status_code == 422 and "no active account" in wrong.text
    settings_form = {
        "csrf": token,
        "name_en": "Product",
        "name_nl": "Product",
        "assignment": "round_robin",
        "reclaim_minutes": "30",
        "digest_every": "daily",
        "zone": "Europe/Amsterdam",
        "holidays": "NL",
        "weekday": ["0", "1"],
        "start": ["09:00", "09:00"],
        "end": ["17:00", "17:00"],
    }
    assert (
        client.post("/inbox/departments/product", data=settings_form, follow_redirects=False).status_code
        == 303
    )
    late = client.post("/inbox/departments/product", data=settings_form | {"start": ["18:00", "09:00"]})
    assert late.status_code == 422 and "Not saved:" in late.text
    policy = {
        "csrf": token,
        "department": "sales",
        "priority": "urgent",
        "first_response_minutes": "15",
        "next_response_minutes": "",
        "resolution_minutes": "240",
        "warn_minutes": "5",
        "business_hours": "on",
    }
    assert client.post("/inbox/policies", data=policy, follow_redirects=False).status_code == 303
    # an agent reads the set-up but changes nothing
    set_role(engine=engine, email=EMAIL, role=Role.agent, actor="test")
    assert (
        client.get("/inbox/rules").status_code == 200 and "Save rule" not in client.get("/inbox/rules").text
    )
    assert client.post("/inbox/rules", data=rule | {"do": "save"}).status_code == 403
    engine.dispose()


def test_unknown_addresses_and_the_menu(sqlite_settings: Settings) -> None:
    client = signed_in_client(sqlite_settings)
    assert client.get("/inbox/999").status_code == 404
    assert client.get("/inbox/abc").status_code == 422
    assert client.get("/inbox", params={"view": "nonsense", "page": "-3"}).status_code == 200
    assert '<a href="/inbox">Inbox</a>' in client.get("/").text  # nothing waiting: no badge


def test_next_carries_the_pages_cursor(sqlite_settings: Settings) -> None:
    """The next page is found after the last one's cursor; a cursor edited by hand falls back to page=."""
    import html

    from luister.inbox.tables import conversation

    client = signed_in_client(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    at = now()
    with engine.begin() as conn:
        conn.execute(
            conversation.insert(),
            [
                {
                    "id": n,
                    "channel": "mastodon",
                    "author_handle": f"klant{n}",
                    "subject": f"onderwerp-{n}-einde",
                    "route": {"by": "test"},
                    "cycle_started_at": at,
                    "last_customer_at": at - timedelta(minutes=n),
                }
                for n in range(1, 61)
            ],  # fmt: skip
        )
    first = client.get("/inbox", params={"view": "all"}).text
    link = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert link and "after=" in link.group(1), first
    second = client.get(html.unescape(link.group(1))).text
    shown = {int(n) for n in re.findall(r"onderwerp-(\d+)-einde", first + second)}
    assert shown == set(range(1, 61)) and not re.search(r'rel="next"', second)
    edited = client.get("/inbox", params={"view": "all", "page": 2, "after": "9.x"}).text
    assert set(map(int, re.findall(r"onderwerp-(\d+)-einde", edited))) == set(
        map(int, re.findall(r"onderwerp-(\d+)-einde", second))
    )


# --- Chromium: the whole flow, phones, screenshots ------------------------------------------------------


def no_sideways_scroll(page: Page, width: int) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{page.url} is {wide} px wide"


def test_a_mention_is_worked_through_the_inbox_in_chromium(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    engine = seed(sqlite_settings)
    store(sqlite_settings, engine, 1, f"{COMPLAINT} {HOSTILE}", minutes_ago=40)
    cid = only_conversation(engine)
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server)
    expect(page.locator("nav a[href='/inbox'] .badge")).to_have_text("1")  # unassigned in my department
    page.click("nav a[href='/inbox']")
    expect(page.locator(".inbox-tabs a[aria-current=page]")).to_contain_text("Mine")
    page.click(".inbox-tabs >> text=Unassigned")
    expect(page.locator(".inbox-tabs a[aria-current=page] .count")).to_have_text("1")
    expect(page.locator(".conversation-row .subject")).to_contain_text("<script>")  # shown as text
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/inbox/{cid}")
    expect(page.locator("[data-route]")).to_contain_text("triage sent it to Customer service")
    page.click("text=Assign to me")
    expect(page.locator(".conversation-head .meta")).to_contain_text(EMAIL)
    page.keyboard.press("r")
    expect(page.locator("#note")).to_be_focused()
    page.keyboard.type(f"@bob gebeld, monteur komt morgen {HOSTILE}")
    page.click("text=Add note")
    expect(page.locator(".message.kind-note")).to_contain_text("monteur komt morgen <script>")
    page.keyboard.press("e")  # resolve
    expect(page.locator(".status-badge")).to_have_text("resolved")
    store(
        sqlite_settings,
        engine,
        2,
        "Voltaro, de monteur is niet gekomen. Ik wil mijn geld terug.",
        minutes_ago=2,
    )
    page.reload()
    expect(page.locator(".status-badge")).to_have_text("reopened")
    expect(page.locator(".cycle")).to_have_text("cycle 2")
    expect(page.locator(".message.kind-customer")).to_have_count(2)
    page.click(".crumbs a")
    page.click(".inbox-tabs >> text=Mine")
    expect(page.locator(".conversation-row")).to_have_count(1)
    expect(page.locator(".inbox-tabs a[aria-current=page] .count")).to_have_text("1")
    expect(page.locator(".inbox-tabs a[href*='view=unassigned'] .count")).to_have_text("0")
    expect(page.locator(".conversation-row .status")).to_have_text("reopened")
    page.keyboard.press("?")
    expect(page.locator("#shortcuts dl")).to_be_visible()
    # from the list by keyboard: the next one that arrives, taken with j and a
    store(
        sqlite_settings,
        engine,
        3,
        "Voltaro, mijn factuur klopt niet en niemand belt terug!",
        author="b",
        minutes_ago=1,
    )
    page.click(".inbox-tabs >> text=Unassigned")
    expect(page.locator(".conversation-row")).to_have_count(1)
    page.keyboard.press("j")
    page.keyboard.press("a")
    expect(page.locator(".note[role=status]")).to_contain_text("Changed: 1; could not be changed: 0.")
    expect(page.locator(".inbox-tabs a[href*='view=mine'] .count")).to_have_text("2")
    # and it is counted in the reports: two conversations opened, each listed behind the figure
    page.click(".inbox-links >> text=Inbox reports")
    page.click("a[href='/inbox/reports?period=7d']")
    opened = page.locator(".report-table").first.locator("td.n a").first
    expect(opened).to_have_text("2")
    opened.click()
    expect(page.locator("table.drill-list")).to_have_attribute("data-count", "2")
    expect(page.locator(f"table.drill-list a[href='/inbox/{cid}']")).to_have_count(1)
    assert page.evaluate("window.__pwned === undefined") and dialogs == []
    page.close()
    engine.dispose()


@pytest.mark.parametrize("language", ["en", "nl"])
def test_inbox_pages_fit_a_phone_and_a_desktop(
    sqlite_settings: Settings, live_server: str, browser: Browser, language: str
) -> None:
    engine = seed(sqlite_settings, role="analyst")
    set_language(engine=engine, email=EMAIL, language=language, actor="test")  # the account decides
    long_word = "Voltaro_storing_" * 12
    store(sqlite_settings, engine, 1, f"{COMPLAINT} {long_word} https://x.example/{long_word} {HOSTILE}")
    store(
        sqlite_settings, engine, 2, "Voltaro, ik wil graag een offerte voor zonnepanelen", author="lead_luuk"
    )
    cid = next(
        r.id
        for r in list_conversations(engine=engine, view=View.all, now=now()).rows
        if "laadpaal" in r.subject
    )
    actions.assign(engine=engine, conversation_id=cid, assignee=EMAIL, actor=EMAIL, now=now())
    actions.add_note(
        engine=engine,
        conversation_id=cid,
        body=f"@bob klant belt morgen terug {HOSTILE}",
        actor=EMAIL,
        now=now(),
    )
    actions.tag(engine=engine, conversation_id=cid, add=["laadpaal", "monteur"], actor=EMAIL, now=now())
    setup.save_canned(
        engine=engine,
        actor="test",
        name="Monteur",
        language="nl",
        body="Hoi {first_name}, we sturen een monteur (zaak {case_number}).",
    )
    shots = os.environ.get("INBOX_SHOTS")
    for size, viewport in (("390", PHONE), ("1440", DESKTOP)):
        context = browser.new_context(viewport=viewport, extra_http_headers={"accept-language": language})
        page = context.new_page()
        sign_in(page, live_server)
        for path in (
            "/inbox?view=all",
            f"/inbox/{cid}",
            "/inbox/departments",
            "/inbox/rules",
            "/inbox/canned",
            "/inbox/notifications",
        ):
            answer = page.goto(live_server + path)
            assert answer is not None and answer.status == 200, path
            no_sideways_scroll(page, viewport["width"])
            if shots:
                name = {"/inbox?view=all": "inbox", f"/inbox/{cid}": "conversation"}.get(
                    path, path[1:].replace("/", "-")
                )
                page.screenshot(path=str(Path(shots) / f"{name}-{language}-{size}.png"), full_page=True)
        if size == "390":
            for item in page.locator("header nav a").all():
                box = item.bounding_box()
                assert box is not None and box["x"] + box["width"] <= PHONE["width"], item.inner_text()
        context.close()
    engine.dispose()
