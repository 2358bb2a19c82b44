"""The responsibility matrix in Chromium: the matrix page says what each letter does (Dutch and English),
a reply in a process's conversation waits for its Accountable department (shown as the approver) and is
approved there, the Consulted hear of it in the bell, and a wrong matrix is refused in the reader's
language; at 390 px and 1440 px."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import Browser, Page, ViewportSize, expect

from luister.domain.accounts import Role
from luister.inbox import setup
from luister.inbox.intake import intake
from luister.inbox.tables import conversation_tag, department
from luister.organisation import processes_actions
from luister.services.accounts import create_user, set_language
from luister.services.database import open_database
from luister.settings import Settings
from luister.storage.tables import mention
from replies_helpers import ANNA, MAUD, NOW, PASSWORD, ROOT, add_mention, scene

BEA = "bea@voltaro.example"  # billing's analyst: Accountable
LEO = "leo@voltaro.example"  # legal: Consulted


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def fits(page: Page) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 390
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _world(settings: Settings) -> int:
    engine = open_database(settings=settings)
    scene(engine)
    with engine.begin() as conn:
        conn.execute(
            department.insert().values(key="billing", name_en="Billing", name_nl="Facturen", calendar={})
        )
    for email, role, dept in ((BEA, Role.analyst, "billing"), (LEO, Role.agent, "legal")):
        create_user(engine=engine, email=email, name=email[:3].title(), password=PASSWORD, role=role,
                    department=dept, language="nl" if email == LEO else "en")  # fmt: skip
        setup.set_member(engine=engine, actor="test", department_key=dept, email=email, now=NOW)
    processes_actions.save_process(
        engine=engine, key="billing-complaint", name_nl="Klacht over de factuur", name_en="Billing complaint",
        conditions={"query": "factuur"}, matrix={"customer-service": "R", "billing": "A", "legal": "C"},
        actor=ROOT, now=NOW,
    )  # fmt: skip
    mid = add_mention(engine, "f1", author="klant_bert", text="Mijn factuur <b>klopt</b> niet", thread=None)
    intake(engine=engine, mention_ids=[mid], now=NOW)
    for who in (MAUD, ROOT):
        set_language(engine=engine, email=who, language="nl", actor="test")
    with engine.connect() as conn:
        assert conn.execute(sa.select(mention.c.id)).first() is not None
        cid = int(
            conn.execute(
                sa.select(conversation_tag.c.conversation_id).where(
                    conversation_tag.c.tag == "billing-complaint"
                )
            ).scalar_one()
        )
    engine.dispose()
    return cid


def test_the_matrix_drives_the_inbox_in_chromium(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    cid = _world(sqlite_settings)
    phone: ViewportSize = {"width": 390, "height": 844}
    wide: ViewportSize = {"width": 1440, "height": 900}

    anna = browser.new_context(viewport=phone).new_page()
    sign_in(anna, live_server, ANNA)
    anna.goto(live_server + "/organisation/processes")
    legend = anna.locator(".raci-legend")
    expect(legend).to_contain_text("Accountable: replies in the process's conversations wait for approval")
    expect(legend).to_contain_text("Consulted: its people are notified (the bell)")
    expect(legend).to_contain_text("Informed: the process's themes are in this department's digest.")
    fits(anna)
    anna.goto(f"{live_server}/inbox/{cid}")
    anna.fill("textarea#reply-body", "Sorry, we kijken naar uw factuur.")
    anna.click("text=Send reply")
    state = anna.locator(".draft .draft-state")
    expect(state).to_contain_text("waiting for approval")
    expect(state).to_contain_text("approver: billing (accountable, A)")
    fits(anna)

    maud = browser.new_context(viewport=phone).new_page()  # an approver, Dutch, but not of billing
    sign_in(maud, live_server, MAUD)
    maud.goto(live_server + "/organisation/processes")
    expect(maud.locator(".raci-legend")).to_contain_text(
        "Eindverantwoordelijk: antwoorden in de gesprekken van het proces wachten op goedkeuring"
    )
    fits(maud)
    maud.goto(live_server + "/inbox/approvals")
    expect(maud.locator(".approvals .accountable")).to_have_text(
        "goedkeurder: billing (eindverantwoordelijk, A)"
    )
    expect(maud.locator(".approvals")).to_contain_text(
        "De goedkeurders van de eindverantwoordelijke afdeling"
    )
    expect(maud.locator(".approvals form")).to_have_count(0)  # not hers to decide
    fits(maud)

    leo = browser.new_context(viewport=phone).new_page()  # consulted, Dutch: told in the bell
    sign_in(leo, live_server, LEO)
    leo.goto(live_server + "/inbox/notifications")
    expect(leo.locator("body")).to_contain_text(f"gesprek #{cid} (Klacht over de factuur) is geopend")
    fits(leo)

    root = browser.new_context(viewport=wide).new_page()  # Dutch, across departments
    sign_in(root, live_server, ROOT)
    root.goto(live_server + "/organisation/processes")
    root.fill("input[name=key]", "pers")
    root.fill("input[name=name_nl]", "Persvraag")
    root.fill("input[name=name_en]", "Press question")
    root.fill("input[name=query]", "journalist")
    root.fill("input[name=matrix]", "communications=C")
    root.locator(".policy-form button[type=submit]").click()
    expect(root.locator("p.error")).to_have_text("matrix: precies één afdeling is verantwoordelijk (R)")
    fits(root)

    bea = browser.new_context(viewport=wide).new_page()
    sign_in(bea, live_server, BEA)
    bea.goto(live_server + "/inbox/approvals")
    expect(bea.locator(".approvals .accountable")).to_have_text("approver: billing (accountable, A)")
    fits(bea)
    bea.click("text=Approve and send")  # billing approves a reply in customer service's conversation
    expect(bea.locator(".empty.intro")).to_have_text("No replies wait for approval.")
    anna.goto(f"{live_server}/inbox/{cid}")
    expect(anna.locator(".draft .draft-state")).to_contain_text("sending")
    expect(anna.locator(".draft")).to_contain_text(f"approved by {BEA}")
