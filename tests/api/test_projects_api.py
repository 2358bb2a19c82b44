"""``/api/v1/projects``: create, read, change, spend, evaluate, the overlap map and attribution; roles and
departments; bad input as problems."""

from __future__ import annotations

import sys
from pathlib import Path

from api_helpers import Api

from luister.domain.accounts import Role
from luister.services.accounts import create_user
from luister.services.api_tokens import create_token

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from test_projects import FIRST, seed_world  # noqa: E402


def test_projects_end_to_end(api: Api) -> None:
    body = {"name": "#Zonnedeal <b>", "kind": "campaign", "starts_on": "2026-05-01",
            "ends_on": "2026-06-15", "budget_cents": 2_500_000, "hashtags": ["#Zonnedeal"],
            "countries": ["nl"], "channels": ["reddit"]}  # fmt: skip
    made = api.post("/api/v1/projects", json=body)
    assert made.status_code == 201, made.text
    pid = made.json()["id"]
    assert made.json()["name"] == "#Zonnedeal <b>" and made.json()["countries"] == ["NL"]
    other = api.post("/api/v1/projects", json={**body, "name": "Prijs", "starts_on": "2026-06-01",
                                                "ends_on": "2026-06-30"}).json()["id"]  # fmt: skip
    assert api.post(f"/api/v1/projects/{pid}/spend", json={"amount_cents": 700_00, "spent_on": "2026-05-03"},
                    role="analyst").json()["spend_cents"] == 70_000  # fmt: skip
    changed = api.client.patch(f"/api/v1/projects/{pid}", headers=api.headers(), json={"owner": "Ann"})
    assert changed.json()["owner"] == "Ann" and changed.json()["ends_on"] == "2026-06-15"
    shown = api.get(f"/api/v1/projects/{pid}").json()
    assert [(o["other"], o["days"], o["countries"]) for o in shown["overlaps"]] == [(other, 15, ["NL"])]
    done = api.post(
        f"/api/v1/projects/{pid}/evaluation", json={"objectives_met": False, "evaluation": "Te kort"}
    )
    assert done.json()["objectives_met"] is False
    assert [p["id"] for p in api.get("/api/v1/projects", params={"running_on": "2026-06-20"}).json()] == [
        other
    ]
    # roles, missing projects, refused input
    assert api.post("/api/v1/projects", json=body, role="viewer").status_code == 403
    assert api.get("/api/v1/projects/999999").status_code == 404
    bad = api.post("/api/v1/projects", json={**body, "ends_on": "2026-04-01"})
    assert bad.status_code == 422 and "ends_on" in bad.json()["detail"]
    assert api.post("/api/v1/projects", json={**body, "kind": "party"}).status_code == 422


def test_a_department_keeps_to_its_projects(api: Api) -> None:
    dates = {"starts_on": "2026-01-01", "ends_on": "2026-01-02"}
    legal = {"name": "Legal", "kind": "campaign", "department": "legal", **dates}
    theirs = api.post("/api/v1/projects", json=legal).json()["id"]
    address = "mia@voltaro.example"
    create_user(engine=api.engine, email=address, name="Mia", password="a long and secret passphrase",
                role=Role.analyst, department="marketing")  # fmt: skip
    mia = {"Authorization": f"Bearer {create_token(engine=api.engine, email=address, name='t').secret}"}
    assert api.client.get(f"/api/v1/projects/{theirs}", headers=mia).status_code == 404
    mine = api.client.post("/api/v1/projects", headers=mia, json={**legal, "name": "Zomer"})
    assert mine.status_code == 201 and mine.json()["department"] == "marketing"
    assert [p["name"] for p in api.client.get("/api/v1/projects", headers=mia).json()] == ["Zomer"]


def test_attribution_by_every_method(api: Api) -> None:
    brand, a, b, truth = seed_world(api.engine)
    assert FIRST.year == 2026
    for method in ("linear", "time_decay", "position", "shapley", "causal"):
        got = api.get(
            f"/api/v1/projects/{a}/attribution", params={"kpi": f"mentions:{brand}", "method": method}
        )
        assert got.status_code == 200, got.text
        shares = {s["project"]: s for s in got.json()["shares"]}
        assert set(shares) == {a, b}
        if method == "causal":
            assert all(abs(shares[p]["value"] - truth[p]) <= 0.15 * truth[p] for p in truth)
            assert all(s["placebo_ok"] for s in shares.values())
    wrong = api.get(f"/api/v1/projects/{a}/attribution", params={"kpi": "mentions:99999"})
    assert wrong.status_code == 422 and "topic" in wrong.json()["detail"]
    assert api.get(f"/api/v1/projects/{a}/attribution", params={"kpi": "x"}).status_code == 422
