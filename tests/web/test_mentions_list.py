"""The mention list people expect: count, sort, filters in the form, highlights, saved searches, bulk work."""

from __future__ import annotations

import re

import pytest

from luister.connectors.records import FieldMapping
from luister.listening.counting import count_list
from luister.services.accounts import set_language
from luister.services.database import open_database
from luister.services.ingest import Pipeline
from luister.services.mentions import search_mentions
from luister.settings import Settings
from luister.storage.writer import SqlMentionStore
from luister.testing import EMAIL, raw_item, record, signed_in_client

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
