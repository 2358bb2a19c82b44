"""The privacy requests page: administrators find, download and erase one person's data in Chromium;
other roles are refused. Mention text is hostile: it is shown escaped."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from luister.connectors.records import FieldMapping
from luister.services.database import open_database
from luister.services.ingest import Pipeline
from luister.settings import Settings
from luister.storage.tables import user_account
from luister.storage.writer import SqlMentionStore
from luister.testing import create_account, raw_item, record, sign_in, signed_in_client


def seed(settings: Settings) -> None:
    engine = open_database(settings=settings)
    items = [
        raw_item(
            record(n, author="anna" if n % 2 else "bram", text=f"<script>alert({n})</script> Voltaro {n}")
        )
        for n in range(4)
    ]
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test").run_batch(items)
    engine.dispose()


def test_only_administrators_see_the_page(sqlite_settings: Settings) -> None:
    client = signed_in_client(sqlite_settings)  # an analyst
    assert client.get("/privacy").status_code == 403
    assert client.get("/privacy/export?channel=mastodon&handle=anna").status_code == 403


def test_find_download_and_erase_in_the_browser(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    create_account(sqlite_settings, role="admin")
    engine = open_database(settings=sqlite_settings)
    with engine.begin() as conn:  # an administrator who reads Dutch
        conn.execute(user_account.update().values(language="nl"))
    engine.dispose()
    seed(sqlite_settings)
    page = browser.new_page()
    sign_in(page, live_server)
    page.click("a[href='/privacy']")
    expect(page.locator("h2")).to_have_text("Privacyverzoeken")
    page.fill("input[name=channel]", "mastodon")
    page.fill("input[name=handle]", "@anna")
    page.click("form.privacy-find button[type=submit]")
    expect(page.locator("table.privacy-mentions tbody tr")).to_have_count(2)
    assert "<script>alert(1)</script>" in page.locator("table.privacy-mentions").inner_text()  # as text
    with page.expect_download() as download:
        page.click("a.download")
    assert download.value.suggested_filename == "luister-privacy-export.zip"
    page.fill("input[name=reference]", "REQ-1")
    page.check("input[name=confirm]")
    page.click("form.privacy-erase button[type=submit]")
    expect(page.locator("p.notice")).to_contain_text("Gewist: 2 vermeldingen")
    expect(page.locator("p.empty")).to_have_text("luister bewaart niets over deze persoon.")
    page.close()
