"""Departments scope topics: people of a department see and change the company's topics and their own."""

from __future__ import annotations

from api_helpers import Api

from luister.domain.accounts import EVERYTHING, Role, scope_of
from luister.domain.topics import TopicKind
from luister.services.accounts import create_user
from luister.services.api_tokens import create_token
from luister.services.topics import list_topics, save_topic
from luister.storage.secrets import Cipher


def test_the_scope_rule() -> None:
    marketing = scope_of(Role.analyst, "marketing")
    assert marketing.sees(None) and marketing.sees("") and marketing.sees("marketing")
    assert not marketing.sees("legal") and not scope_of(Role.viewer, "sales").sees("legal")
    assert scope_of(Role.admin, "marketing") is EVERYTHING and scope_of(Role.analyst, None).sees("legal")


def test_a_department_analyst_keeps_to_its_topics(api: Api) -> None:
    save_topic(engine=api.engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    save_topic(engine=api.engine, name="Claims", kind=TopicKind.other, query="advocaat", department="legal")
    address = "mia@voltaro.example"
    create_user(engine=api.engine, email=address, name="Mia", password="a long and secret passphrase",
                role=Role.analyst, department="marketing")  # fmt: skip
    mia = {"Authorization": f"Bearer {create_token(engine=api.engine, email=address, name='t').secret}"}
    seen = [t["name"] for t in api.client.get("/api/v1/topics", headers=mia).json()]
    assert seen == ["Voltaro"]
    assert api.client.get("/api/v1/topics/Claims", headers=mia).status_code == 404
    body = {"kind": "other", "query": "advocaat OR rechter", "department": "legal"}
    assert api.client.put("/api/v1/topics/Claims", headers=mia, json=body).status_code == 404
    assert api.client.delete("/api/v1/topics/Claims", headers=mia).status_code == 404
    created = api.client.post("/api/v1/topics", headers=mia, json={"name": "Zomer", "query": "zomeractie",
                                                                    "department": "legal"})  # fmt: skip
    assert created.status_code == 201 and created.json()["department"] == "marketing"  # always their own
    assert {t["name"] for t in api.get("/api/v1/topics").json()} == {"Voltaro", "Claims", "Zomer"}  # admin
    assert {t.name: t.department for t in list_topics(engine=api.engine)}["Claims"] == "legal"


def test_another_department_topic_cannot_be_asked_for(api: Api) -> None:
    save_topic(engine=api.engine, name="Claims", kind=TopicKind.other, query="advocaat", department="legal")
    address = "sam@voltaro.example"
    create_user(engine=api.engine, email=address, name="Sam", password="a long and secret passphrase",
                role=Role.viewer, department="sales")  # fmt: skip
    sam = {"Authorization": f"Bearer {create_token(engine=api.engine, email=address, name='t').secret}"}
    for url in ("/api/v1/mentions", "/api/v1/analytics/overview"):
        refused = api.client.get(url, headers=sam, params={"topic": "Claims"})
        assert refused.status_code == 422 and "no topic named" in refused.text
        assert api.get(url, params={"topic": "Claims"}).status_code == 200  # the admin may


def test_the_sql_form_of_the_rule_agrees_with_the_rule(api: Api) -> None:
    owners = [None, "", "legal", "marketing", "sales"]
    for n, owner in enumerate(owners):
        save_topic(engine=api.engine, name=f"t{n}", kind=TopicKind.other, query=f"woord{n}",
                   department=owner if owner is not None else None)  # fmt: skip
    everything = list_topics(engine=api.engine)
    for role, department in [(Role.analyst, "legal"), (Role.viewer, "sales"), (Role.admin, "legal"),
                             (Role.agent, None), (Role.agent, "nobody")]:  # fmt: skip
        scope = scope_of(role, department)
        expected = [t.name for t in everything if scope.sees(t.department)]
        assert [t.name for t in list_topics(engine=api.engine, scope=scope)] == expected


def test_pages_and_api_share_the_period_bounds(api: Api) -> None:
    from luister.domain.periods import MAX_DAYS

    assert api.get("/api/v1/analytics/overview", params={"days": MAX_DAYS}).status_code == 200
    assert api.get("/api/v1/analytics/overview", params={"days": MAX_DAYS + 1}).status_code == 422
    too_long = {"since": "2010-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}
    answer = api.get("/api/v1/analytics/overview", params=too_long)
    assert answer.status_code == 422 and f"at most {MAX_DAYS} days" in answer.text


def test_a_put_keeps_what_it_leaves_out_and_never_brings_a_deleted_topic_back(api: Api) -> None:
    save_topic(engine=api.engine, name="Claims", kind=TopicKind.other, query="advocaat",
               description="Wat juristen volgen", department="legal")  # fmt: skip
    changed = api.put("/api/v1/topics/Claims", json={"kind": "other", "query": "advocaat OR claim"})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["department"], body["description"]) == ("legal", "Wat juristen volgen")
    cleared = api.put("/api/v1/topics/Claims", json={"kind": "other", "query": "claim", "department": None})
    assert cleared.json()["department"] is None and cleared.json()["description"] == "Wat juristen volgen"

    assert api.delete("/api/v1/topics/Claims").status_code == 204
    assert api.put("/api/v1/topics/Claims", json={"kind": "other", "query": "claim"}).status_code == 404
    assert api.get("/api/v1/topics/Claims").status_code == 404


def test_puts_and_deletes_racing_give_no_server_error(api: Api) -> None:
    from concurrent.futures import ThreadPoolExecutor

    answers = []
    for round_ in range(8):
        save_topic(engine=api.engine, name="Race", kind=TopicKind.other, query=f"woord{round_}")
        with ThreadPoolExecutor(max_workers=3) as pool:
            change = {"kind": "other", "query": "x"}
            jobs = [pool.submit(api.put, "/api/v1/topics/Race", json=change),
                    pool.submit(api.delete, "/api/v1/topics/Race"),
                    pool.submit(api.put, "/api/v1/topics/Race", json=change)]  # fmt: skip
            answers += [job.result().status_code for job in jobs]
        assert api.get("/api/v1/topics/Race").status_code == 404  # the delete won, whenever it ran
    assert set(answers) <= {200, 204, 404}


def test_topic_references_keep_to_the_callers_departments(api: Api) -> None:
    save_topic(engine=api.engine, name="Claims", kind=TopicKind.other, query="advocaat", department="legal")
    save_topic(engine=api.engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    address = "mia@voltaro.example"
    create_user(engine=api.engine, email=address, name="Mia", password="a long and secret passphrase",
                role=Role.analyst, department="marketing")  # fmt: skip
    mia = {"Authorization": f"Bearer {create_token(engine=api.engine, email=address, name='t').secret}"}

    def tested(query: str) -> tuple[int, str]:
        answer = api.client.post("/api/v1/topics/test", headers=mia, json={"query": query})
        return answer.status_code, answer.json().get("detail", "")

    hidden, unknown = tested("topic:Claims AND voltaro"), tested("topic:Nobody AND voltaro")
    assert hidden[0] == unknown[0] == 422
    assert hidden[1].replace("Claims", "X") == unknown[1].replace("Nobody", "X")  # no oracle
    assert hidden[1] == "query: the query refers to unknown topic 'Claims'"  # no inner name
    assert tested("topic:Voltaro AND storing")[0] == 200  # the company's topics may be used
    wrapped = api.client.post("/api/v1/topics", headers=mia, json={"name": "Spy", "query": "topic:Claims"})
    assert wrapped.status_code == 422 and "unknown topic 'Claims'" in wrapped.text
    assert api.post("/api/v1/topics/test", json={"query": "topic:Claims"}).status_code == 200  # the admin
    assert api.delete("/api/v1/topics/Claims").status_code == 204  # nothing of marketing holds it


def test_sources_keep_to_their_departments(api: Api) -> None:
    from luister.plugins import installed
    from luister.services.sources import add_source

    feed = {"url": "https://feeds.example/nieuws.xml"}
    for name, owner in (("nieuws", None), ("juridisch", "legal"), ("campagne", "marketing")):
        add_source(
            engine=api.engine,
            connectors=installed().connectors(),
            cipher=Cipher.of(api.settings),
            name=name,
            connector="rss",
            options=feed,
            department=owner,
        )
    address = "mia@voltaro.example"
    create_user(engine=api.engine, email=address, name="Mia", password="a long and secret passphrase",
                role=Role.analyst, department="marketing")  # fmt: skip
    mia = {"Authorization": f"Bearer {create_token(engine=api.engine, email=address, name='t').secret}"}
    seen = {s["name"]: s["department"] for s in api.client.get("/api/v1/sources", headers=mia).json()}
    assert seen == {"campagne": "marketing", "nieuws": None}
    assert api.client.delete("/api/v1/sources/juridisch", headers=mia).status_code == 404  # as unknown
    assert api.client.delete("/api/v1/sources/nieuws", headers=mia).status_code == 403  # the company's
    assert api.client.delete("/api/v1/sources/campagne", headers=mia).status_code == 204  # their own
    made = api.client.post(
        "/api/v1/sources",
        headers=mia,
        json={"name": "zomer", "connector": "rss", "options": feed, "department": "legal"},
    )
    assert made.status_code == 201 and made.json()["department"] == "marketing"  # always their own
    assert {s["name"] for s in api.get("/api/v1/sources").json()} == {"nieuws", "juridisch", "zomer"}
    assert api.delete("/api/v1/sources/nieuws").status_code == 204  # an admin works across departments
