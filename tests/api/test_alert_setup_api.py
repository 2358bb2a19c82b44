"""``/api/v1/alert-rules`` and ``/alert-channels``: create, change, delete; refusals that name the field;
channel secrets never come back; rules on another department's topic hidden and refused alike."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import schemathesis
import sqlalchemy as sa
from api_helpers import Api
from test_schemathesis import call_every_operation

from luister.alerts.read import get_rule, list_alerts, list_rules
from luister.domain.accounts import Role
from luister.domain.topics import TopicKind
from luister.services.accounts import create_user
from luister.services.api_tokens import create_token
from luister.services.audit import entries
from luister.services.topics import save_topic
from luister.storage.secrets import Cipher, open_options
from luister.storage.tables import alert, alert_channel

HOOK = "https://hooks.example.nl/services/T000/B000/geheim-pad-123"


def test_rules_are_created_changed_and_deleted(api: Api) -> None:
    save_topic(engine=api.engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    playbook = {"name": "Crisis", "steps": [{"title": "Bel legal"}]}
    body = {"name": "Storing", "kind": "query", "query": "storing OR lek", "topic": "Voltaro",
            "severity": "critical", "playbook": playbook}  # fmt: skip
    made = api.post("/api/v1/alert-rules", role="analyst", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["topic"] == "Voltaro" and made.json()["severity"] == "critical"
    assert (
        made.json()["playbook"]["steps"][0]["title"] == "Bel legal" and made.json()["cooldown_minutes"] == 120
    )
    assert api.post("/api/v1/alert-rules", json=body).status_code == 409  # PATCH changes one
    assert [r["name"] for r in api.get("/api/v1/alert-rules", role="viewer").json()] == ["Storing"]

    changed = api.patch(
        "/api/v1/alert-rules/Storing", role="analyst", json={"query": "storing", "min_count": 3}
    )
    assert changed.status_code == 200, changed.text
    rule = get_rule(engine=api.engine, name="Storing")
    assert rule.query == "storing" and rule.min_count == 3 and rule.topic == "Voltaro"  # the rest kept
    assert rule.playbook is not None and rule.severity.value == "critical"
    whole = api.patch("/api/v1/alert-rules/Storing", json={"topic": None, "kind": "volume_spike"})
    assert (
        whole.status_code == 200 and whole.json()["topic"] is None and whole.json()["kind"] == "volume_spike"
    )
    assert api.get("/api/v1/alert-rules/Storing", role="viewer").json()["kind"] == "volume_spike"

    assert api.delete("/api/v1/alert-rules/Storing", role="agent").status_code == 403
    assert api.patch("/api/v1/alert-rules/Storing", role="viewer", json={"min_count": 2}).status_code == 403
    assert api.delete("/api/v1/alert-rules/Storing", role="analyst").status_code == 204
    assert api.get("/api/v1/alert-rules/Storing").status_code == 404
    assert api.delete("/api/v1/alert-rules/Storing").status_code == 404
    assert api.patch("/api/v1/alert-rules/Storing", json={"min_count": 2}).status_code == 404
    actions = [e.action for e in entries(engine=api.engine, actor="analyst@voltaro.example")]
    assert actions.count("alert_rule.save") == 2 and actions.count("alert_rule.remove") == 1


def test_invalid_rules_are_refused_with_the_field_and_the_reason(api: Api) -> None:
    def refused(body: dict[str, object], *, status: int = 422) -> str:
        answer = api.post("/api/v1/alert-rules", json={"name": "R", **body})
        assert answer.status_code == status, answer.text
        return str(answer.json()["detail"])

    assert "query" in refused({"kind": "query"})
    assert "invalid query" in refused({"kind": "query", "query": "voltaro OR (storing"})
    assert "intent" in refused({"kind": "intent", "intent": "boredom"})
    assert "min-followers" in refused({"kind": "influencer"})
    assert "threshold" in refused({"kind": "negative_share", "threshold": 2})
    assert "no topic named 'Nobody'" in refused({"kind": "volume_spike", "topic": "Nobody"})
    assert "no alert channel named 'nowhere'" in refused({"kind": "volume_spike", "channels": ["nowhere"]})
    assert "playbook" in refused({"kind": "volume_spike", "playbook": {"name": "x", "steps": []}})
    assert "body.sensitivity" in refused({"kind": "volume_spike", "sensitivity": 2})
    assert "body.kind" in refused({"kind": "sometimes"})
    assert (
        "a rule needs a name"
        in api.post("/api/v1/alert-rules", json={"name": " ", "kind": "volume_spike"}).text
    )
    api.post("/api/v1/alert-rules", json={"name": "R", "kind": "volume_spike"})
    null = api.patch("/api/v1/alert-rules/R", json={"kind": None, "min_count": None})
    assert null.status_code == 422 and null.json()["detail"].startswith("kind, min_count: may not be null")
    assert api.patch("/api/v1/alert-rules/R", json={"kind": "query"}).status_code == 422  # no query
    assert api.get("/api/v1/alert-rules").json()[0]["kind"] == "volume_spike"  # unchanged


def test_channels_never_give_their_secrets_back(api: Api) -> None:
    hook = {"name": "team-chat", "kind": "webhook",
            "options": {"url": HOOK, "format": "slack", "secret": "teken-geheim-42"}}  # fmt: skip
    made = api.post("/api/v1/alert-channels", role="analyst", json=hook)
    assert made.status_code == 201, made.text
    assert made.json()["options"]["url"] == "***" and made.json()["options"]["secret"] == "***"
    mail = {"name": "webcare-mail", "kind": "email", "options": {
        "host": "smtp.example.nl", "from_address": "luister <alerts@example.nl>",
        "to": "a@example.nl,b@example.nl", "username": "alerts",
        "password": "smtp-wachtwoord-99"}}  # fmt: skip
    assert api.post("/api/v1/alert-channels", json=mail).status_code == 201
    for answer in (
        api.get("/api/v1/alert-channels", role="viewer"),
        api.get("/api/v1/alert-channels/team-chat"),
    ):
        assert answer.status_code == 200
        assert "geheim" not in answer.text and "teken" not in answer.text and "wachtwoord" not in answer.text
    listed = {c["name"]: c for c in api.get("/api/v1/alert-channels").json()}
    assert listed["webcare-mail"]["options"]["password"] == "***"
    assert listed["webcare-mail"]["options"]["to"] == ["a@example.nl", "b@example.nl"]
    with api.engine.connect() as conn:
        stored = str(conn.execute(sa.select(alert_channel.c.options)).all())
    assert "geheim" not in stored and "wachtwoord" not in stored  # sealed at rest
    kinds = {k["kind"]: k for k in api.get("/api/v1/alert-channel-kinds").json()}
    assert {o["name"]: o["secret"] for o in kinds["webhook"]["options"]}["url"] is True

    assert api.post("/api/v1/alert-channels", json=hook).status_code == 409
    wrong = api.post(
        "/api/v1/alert-channels", json={"name": "x", "kind": "webhook", "options": {"url": "ftp://x"}}
    )
    assert wrong.status_code == 422 and "url" in wrong.json()["detail"]
    assert (
        "unknown channel kind"
        in api.post("/api/v1/alert-channels", json={"name": "x", "kind": "pigeon", "options": {}}).json()[
            "detail"
        ]
    )
    assert api.post("/api/v1/alert-channels", json={"name": "a b", "kind": "webhook"}).status_code == 422
    assert api.post("/api/v1/alert-channels", role="agent", json=hook | {"name": "y"}).status_code == 403

    rule = {"name": "Piek", "kind": "volume_spike", "channels": ["team-chat"]}
    assert api.post("/api/v1/alert-rules", json=rule).json()["channels"] == ["team-chat"]
    assert api.delete("/api/v1/alert-channels/team-chat", role="viewer").status_code == 403
    assert api.delete("/api/v1/alert-channels/team-chat", role="analyst").status_code == 204
    assert api.get("/api/v1/alert-channels/team-chat").status_code == 404
    assert api.delete("/api/v1/alert-channels/team-chat").status_code == 404
    actions = sorted(e.action for e in entries(engine=api.engine, actor="analyst@voltaro.example"))
    assert actions == ["alert_channel.add", "alert_channel.remove"]


def test_rules_on_another_department_topic_are_hidden_and_refused_alike(api: Api) -> None:
    save_topic(engine=api.engine, name="Claims", kind=TopicKind.other, query="advocaat", department="legal")
    save_topic(
        engine=api.engine, name="Zomer", kind=TopicKind.campaign, query="zomer", department="marketing"
    )
    for name, topic in (("Claims piek", "Claims"), ("Zomer piek", "Zomer"), ("Overal", None)):
        assert (
            api.post(
                "/api/v1/alert-rules", json={"name": name, "kind": "volume_spike", "topic": topic}
            ).status_code
            == 201
        )
    address = "mia@voltaro.example"
    create_user(engine=api.engine, email=address, name="Mia", password="a long and secret passphrase",
                role=Role.analyst, department="marketing")  # fmt: skip
    mia = {"Authorization": f"Bearer {create_token(engine=api.engine, email=address, name='t').secret}"}
    client = api.client
    assert [r["name"] for r in client.get("/api/v1/alert-rules", headers=mia).json()] == [
        "Overal",
        "Zomer piek",
    ]
    hidden = client.get("/api/v1/alert-rules/Claims piek", headers=mia)
    unknown = client.get("/api/v1/alert-rules/Nergens", headers=mia)
    assert hidden.status_code == unknown.status_code == 404 and hidden.json() == unknown.json()
    assert (
        client.patch("/api/v1/alert-rules/Claims piek", headers=mia, json={"min_count": 1}).status_code == 404
    )
    assert client.delete("/api/v1/alert-rules/Claims piek", headers=mia).status_code == 404
    assert get_rule(engine=api.engine, name="Claims piek").min_count == 10  # unchanged, still there
    on_hidden = client.post("/api/v1/alert-rules", headers=mia,
                            json={"name": "Mijn", "kind": "volume_spike", "topic": "Claims"})  # fmt: skip
    on_unknown = client.post("/api/v1/alert-rules", headers=mia,
                             json={"name": "Mijn", "kind": "volume_spike", "topic": "Nergens"})  # fmt: skip
    assert on_hidden.status_code == on_unknown.status_code == 422
    assert on_hidden.json()["detail"] == on_unknown.json()["detail"].replace("Nergens", "Claims")
    moved = client.patch("/api/v1/alert-rules/Zomer piek", headers=mia, json={"topic": "Claims"})
    assert moved.status_code == 422 and get_rule(engine=api.engine, name="Zomer piek").topic == "Zomer"
    assert (
        client.patch("/api/v1/alert-rules/Zomer piek", headers=mia, json={"min_count": 4}).status_code == 200
    )
    assert client.delete("/api/v1/alert-rules/Overal", headers=mia).status_code == 204


def test_no_alert_setup_operation_answers_with_a_server_error_or_off_schema(api: Api) -> None:
    save_topic(engine=api.engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    hook = {"name": "team-chat", "kind": "webhook", "options": {"url": HOOK}}
    assert api.post("/api/v1/alert-channels", json=hook).status_code == 201
    api.post("/api/v1/alert-rules", json={"name": "Piek", "kind": "volume_spike", "topic": "Voltaro"})
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", api.client.app)
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if "alert setup" in op.definition.raw["tags"]
    ]
    assert len(operations) == 11
    failures, calls = call_every_operation(operations, headers=api.headers("admin"), max_examples=10)
    assert not failures, "\n\n".join(failures)
    assert calls >= len(operations) * 10


def test_the_same_rule_or_channel_added_twice_at_once_is_one_and_a_409(api: Api) -> None:
    start = threading.Barrier(4)
    answers: list[int] = []

    def add(url: str, body: dict[str, object]) -> None:
        start.wait()
        answers.append(api.post(url, json=body).status_code)

    hook = {"name": "team-chat", "kind": "webhook", "options": {"url": HOOK}}
    rule = {"name": "Piek", "kind": "volume_spike"}
    threads = [threading.Thread(target=add, args=call) for call in
               [("/api/v1/alert-rules", rule)] * 2 + [("/api/v1/alert-channels", hook)] * 2]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201, 201, 409, 409]
    assert [r["name"] for r in api.get("/api/v1/alert-rules").json()] == ["Piek"]
    assert [c["name"] for c in api.get("/api/v1/alert-channels").json()] == ["team-chat"]


def sealed(api: Api, name: str) -> dict[str, object]:
    with api.engine.connect() as conn:
        found = conn.execute(sa.select(alert_channel.c.options).where(alert_channel.c.name == name)).scalar()
    assert isinstance(found, dict)
    return found


def test_a_channel_is_changed_keeping_a_secret_left_blank_and_replacing_one_typed_anew(api: Api) -> None:
    hook = {"name": "team-chat", "kind": "webhook",
            "options": {"url": HOOK, "format": "slack", "secret": "teken-geheim-42"}}  # fmt: skip
    assert api.post("/api/v1/alert-channels", json=hook).status_code == 201
    before = sealed(api, "team-chat")
    cipher = Cipher.of(api.settings)

    blank = {"url": "***", "secret": "", "format": "teams", "timeout": 5}
    kept = api.patch("/api/v1/alert-channels/team-chat", role="analyst", json={"options": blank})
    assert kept.status_code == 200, kept.text
    assert kept.json()["options"] | {"url": "***", "secret": "***"} == kept.json()["options"]
    after = sealed(api, "team-chat")
    assert (
        after["url"] == before["url"] and after["secret"] == before["secret"]
    )  # the very same sealed values
    assert after["format"] == "teams" and after["timeout"] == 5
    opened = open_options(after, cipher, what="test")
    assert opened["url"] == HOOK and opened["secret"] == "teken-geheim-42"

    replaced = api.patch("/api/v1/alert-channels/team-chat",
                         json={"options": {"secret": "nieuw-geheim-77", "format": "teams"}})  # fmt: skip
    assert replaced.status_code == 200 and "nieuw" not in replaced.text
    stored = sealed(api, "team-chat")
    assert "nieuw" not in str(stored) and stored["url"] == before["url"]  # left out: kept as well
    opened = open_options(stored, cipher, what="test")
    assert opened["secret"] == "nieuw-geheim-77" and opened["url"] == HOOK and opened["timeout"] == 10.0

    wrong = api.patch("/api/v1/alert-channels/team-chat", json={"options": {"format": "pigeon"}})
    assert wrong.status_code == 422 and "format" in wrong.json()["detail"]
    bad_url = api.patch("/api/v1/alert-channels/team-chat", json={"options": {"url": "ftp://x"}})
    assert bad_url.status_code == 422 and "url" in bad_url.json()["detail"]
    assert sealed(api, "team-chat") == stored  # refused changes change nothing
    unknown = api.patch("/api/v1/alert-channels/nowhere", json={"options": {}})
    assert unknown.status_code == 404 and unknown.json() == api.get("/api/v1/alert-channels/nowhere").json()
    assert (
        api.patch("/api/v1/alert-channels/team-chat", role="viewer", json={"options": {}}).status_code == 403
    )
    assert (
        api.patch("/api/v1/alert-channels/team-chat", role="agent", json={"options": {}}).status_code == 403
    )

    changes = [e for e in entries(engine=api.engine) if e.action == "alert_channel.change"]
    assert [e.detail for e in reversed(changes)] == [
        {"kind": "webhook", "options": ["format", "timeout"]},
        {"kind": "webhook", "options": ["secret", "timeout"]},
    ]
    assert "geheim" not in str([e.detail for e in changes])


def test_a_rule_is_renamed_keeping_its_alerts_and_a_taken_name_is_a_409(api: Api) -> None:
    for name in ("Piek", "Storing"):
        api.post("/api/v1/alert-rules", json={"name": name, "kind": "volume_spike"})
    rule = get_rule(engine=api.engine, name="Piek")
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with api.engine.begin() as conn:
        conn.execute(alert.insert().values(rule_id=rule.id, kind="volume_spike", severity="warning",
                                           status="open", title="Piek", summary="", opened_at=now,
                                           last_seen_at=now))  # fmt: skip

    clash = api.patch("/api/v1/alert-rules/Piek", json={"name": "Storing", "min_count": 3})
    assert (
        clash.status_code == 409 and clash.json()["detail"] == "an alert rule with this name exists already"
    )
    assert get_rule(engine=api.engine, name="Piek").min_count == 10  # nothing changed
    assert api.patch("/api/v1/alert-rules/Piek", json={"name": None}).status_code == 422

    renamed = api.patch(
        "/api/v1/alert-rules/Piek", role="analyst", json={"name": "Volumepiek", "min_count": 4}
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Volumepiek" and renamed.json()["min_count"] == 4
    assert api.get("/api/v1/alert-rules/Piek").status_code == 404
    assert get_rule(engine=api.engine, name="Volumepiek").id == rule.id
    assert [a.rule for a in list_alerts(engine=api.engine)] == ["Volumepiek"]  # its history stays with it
    assert api.patch("/api/v1/alert-rules/Volumepiek", json={"name": "Volumepiek"}).status_code == 200
    audited = [
        (e.action, e.target, e.detail) for e in entries(engine=api.engine, actor="analyst@voltaro.example")
    ]
    assert ("alert_rule.rename", "Volumepiek", {"from": "Piek"}) in audited


def test_a_rule_of_another_department_cannot_be_renamed(api: Api) -> None:
    save_topic(engine=api.engine, name="Claims", kind=TopicKind.other, query="advocaat", department="legal")
    api.post("/api/v1/alert-rules", json={"name": "Claims piek", "kind": "volume_spike", "topic": "Claims"})
    address = "mia@voltaro.example"
    create_user(engine=api.engine, email=address, name="Mia", password="a long and secret passphrase",
                role=Role.analyst, department="marketing")  # fmt: skip
    mia = {"Authorization": f"Bearer {create_token(engine=api.engine, email=address, name='t').secret}"}
    hidden = api.client.patch("/api/v1/alert-rules/Claims piek", headers=mia, json={"name": "Van mij"})
    unknown = api.client.patch("/api/v1/alert-rules/Nergens", headers=mia, json={"name": "Van mij"})
    assert hidden.status_code == unknown.status_code == 404 and hidden.json() == unknown.json()
    assert [r.name for r in list_rules(engine=api.engine)] == ["Claims piek"]
