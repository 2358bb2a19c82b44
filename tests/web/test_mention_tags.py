"""The tags page (/mentions/tags): tags with their counts, rename, merge, delete after a confirm step;
escaped, audited, in Dutch and English, at 390 and 1440 px."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser
from test_mentions_list import seed

from luister.domain.accounts import Role
from luister.domain.mention_filter import MentionFilter
from luister.listening.actions import tag_mentions
from luister.services.accounts import set_language, set_role
from luister.services.audit import entries
from luister.services.database import open_database
from luister.services.mentions import search_mentions
from luister.settings import Settings
from luister.testing import EMAIL, create_account, sign_in, signed_in_client

HOSTILE = "<script>x</script>"
LONG = "heel-lang-label-zonder-spaties-0123456789"[:40]


def tag(settings: Settings, tags: dict[str, range]) -> list[int]:
    """Put each tag on the mentions at those positions of the list (newest first); their ids."""
    engine = open_database(settings=settings)
    ids = [m.id for m in search_mentions(engine=engine).mentions]
    for name, positions in tags.items():
        tag_mentions(engine=engine, mention_ids=[ids[n] for n in positions], tag=name, actor="t",
                     now=datetime(2026, 12, 7, tzinfo=UTC))  # fmt: skip
    engine.dispose()
    return ids


def tagged(settings: Settings, name: str) -> int:
    engine = open_database(settings=settings)
    try:
        return len(search_mentions(engine=engine, filters=MentionFilter(tag=name)).mentions)
    finally:
        engine.dispose()


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_rename_merge_and_delete_after_confirming(settings: Settings) -> None:
    seed(settings)
    tag(settings, {"klacht": range(0, 4), "klachten": range(3, 6), HOSTILE: range(6, 8)})
    client = signed_in_client(settings)
    assert 'href="/mentions/tags"' in client.get("/mentions").text  # linked from the list
    page = client.get("/mentions/tags").text
    assert HOSTILE not in page and "&lt;script&gt;x&lt;/script&gt;</a>" in page
    assert re.findall(r'class="chip tag" href="/mentions\?tag=([^"]+)">', page) == [
        "%3Cscript%3Ex%3C/script%3E", "klacht", "klachten"
    ]  # fmt: skip
    counts = re.findall(r'<span class="muted">(\d+) mentions</span>', page)
    assert counts == ["2", "4", "3"]
    csrf = csrf_of(page)

    renamed = client.post("/mentions/tags/rename", data={"csrf": csrf, "tag": "klacht", "to": "te laat"},
                          follow_redirects=False)  # fmt: skip
    assert renamed.headers["location"] == "/mentions/tags?done=renamed"
    assert tagged(settings, "te laat") == 4 and tagged(settings, "klacht") == 0
    taken = client.post("/mentions/tags/rename", data={"csrf": csrf, "tag": "te laat", "to": "klachten"},
                        follow_redirects=False)  # fmt: skip
    assert taken.headers["location"] == "/mentions/tags?problem=tag_taken"
    assert "merge into it instead" in client.get(taken.headers["location"]).text

    merged = client.post("/mentions/tags/merge", data={"csrf": csrf, "tag": "klachten", "into": "te laat"},
                         follow_redirects=False)  # fmt: skip
    assert merged.headers["location"] == "/mentions/tags?done=merged"
    assert tagged(settings, "te laat") == 6 and tagged(settings, "klachten") == 0

    asked = client.post("/mentions/tags/delete", data={"csrf": csrf, "tag": HOSTILE}, follow_redirects=False)
    assert asked.headers["location"] == "/mentions/tags?delete=%3Cscript%3Ex%3C%2Fscript%3E"
    assert tagged(settings, HOSTILE) == 2  # not yet: the page asks first
    confirm = client.get(asked.headers["location"]).text
    assert "Delete the tag &lt;script&gt;x&lt;/script&gt;?" in confirm and "taken off 2 mentions" in confirm
    deleted = client.post("/mentions/tags/delete", data={"csrf": csrf, "tag": HOSTILE, "confirm": "yes"},
                          follow_redirects=False)  # fmt: skip
    assert deleted.headers["location"] == "/mentions/tags?done=deleted"
    assert tagged(settings, HOSTILE) == 0
    engine = open_database(settings=settings)
    actions = [e.action for e in entries(engine=engine, actor=EMAIL) if e.action.startswith("mention_tag.")]
    engine.dispose()
    assert actions == ["mention_tag.delete", "mention_tag.merge", "mention_tag.rename"]

    rename = {"csrf": csrf, "tag": HOSTILE, "to": "x"}
    for gone in (client.get("/mentions/tags", params={"delete": HOSTILE}),
                 client.post("/mentions/tags/rename", data=rename)):  # fmt: skip
        assert gone.status_code == 404 and "No mention has this tag (any more)." in gone.text


def test_a_viewer_reads_the_tags_but_changes_none(sqlite_settings: Settings) -> None:
    seed(sqlite_settings)
    tag(sqlite_settings, {"klacht": range(0, 2)})
    client = signed_in_client(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    set_role(engine=engine, email=EMAIL, role=Role.viewer, actor="cli")
    engine.dispose()
    page = client.get("/mentions/tags").text
    assert ">klacht</a>" in page and "/mentions/tags/rename" not in page and "delete=" not in page
    csrf = csrf_of(client.get("/mentions").text)
    for what, form in (("rename", {"to": "x"}), ("merge", {"into": "y"}), ("delete", {"confirm": "yes"})):
        answer = client.post(f"/mentions/tags/{what}", data={"csrf": csrf, "tag": "klacht", **form})
        assert answer.status_code == 403
    assert client.get("/mentions/tags", params={"delete": "klacht"}).status_code == 403
    assert tagged(sqlite_settings, "klacht") == 2


@pytest.mark.parametrize("width", [390, 1440])
def test_in_chromium_in_dutch(
    browser: Browser, live_server: str, sqlite_settings: Settings, width: int
) -> None:
    seed(sqlite_settings)
    tag(sqlite_settings, {"klacht": range(0, 5), "prijs": range(4, 9), LONG: range(9, 10)})
    create_account(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="cli")
    engine.dispose()
    page = browser.new_page(viewport={"width": width, "height": 900})
    sign_in(page, live_server)
    page.goto(live_server + "/mentions")
    page.click("a:has-text('Labels op vermeldingen')")
    page.wait_for_url(re.compile(r".*/mentions/tags$"))
    assert page.locator(".tag-head .muted").all_inner_texts() == ["1 vermelding", "5 vermeldingen",
                                                                 "5 vermeldingen"]  # fmt: skip
    assert page.evaluate("document.documentElement.scrollWidth") == width
    page.screenshot(path=f"/tmp/labels-tags-{width}.png", full_page=True)

    def card(name: str):  # type: ignore[no-untyped-def]
        return page.locator(".tag-list li").filter(has=page.locator(f".tag-head a:text-is('{name}')"))

    item = card("klacht")
    item.locator("select[name=into]").select_option("prijs")
    item.locator("button:has-text('Samenvoegen')").click()
    page.wait_for_url(re.compile(r".*done=merged"))
    assert "De labels zijn samengevoegd." in page.locator("main").inner_text()
    assert page.locator(".tag-head .muted").all_inner_texts() == ["1 vermelding", "9 vermeldingen"]
    card("prijs").locator("button:has-text('Verwijderen')").click()
    page.wait_for_url(re.compile(r".*delete=prijs"))
    assert "Het label prijs verwijderen?" in page.locator(".confirm-delete").inner_text()
    assert "van 9 vermeldingen af" in page.locator(".confirm-delete").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") == width
    page.screenshot(path=f"/tmp/labels-confirm-{width}.png", full_page=True)
    page.click("button:has-text('Label verwijderen')")
    page.wait_for_url(re.compile(r".*done=deleted"))
    assert page.locator(".tag-head .muted").all_inner_texts() == ["1 vermelding"]
    page.goto(live_server + "/mentions/tags?delete=prijs")
    assert "Geen enkele vermelding heeft (nog) dit label." in page.locator("main").inner_text()
    page.close()
