"""The mention list people expect: count, sort, filters in the form, highlights, saved searches, bulk work."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser

from luister.connectors.records import FieldMapping
from luister.listening.counting import count_list
from luister.services.accounts import set_language
from luister.services.database import open_database
from luister.services.ingest import Pipeline
from luister.services.mentions import search_mentions
from luister.settings import Settings
from luister.storage.writer import SqlMentionStore
from luister.testing import EMAIL, create_account, raw_item, record, sign_in, signed_in_client

N = 30


def seed(settings: Settings) -> None:
    engine = open_database(settings=settings)
    items = [
        raw_item(record(n, text=f"bericht {n} over voltaro" if n % 2 else f"bericht {n} over stroomwijs",
                        followers=n % 4, likes=n % 3, shares=n % 2, channel="mastodon" if n % 3 else "reddit",
                        country="NL" if n % 5 else "BE", lang="nl" if n % 4 else "en"), f"line {n}")
        for n in range(N)
    ]  # fmt: skip
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="t").run_batch(items)
    engine.dispose()


@pytest.mark.parametrize("query", [None, "voltaro", "bericht -stroomwijs"])
@pytest.mark.parametrize("sort", ["newest", "reach", "engagement"])
def test_keyset_paging_is_complete_and_ordered_per_sort_over_ties(
    settings: Settings, sort: str, query: str | None
) -> None:
    seed(settings)
    engine = open_database(settings=settings)
    seen, before = [], None
    while True:
        page = search_mentions(engine=engine, query=query, sort=sort, before=before, limit=4)
        seen += page.mentions
        if page.next_before is None:
            break
        before = page.next_before
    key = {"newest": lambda m: (m.published_at, m.id), "reach": lambda m: (m.author_followers or 0, m.id),
           "engagement": lambda m: (m.engagement, m.id)}[sort]  # fmt: skip
    expected = search_mentions(engine=engine, query=query, limit=1000).mentions
    assert len(seen) == len({m.id for m in seen}) == len(expected) == (N if query is None else N // 2)
    assert [key(m) for m in seen] == sorted((key(m) for m in expected), reverse=True)
    if sort != "newest":  # ties are many: 4 reach values, 4 engagement values over 30 mentions
        assert len({key(m)[0] for m in seen}) <= 4
    count = count_list(engine=engine, query=query)
    assert (count.count, count.capped) == (len(expected), False)
    assert count_list(engine=engine, query=query, cap=5).capped
    with pytest.raises(ValueError):  # another sort's cursor is not this one's
        search_mentions(engine=engine, sort="reach" if sort == "newest" else "newest", before=before or "1.1")
    engine.dispose()


def test_count_and_sort_on_the_page(settings: Settings) -> None:
    seed(settings)
    client = signed_in_client(settings)
    page = client.get("/mentions", params={"q": "voltaro", "sort": "reach"})
    assert page.status_code == 200
    assert re.search(r'class="result-count"[^>]*><strong>15</strong> mentions', page.text)
    followers = [int(n) for n in re.findall(r"bericht (\d+) over", page.text)]
    assert [n % 4 for n in followers] == sorted((n % 4 for n in followers), reverse=True)
    assert '<option value="reach" selected>' in page.text


def test_filters_in_the_form_and_invalid_dates(settings: Settings) -> None:
    seed(settings)
    client = signed_in_client(settings)
    params = {
        "channel": "reddit",
        "country": "NL",
        "language": "nl",
        "since": "2020-01-01",
        "until": "2999-01-01",
    }
    page = client.get("/mentions", params=params)
    found = sorted(int(n) for n in re.findall(r"bericht (\d+) over", page.text))
    assert found == [n for n in range(N) if n % 3 == 0 and n % 5 and n % 4]
    assert 'name="channel" value="reddit"' in page.text and 'type="date" value="2020-01-01"' in page.text
    assert 'class="chip"' not in page.text  # in the form now, not chips
    bad = client.get("/mentions", params={"since": "7 december"})
    assert bad.status_code == 400 and "7 december is not a date: write it as YYYY-MM-DD." in bad.text
    assert 'name="since" type="text" value="7 december" aria-invalid="true"' in bad.text
    backwards = client.get("/mentions", params={"since": "2026-02-01", "until": "2026-01-01"})
    assert backwards.status_code == 400 and "must come after its start" in backwards.text
    engine = open_database(settings=settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="cli")
    engine.dispose()
    dutch = client.get("/mentions", params={"until": "31-12-2026"})
    assert "31-12-2026 is geen datum: schrijf die als JJJJ-MM-DD." in dutch.text


def test_matched_terms_are_marked_and_hostile_text_stays_inert() -> None:
    from luister.web.context import linked
    from luister.web.highlight import highlight_terms

    marks = highlight_terms('voltaro "ligt eruit" klant* -prijs #storing')
    text = ('Vóltaro <script>alert(1)</script> ligt  eruit, klanten boos; prijs #storing '
            'javascript:alert(1) https://x.example/voltaro?a=<b> ')  # fmt: skip
    html = str(linked(text, marks))
    assert html.startswith(
        "<mark>Vóltaro</mark> &lt;script&gt;alert(1)&lt;/script&gt; <mark>ligt  eruit</mark>"
    )
    assert (
        "<mark>klanten</mark>" in html
        and "<mark>prijs</mark>" not in html
        and "<mark>#storing</mark>" in html
    )
    assert "<script>" not in html and 'href="javascript' not in html
    assert (
        '<a href="https://x.example/voltaro?a=" rel="nofollow noopener noreferrer ugc" target="_blank">'
        in html
    )
    assert highlight_terms("NOT voltaro") is None and highlight_terms("voltaro AND (") is None
    assert (
        str(linked("<mark>x</mark>", highlight_terms("mark")))
        == "&lt;<mark>mark</mark>&gt;x&lt;/<mark>mark</mark>&gt;"
    )


def test_the_page_marks_terms_and_links_the_original(sqlite_settings: Settings) -> None:
    seed(sqlite_settings)
    page = signed_in_client(sqlite_settings).get("/mentions", params={"q": "voltaro"}).text
    assert page.count("<mark>voltaro</mark>") == 15
    assert page.count('class="original" href="https://mastodon.example/') == 15


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_saved_searches_are_per_person_and_open_list_and_delete(settings: Settings) -> None:
    from luister.domain.accounts import Role
    from luister.listening.read import saved_searches
    from luister.services.accounts import create_user, get_user

    seed(settings)
    client = signed_in_client(settings)
    page = client.get(
        "/mentions", params={"q": "voltaro", "channel": "reddit", "sort": "reach", "before": "r1.1"}
    )
    here = re.search(r'name="query" value="([^"]+)"', page.text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    form = {
        "csrf": csrf_of(page.text),
        "name": "  Storingen <b>reddit</b> ",
        "query": here + "&before=r1.1&x=1",
    }
    assert client.post("/mentions/saved", data={**form, "csrf": "wrong"}).status_code == 403
    saved = client.post("/mentions/saved", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=saved")
    listed = client.get(saved.headers["location"]).text
    assert "The search is saved." in listed
    assert (
        '<a href="/mentions?q=voltaro&amp;channel=reddit&amp;sort=reach">'
        "Storingen &lt;b&gt;reddit&lt;/b&gt;</a>" in listed
    )
    again = client.post("/mentions/saved", data={**form, "query": "q=stroomwijs"}, follow_redirects=False)
    assert again.status_code == 303  # the same name replaces
    engine = open_database(settings=settings)
    me = get_user(engine=engine, email=EMAIL)
    mine = saved_searches(engine=engine, user_id=me.id)
    assert [(s.name, s.query_string) for s in mine] == [("Storingen <b>reddit</b>", "q=stroomwijs")]
    secret = "een lang wachtwoord 42!"
    other = create_user(
        engine=engine, email="ander@example.org", name="Ander", password=secret, role=Role.analyst
    )
    assert saved_searches(engine=engine, user_id=other.id) == []
    nameless = client.post("/mentions/saved", data={**form, "name": " "}, follow_redirects=False)
    assert "problem=no_name" in nameless.headers["location"]
    assert "Give the search a name." in client.get(nameless.headers["location"]).text
    token = csrf_of(listed)
    assert client.post(f"/mentions/saved/{mine[0].id + 1000}/delete", data={"csrf": token}).status_code == 404
    gone = client.post(f"/mentions/saved/{mine[0].id}/delete", data={"csrf": token}, follow_redirects=False)
    assert gone.status_code == 303 and saved_searches(engine=engine, user_id=me.id) == []
    engine.dispose()


def test_bulk_export_and_correction_of_the_selected(settings: Settings) -> None:
    from luister.services.corrections import corrected_mentions
    from luister.services.mentions import mentions_by_id

    seed(settings)
    client = signed_in_client(settings)
    page = client.get("/mentions", params={"q": "voltaro"}).text
    ids = re.findall(r'name="id" value="(\d+)"', page)[:3]
    token = csrf_of(page)
    export = client.post(
        "/mentions/bulk", data={"csrf": token, "action": "export", "id": ids, "back": "q=voltaro"}
    )
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = export.text.strip().splitlines()
    assert rows[0].startswith("id,published_at") and sorted(r.split(",")[0] for r in rows[1:]) == sorted(ids)
    none = client.post("/mentions/bulk", data={"csrf": token, "action": "export"}, follow_redirects=False)
    assert "problem=none_selected" in none.headers["location"]
    form = {
        "csrf": token,
        "action": "correct",
        "id": ids,
        "sentiment": "negative",
        "intent": "",
        "back": "q=voltaro",
    }
    fixed = client.post("/mentions/bulk", data=form, follow_redirects=False)
    assert fixed.status_code == 303 and fixed.headers["location"] == "/mentions?q=voltaro&done=corrected"
    engine = open_database(settings=settings)
    assert {m.sentiment for m in mentions_by_id(engine=engine, ids=[int(i) for i in ids])} == {"negative"}
    assert len(corrected_mentions(engine=engine)) == 3
    engine.dispose()
    form = {"csrf": token, "action": "export", "id": ids, "back": "https://evil.example/"}
    outside = client.post("/mentions/bulk", data=form, follow_redirects=False)
    assert outside.status_code == 200
    form = {"csrf": token, "action": "correct", "id": ids, "back": "//evil.example"}
    nothing = client.post("/mentions/bulk", data=form, follow_redirects=False)
    assert nothing.headers["location"] == "/mentions?problem=no_label"


@pytest.mark.parametrize("width", [390, 1440])
def test_in_chromium_in_dutch_filter_sort_save_and_export(
    browser: Browser, live_server: str, sqlite_settings: Settings, width: int
) -> None:
    seed(sqlite_settings)
    create_account(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="cli")
    engine.dispose()
    page = browser.new_page(viewport={"width": width, "height": 900}, accept_downloads=True)
    sign_in(page, live_server)
    page.goto(live_server + "/mentions")
    assert page.locator(".result-count").inner_text() == f"{N} vermeldingen"
    page.fill("input[name=q]", "voltaro")
    page.fill("input[name=channel]", "reddit")
    page.select_option("select[name=sort]", "reach")
    page.click(".mention-filters button[type=submit]")
    page.wait_for_url(re.compile(r".*sort=reach"))
    expected = [n for n in range(N) if n % 2 and n % 3 == 0]
    assert page.locator(".result-count").inner_text() == f"{len(expected)} vermeldingen"
    followers = [int(t.split()[1]) % 4 for t in page.locator(".mentions .text").all_inner_texts()]
    assert followers == sorted(followers, reverse=True) and len(followers) == len(expected)
    assert page.locator(".mentions mark").first.inner_text() == "voltaro"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.click("summary:has-text('Opgeslagen zoekopdrachten (0)')")
    page.fill("input[name=name]", "Reddit op bereik")
    page.click("button:has-text('Deze zoekopdracht opslaan')")
    page.wait_for_url(re.compile(r".*done=saved"))
    assert "De zoekopdracht is opgeslagen." in page.locator("main").inner_text()
    page.goto(live_server + "/mentions")
    page.click("a:has-text('Reddit op bereik')")
    page.wait_for_url(re.compile(r".*channel=reddit.*sort=reach"))
    page.check("[data-select-all]")
    assert page.locator("input[name=id]:checked").count() == len(expected)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    with page.expect_download() as download:
        page.click("button:has-text('Selectie exporteren (CSV)')")
    rows = open(download.value.path(), encoding="utf-8").read().strip().splitlines()  # noqa: PTH123, SIM115
    assert len(rows) == len(expected) + 1 and all("voltaro" in row for row in rows[1:])
    page.close()


def test_bulk_tagging_and_the_tag_filter(settings: Settings) -> None:
    from luister.domain.accounts import Role
    from luister.services.accounts import set_role

    seed(settings)
    client = signed_in_client(settings)
    page = client.get("/mentions", params={"q": "stroomwijs"}).text
    ids = re.findall(r'name="id" value="(\d+)"', page)[:2]
    form = {
        "csrf": csrf_of(page),
        "action": "tag",
        "id": ids,
        "tag": " <script>x</script>  klacht ",
        "back": "",
    }
    tagged = client.post("/mentions/bulk", data=form, follow_redirects=False)
    assert tagged.status_code == 303 and tagged.headers["location"] == "/mentions?done=tagged"
    assert (
        client.post("/mentions/bulk", data=form, follow_redirects=False).status_code == 303
    )  # again: kept once
    listed = client.get("/mentions", params={"tag": "<script>x</script> klacht"}).text
    assert re.search(r'class="result-count"[^>]*><strong>2</strong>', listed)
    assert sorted(re.findall(r'name="id" value="(\d+)"', listed)) == sorted(ids)
    assert listed.count('class="chip tag" href="/mentions?tag=%3Cscript%3Ex%3C/script%3E%20klacht">') == 2
    assert "<script>x" not in listed and "&lt;script&gt;x&lt;/script&gt; klacht</a>" in listed
    empty = client.post("/mentions/bulk", data={**form, "tag": "  "}, follow_redirects=False)
    assert empty.headers["location"] == "/mentions?problem=no_tag"
    engine = open_database(settings=settings)
    set_role(engine=engine, email=EMAIL, role=Role.viewer, actor="cli")
    engine.dispose()
    assert client.post("/mentions/bulk", data={**form, "tag": "ander"}).status_code == 403
    assert client.post("/mentions/bulk", data={**form, "action": "export"}).status_code == 200
