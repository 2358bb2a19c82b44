"""One department rule for alerts: a department's overview, its Alerts page and the API list the same
alerts, however many alerts other departments have (the overview used to filter 50 fetched ones)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from api_helpers import Api, seed

from luister.alerts.actions import open_past_alerts, save_rule
from luister.alerts.model import Finding, RuleKind
from luister.alerts.texts import message
from luister.domain.accounts import Role
from luister.domain.topics import TopicKind
from luister.services.accounts import create_user
from luister.services.api_tokens import create_token
from luister.services.topics import save_topic
from luister.testing import PASSWORD

START = datetime(2026, 11, 1, 8, tzinfo=UTC)


def alerts_on(api: Api, topic: str, count: int, start: datetime) -> list[int]:
    rule = save_rule(engine=api.engine, actor="test", name=f"{topic} intent", kind=RuleKind.intent,
                     intent="complaint", topic_name=topic)  # fmt: skip
    found = []
    for n in range(count):
        finding = Finding(count=3, message=message("intent", subject=topic, count=3, intent="complaint"),
                          summary="", sample_ids=())  # fmt: skip
        at = start + timedelta(minutes=n)
        found.append((rule, finding, at, at))
    return open_past_alerts(engine=api.engine, actor="test", found=found)


def test_a_small_department_sees_the_same_alerts_on_its_overview_alerts_page_and_api(api: Api) -> None:
    save_topic(engine=api.engine, name="Claims", kind=TopicKind.other, query="advocaat", department="legal")
    save_topic(
        engine=api.engine, name="Zomer", kind=TopicKind.campaign, query="zomer", department="marketing"
    )
    seed(api.settings, api.engine, count=3, analyse=False)  # the overview shows its alerts beside mentions
    legal = alerts_on(api, "Claims", 3, START)
    alerts_on(api, "Zomer", 60, START + timedelta(days=1))  # newer, and more than a page of them
    create_user(engine=api.engine, email="lea@voltaro.example", name="Lea", password=PASSWORD,
                role=Role.agent, department="legal")  # fmt: skip
    token = create_token(engine=api.engine, email="lea@voltaro.example", name="t").secret

    listed = api.client.get("/api/v1/alerts", headers={"Authorization": f"Bearer {token}"}).json()
    assert sorted(a["id"] for a in listed) == sorted(legal)

    web = api.client
    form = web.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    login = {"email": "lea@voltaro.example", "password": PASSWORD, "csrf": csrf.group(1), "next": "/"}
    signed = web.post("/login", data=login, follow_redirects=False)
    assert signed.status_code == 303, signed.text
    link = re.compile(r'href="/alerts/(\d+)"')
    shown_on = {page: set(map(int, link.findall(web.get(page).text))) for page in ("/alerts", "/")}
    assert shown_on["/alerts"] == set(legal) == shown_on["/"]
    assert web.get(f"/alerts/{max(legal) + 1}").status_code == 404  # marketing's: as if it did not exist
