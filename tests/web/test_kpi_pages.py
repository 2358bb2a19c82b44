"""The goals and KPI pages: the goal tree with KPI cards (value, interval, target, status as colour and
text, forecast, owner), a KPI's chart and table with its formula, version and drill-down link, the forms to
add goals, KPIs and targets and to import a CSV (with its line problems), in English and Dutch, hostile
names escaped, viewers without forms; in Chromium at 390 and 1440 px, following a KPI to its drill-down."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect
from sqlalchemy.engine import Engine
from test_responsive import check_phone_layout

from kpi_world import NOW, goals, world
from luister.app import create_app
from luister.domain.accounts import Role
from luister.kpis import actions
from luister.kpis.status import PeriodKind, period_at, periods_until
from luister.runtime import Runtime
from luister.services.accounts import create_user
from luister.services.database import open_database
from luister.settings import Settings
from luister.testing import PASSWORD, create_account, sign_in

HOSTILE = '<script>alert("x")</script> Reputatie'


def _client(settings: Settings, engine: Engine, role: Role, language: str = "en") -> TestClient:
    email = f"{role.value}-pages@voltaro.example"
    create_user(engine=engine, email=email, name=role.value, password=PASSWORD, role=role, language=language)
    client = TestClient(create_app(Runtime(settings, engine=engine, clock=lambda: NOW)))
    client.headers["Accept-Language"] = language
    token = _csrf(client.get("/login").text)
    done = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf": token, "next": "/"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return client


def _csrf(text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def test_the_goal_tree_and_a_kpi_page(settings: Settings, engine: Engine) -> None:
    world(engine)
    ids = goals(engine)
    actions.create_goal(engine=engine, name=HOSTILE, actor="test", parent_id=ids["goal"])
    client = _client(settings, engine, Role.admin)
    page = client.get("/goals")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text
    card = page.text[page.text.index(f'data-kpi="{ids["sov"]}"') :].split("</article>")[0]
    assert "50 %" in card and "on track" in card and "#1b7f3b" in card  # the status as colour and text
    assert "45 %" in card and "share_of_voice/mentions@1.0" in card
    drill = unescape(re.search(r'class="kpi-value" href="([^"]+)"', card).group(1))  # type: ignore[union-attr]
    assert drill.startswith("/mentions?topic=Voltaro&since=2026-11-30T23")
    assert client.get(drill).status_code == 200
    leads = page.text[page.text.index(f'data-kpi="{ids["leads"]}"') :].split("</article>")[0]
    assert "at risk" in leads and "<dd>18 <span" in leads  # forecast 2 / (85/744) = 17.5, a count
    assert 'action="/goals/kpis"' in page.text and 'action="/kpis/targets"' in page.text

    detail = client.get(f"/kpis/{ids['sov']}")
    assert detail.status_code == 200
    assert "share_of_voice/mentions@1.0" in detail.text and "Wilson" in detail.text
    rows = re.findall(r"<tr><td><a href=\"([^\"]+)\">(\d{4}-\d\d)</a>", detail.text)
    assert [label for _, label in rows] == [p.label() for p in periods_until(PeriodKind.month, NOW, 12)]
    assert '"customdata"' in detail.text and "Stroomwijs" in detail.text  # the chart, the breakdown
    assert client.get("/kpis/99999").status_code == 404
    assert client.get("/goals", params={"period": "decade"}).status_code == 400

    dutch = _client(settings, engine, Role.analyst, "nl")
    nl = dutch.get("/goals").text
    assert ">Doelen<" in nl and "op koers" in nl and "Streefcijfer" in nl and "50%" in nl
    assert "Formule" in dutch.get(f"/kpis/{ids['sov']}").text


def test_forms_add_goals_kpis_targets_and_imports(settings: Settings, engine: Engine) -> None:
    world(engine)
    ids = goals(engine)
    client = _client(settings, engine, Role.analyst)
    token = _csrf(client.get("/goals").text)
    made = client.post(
        "/goals",
        data={"csrf": token, "name": "Lower service cost", "parent": str(ids["goal"])},
        follow_redirects=False,
    )
    assert made.status_code == 303
    again = client.post("/goals", data={"csrf": token, "name": "Lower service cost"})
    assert again.status_code == 400 and "is taken" in again.text
    kpi = client.post(
        "/goals/kpis",
        data={
            "csrf": token,
            "goal": str(ids["goal"]),
            "key": "nps",
            "name": "NPS",
            "series": "nps",
            "unit": "score",
            "direction": "up",
        },
        follow_redirects=False,
    )
    assert kpi.status_code == 303, kpi.text
    path = kpi.headers["location"]
    kpi_id = int(path.rsplit("/", 1)[1])
    page = client.get(path).text
    assert 'action="/kpis/' + str(kpi_id) + '/import"' in page
    sov_form = client.post(
        "/goals/kpis",
        data={
            "csrf": token,
            "goal": str(ids["goal"]),
            "key": "sov2",
            "name": "SoV",
            "formula": "share_of_voice:reach",
            "topics": "Voltaro",
        },
    )
    assert sov_form.status_code == 400 and "competitor" in sov_form.text

    target = client.post(
        "/kpis/targets",
        data={
            "csrf": token,
            "kpi": str(kpi_id),
            "back": "kpi",
            "period_kind": "month",
            "period_start": "2026-12-01",
            "value": "40",
        },
        follow_redirects=False,
    )
    assert target.status_code == 303 and target.headers["location"] == path
    wrong = client.post(
        "/kpis/targets",
        data={
            "csrf": token,
            "kpi": str(kpi_id),
            "period_kind": "month",
            "period_start": "2026-12-01",
            "value": "40 %",
        },
    )
    assert wrong.status_code == 400 and "percent" in wrong.text

    csv = "period;value\n2026-11;31\nsoon;3\n2026-12;35,5\n".encode("utf-8-sig")
    done = client.post(
        f"/kpis/{kpi_id}/import", data={"csrf": token}, files={"file": ("nps.csv", csv, "text/csv")}
    )
    assert done.status_code == 200 and "2 rows stored, 1 with a problem." in done.text
    assert "line 3" in done.text
    shown = client.get(path).text
    assert "35.5" in shown and "off track" in shown  # 35.5 against a target of 40, with the month's trend
    nothing = client.post(
        f"/kpis/{kpi_id}/import",
        data={"csrf": token},
        files={"file": ("x.csv", b"when,what\nsoon,1\n", "text/csv")},
    )
    assert nothing.status_code == 400 and "0 rows stored" in nothing.text

    viewer = _client(settings, engine, Role.viewer)
    seen = viewer.get("/goals").text
    assert 'action="/goals"' not in seen and "Lower service cost" in seen
    refused = viewer.post("/goals", data={"csrf": _csrf(seen), "name": "Mine"})
    assert refused.status_code == 403


def test_goals_in_chromium_on_a_phone_and_a_desktop(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    engine = open_database(settings=sqlite_settings)
    create_account(sqlite_settings, role="admin")
    world(engine)
    ids = goals(engine)
    now = datetime.now(UTC)  # the live server's clock is the real one
    month = period_at(PeriodKind.month, now)
    actions.set_target(
        engine=engine,
        kpi_id=ids["customers"],
        period_kind="month",
        period_start=month.start,
        value=10,
        actor="test",
    )
    rows = "\n".join(
        f"{p.start.isoformat()},{5 + n}" for n, p in enumerate(periods_until(PeriodKind.month, now, 6))
    )
    actions.import_points(engine=engine, key="new_customers", data=rows.encode(), actor="test", now=now)
    engine.dispose()
    for width, height in ((390, 844), (1440, 900)):
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in(page, live_server)
        page.click("header nav >> text=Goals")
        expect(page.locator("h2")).to_have_text("Goals")
        expect(page.locator(f'[data-kpi="{ids["customers"]}"] .status')).to_have_text("on track")
        if width == 390:
            check_phone_layout(page, "/goals")
        else:
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.click(f'[data-kpi="{ids["customers"]}"] h4 a')
        page.wait_for_url(f"**/kpis/{ids['customers']}")
        expect(page.locator("[data-chart=values]")).to_have_attribute("data-ready", "yes")
        assert page.locator("table.kpi-table tbody tr").count() == 12
        if width == 390:
            check_phone_layout(page, f"/kpis/{ids['customers']}")
        page.goto(live_server + "/goals")
        page.click(f'[data-kpi="{ids["sov"]}"] h4 a')
        page.click("a.drill-link")
        page.wait_for_url("**/mentions?topic=Voltaro*")
        expect(page.locator("main")).to_be_visible()
        page.close()
