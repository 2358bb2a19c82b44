"""``/api/v1/organisation/maturity``: the questionnaire, answering it, the assessment with its evidence
links, the history and snapshots; roles, departments and bad input as problems."""

from __future__ import annotations

import sqlalchemy as sa
from api_helpers import Api

from luister.domain.accounts import Role
from luister.services.accounts import create_user
from luister.services.api_tokens import create_token
from luister.storage.tables import audit_log

ANSWERS = {"strategy": 3, "people": 3, "governance": 2, "processes": 3, "training": 2, "measurement": 4,
           "technology": 4}  # fmt: skip
BASE = "/api/v1/organisation/maturity"


def test_answering_and_reading_the_assessment(api: Api) -> None:
    asked = api.get(BASE + "/questionnaire", role="viewer")
    assert asked.status_code == 200
    questions = asked.json()["questions"]
    assert [q["key"] for q in questions] == list(ANSWERS)
    assert all(len(q["statements"]) == 6 and q["text"]["nl"] for q in questions)
    assert api.get(BASE + "/questionnaire", params={"version": "1999.1"}).status_code == 404

    empty = api.get(BASE, role="viewer").json()
    assert empty["answered"] is None and empty["claims"] == []
    assert all(c["links"] for c in empty["suggested"])  # every claim has its evidence, even with no data
    assert empty["model"]["model"] == "unknown"

    made = api.post(
        BASE + "/answers", json={"answers": ANSWERS, "note": "<b>eerste</b> meting"}, role="analyst"
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["answered"]["answers"] == ANSWERS and body["answered"]["note"] == "<b>eerste</b> meting"
    overall = body["claims"][0]
    assert (
        overall["dimension"] is None
        and overall["stage"] == 3
        and overall["stage_name"]["nl"] == "Betrokkenheid"
    )
    assert all(c["links"] for c in body["claims"]) and len(body["claims"]) == 8
    governance = next(c for c in body["claims"] if c["dimension"] == "governance")
    assert governance["stage"] == 2 and "/inbox/approvals" in governance["links"]
    steps = body["next_steps"]
    assert steps[0]["dimension"] in ("governance", "training") and steps[0]["towards"] == 3
    evidence = {e["key"]: e for e in body["evidence"]}
    assert (
        evidence["listening"]["link"] == "/topics" and evidence["listening"]["figures"][0]["key"] == "topics"
    )

    months = api.get(BASE + "/history", params={"months": 3}).json()
    assert len(months) == 3 and months[-1]["stored"] and months[-1]["answered_overall"] == 3
    assert not months[0]["stored"] and months[0]["links"]
    again = api.post(BASE + "/snapshots")
    assert again.status_code == 201 and again.json()["answered"]["measurement"] == 4
    with api.engine.connect() as conn:
        actions = [r.action for r in conn.execute(sa.select(audit_log.c.action).where(
            audit_log.c.action.like("maturity.%")).order_by(audit_log.c.id))]  # fmt: skip
    assert actions == ["maturity.answer", "maturity.snapshot", "maturity.snapshot"]

    past = api.get(BASE, params={"at": "2020-01-01T00:00:00+01:00"}).json()
    assert past["answered"] is None  # nothing was answered yet then


def test_bad_answers_and_who_may_answer(api: Api) -> None:
    missing = api.post(BASE + "/answers", json={"answers": dict.fromkeys(list(ANSWERS)[1:], 3)})
    assert missing.status_code == 422 and "strategy" in missing.json()["detail"]
    assert missing.json()["errors"][0]["loc"] == ["body", "answers", "strategy"]
    unknown = api.post(BASE + "/answers", json={"answers": {**ANSWERS, "vibes": 2}})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"] == ["body", "answers", "vibes"]
    assert api.post(BASE + "/answers", json={"answers": {**ANSWERS, "people": 9}}).status_code == 422
    assert api.post(BASE + "/answers", json={"answers": ANSWERS, "version": "0.1"}).status_code == 422
    assert api.post(BASE + "/answers", json={"answers": "all of them"}).status_code == 422
    assert api.get(BASE, params={"at": "2999-01-01T00:00:00Z"}).status_code == 422
    assert api.get(BASE, params={"at": "0001-01-01T00:00:00"}).status_code == 422
    assert api.get(BASE + "/history", params={"months": 99}).status_code == 422
    assert api.post(BASE + "/answers", json={"answers": ANSWERS}, role="agent").status_code == 403
    assert api.post(BASE + "/snapshots", role="viewer").status_code == 403
    mia_email = "mia@voltaro.example"
    create_user(engine=api.engine, email=mia_email, name="Mia", password="a long and secret passphrase",
                role=Role.analyst, department="legal")  # fmt: skip
    mia = {"Authorization": f"Bearer {create_token(engine=api.engine, email=mia_email, name='t').secret}"}
    refused = api.client.post(BASE + "/answers", headers=mia, json={"answers": ANSWERS})
    assert refused.status_code == 403 and "across departments" in refused.json()["detail"]
    assert api.client.get(BASE, headers=mia).status_code == 200  # reading is for everyone
    assert api.get(BASE).json()["answered"] is None  # nothing was stored
