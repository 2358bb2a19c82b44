"""``/api/v1/goals``, ``/kpis`` and ``/series`` on SQLite and PostgreSQL: the goal tree with hand-counted
values, a KPI with its series and targets, imports (CSV and JSON) with line-numbered problems, department
scope, the refusals with their status codes, and schemathesis over every operation of the tag."""

from __future__ import annotations

import schemathesis
from api_helpers import Api, make_api
from httpx import Response
from sqlalchemy.engine import Engine
from test_schemathesis import call_every_operation

from kpi_world import NOW, goals, world
from luister.domain.accounts import Role
from luister.services.accounts import create_user
from luister.services.api_tokens import create_token
from luister.settings import Settings
from luister.testing import PASSWORD


def ready(settings: Settings, engine: Engine) -> Api:
    api = make_api(settings, engine)
    api.client.app.state.runtime.clock = lambda: NOW  # type: ignore[attr-defined]
    world(engine)
    create_user(engine=engine, email="sam@voltaro.example", name="Sam", password=PASSWORD, role=Role.analyst,
                department="sales")  # fmt: skip
    api.tokens["sam"] = create_token(engine=engine, email="sam@voltaro.example", name="t").secret
    return api


def send(api: Api, url: str, body: str | bytes, media: str = "text/csv") -> Response:
    return api.client.post(url, content=body, headers=api.headers() | {"Content-Type": media})


def cards(tree: list[dict]) -> dict[str, dict]:  # type: ignore[type-arg]
    found: dict[str, dict] = {}  # type: ignore[type-arg]
    for node in tree:
        found |= {k["key"]: k for k in node["kpis"]} | cards(node["children"])
    return found


def test_the_goal_tree_kpis_and_targets(settings: Settings, engine: Engine) -> None:
    api = ready(settings, engine)
    ids = goals(engine)
    with api.client:
        tree = api.get("/api/v1/goals").json()
        assert [g["name"] for g in tree] == ["A better reputation than Stroomwijs"]
        assert [g["name"] for g in tree[0]["children"]] == ["More new customers"]
        sov = cards(tree)["sov"]
        assert sov["value"]["value"] == 50.0  # 3 / (3 + 1 + 2), as in tests/integration/test_kpis.py
        assert sov["value"]["low"] < 50 < sov["value"]["high"]
        assert (sov["target"], sov["status"], sov["unit"]) == (45.0, "on_track", "percent")
        assert (
            sov["formula"]["version"] == "share_of_voice/mentions@1.0"
            and "Wilson" in sov["formula"]["text"]["en"]
        )
        assert sov["drill"] == "/mentions?topic=Voltaro&since=2026-11-30T23%3A00&until=2026-12-04T12%3A00"
        assert [p["name"] for p in sov["value"]["parts"]] == ["Stroomwijs", "Enerlux"]
        leads = cards(tree)["leads"]
        assert (leads["value"]["value"], leads["status"]) == (2.0, "at_risk")
        assert leads["drill"].startswith("/inbox/reports?since=")
        assert round(leads["forecast"], 3) == round(2 / (85 / 744), 3)
        assert [k["key"] for k in api.get("/api/v1/kpis").json()][:2] == ["sov", "sov-reach"]
        assert api.get(f"/api/v1/goals/{ids['sub']}").json()["name"] == "More new customers"

        one = api.get(f"/api/v1/kpis/{ids['sov']}").json()
        assert len(one["series"]) == 12 and one["series"][-1]["period"]["label"] == "2026-12"
        assert one["series"][-1]["value"] == 50.0 and one["series"][-1]["target"] == 45.0
        assert one["series"][-2]["period"]["label"] == "2026-11" and one["series"][-2]["target"] is None
        assert [t["value"] for t in one["targets"]] == [45.0]
        weekly = api.get(f"/api/v1/kpis/{ids['sov']}", params={"period": "week"}).json()
        assert weekly["period"]["kind"] == "week"

        put = api.put(
            f"/api/v1/kpis/{ids['sov']}/targets", json={"period_start": "2026-11-01", "value": "40 %"}
        )
        assert put.status_code == 200 and put.json()["value"] == 40.0
        assert api.get(f"/api/v1/kpis/{ids['sov']}").json()["series"][-2]["target"] == 40.0
        wrong = api.put(
            f"/api/v1/kpis/{ids['sov']}/targets", json={"period_start": "2026-11-01", "value": "€ 40"}
        )
        assert wrong.status_code == 422 and "percent" in wrong.json()["detail"]
        mid = api.put(f"/api/v1/kpis/{ids['sov']}/targets", json={"period_start": "2026-11-02", "value": 4})
        assert mid.status_code == 422 and "first day" in mid.json()["detail"]
        gone = api.delete(f"/api/v1/kpis/{ids['sov']}/targets/{put.json()['id']}")
        assert gone.status_code == 204
        assert api.delete(f"/api/v1/kpis/{ids['sov']}/targets/{put.json()['id']}").status_code == 404

        made = api.post("/api/v1/goals", json={"name": "Lower service cost", "parent_id": ids["goal"]})
        assert made.status_code == 201
        goal_id = made.json()["id"]
        assert api.post("/api/v1/goals", json={"name": "Lower service cost"}).status_code == 409
        kpi = api.post("/api/v1/kpis", json={"goal_id": goal_id, "key": "frt", "name": "First response",
                                             "formula": "first_response", "params": {"variant": "p90"},
                                             "direction": "down"})  # fmt: skip
        assert kpi.status_code == 201, kpi.text
        assert kpi.json()["formula"]["version"] == "first_response/p90@1.0" and kpi.json()["unit"] == "hours"
        assert api.post("/api/v1/kpis", json={"goal_id": goal_id, "key": "frt", "name": "Again",
                                              "formula": "volume"}).status_code == 409  # fmt: skip
        bad = api.post("/api/v1/kpis", json={"goal_id": goal_id, "key": "x", "name": "X", "formula": "mood"})
        assert bad.status_code == 422 and "no formula 'mood'" in bad.json()["detail"]
        changed = api.patch(f"/api/v1/kpis/{kpi.json()['id']}", json={"name": "FRT p90", "baseline": 4})
        assert (changed.json()["name"], changed.json()["baseline"]) == ("FRT p90", 4.0)
        assert (
            api.patch(f"/api/v1/goals/{goal_id}", json={"description": "−5 %"}).json()["description"]
            == "−5 %"
        )
        assert api.delete(f"/api/v1/goals/{ids['goal']}").status_code == 422  # it has sub-goals
        assert api.delete(f"/api/v1/kpis/{kpi.json()['id']}").status_code == 204
        assert api.delete(f"/api/v1/goals/{goal_id}").status_code == 204
        assert api.get(f"/api/v1/goals/{goal_id}").status_code == 404
        assert api.get("/api/v1/kpis/999999").json()["status"] == 404


def test_imports_with_line_numbered_problems(settings: Settings, engine: Engine) -> None:
    api = ready(settings, engine)
    ids = goals(engine)
    with api.client:
        assert (
            api.post("/api/v1/series", json={"key": "nps", "name": "NPS", "unit": "score"}).status_code == 201
        )
        assert (
            api.post("/api/v1/series", json={"key": "nps", "name": "NPS", "unit": "score"}).status_code == 409
        )
        csv = "period,value\n2026-11,31\nnext month,12\n2026-12,35\n"
        done = send(api, "/api/v1/series/nps/points", csv, "text/csv")
        assert done.status_code == 200, done.text
        assert done.json()["stored"] == 2 and [p["line"] for p in done.json()["problems"]] == [3]
        listed = {s["key"]: s for s in api.get("/api/v1/series").json()}
        assert (listed["nps"]["points"], listed["nps"]["last"]) == (2, "2026-12-01")
        assert listed["new_customers"]["unit"] == "count"  # made with its KPI
        dutch = "periode;waarde\n1-12-2026;7\n2-12-2026;5\n".encode("utf-8-sig")
        by_kpi = send(api, "/api/v1/series/new-customers/points", dutch)
        assert by_kpi.json() == {"series": "new_customers", "stored": 2, "problems": []}
        customers = cards(api.get("/api/v1/goals").json())["new-customers"]
        assert customers["value"]["value"] == 12.0 and customers["drill"] == f"/kpis/{ids['customers']}"
        rows = {"rows": [{"period": "2026-10", "value": 29}, {"period": "2026-09", "value": "€ 3"}]}
        json_rows = api.post("/api/v1/series/nps/points", json=rows)
        assert json_rows.json()["stored"] == 1 and json_rows.json()["problems"][0]["line"] == 2
        nothing = api.post("/api/v1/series/nps/points", json={"rows": [{"period": "soon", "value": 1}]})
        assert nothing.status_code == 422 and nothing.json()["errors"][0]["loc"] == ["body", 1]
        assert "line 1" in nothing.json()["detail"]
        assert send(api, "/api/v1/series/nope/points", "2026-11,1").status_code == 404
        computed = send(api, "/api/v1/series/sov/points", "2026-11,1")
        assert computed.status_code == 404 and "computed by luister" in computed.json()["detail"]
        assert send(api, "/api/v1/series/nps/points", b"x", "image/png").status_code == 415


def test_roles_and_departments(settings: Settings, engine: Engine) -> None:
    api = ready(settings, engine)
    ids = goals(engine)
    with api.client:
        for role in ("viewer", "agent"):
            assert api.get("/api/v1/goals", role=role).status_code == 200
            assert api.get(f"/api/v1/kpis/{ids['sov']}", role=role).status_code == 200
            assert api.post("/api/v1/goals", role=role, json={"name": "Mine"}).status_code == 403
            assert api.patch(f"/api/v1/kpis/{ids['sov']}", role=role, json={"name": "x"}).status_code == 403
            assert api.put(f"/api/v1/kpis/{ids['sov']}/targets", role=role,
                           json={"period_start": "2026-12-01", "value": 1}).status_code == 403  # fmt: skip
            assert (
                api.post(
                    "/api/v1/series", role=role, json={"key": "a", "name": "A", "unit": "count"}
                ).status_code
                == 403
            )
            assert api.post("/api/v1/series/nps/points", role=role, json={"rows": []}).status_code == 403
        assert (
            api.get("/api/v1/goals").status_code == 200 and api.client.get("/api/v1/goals").status_code == 401
        )
        # sam (an analyst of sales) may read the company's goals but not change them; makes his own
        assert api.patch(f"/api/v1/goals/{ids['goal']}", role="sam", json={"name": "x"}).status_code == 403
        own = api.post("/api/v1/goals", role="sam", json={"name": "Sales goal", "department": "product"})
        assert own.status_code == 403
        own = api.post("/api/v1/goals", role="sam", json={"name": "Sales goal"})
        assert own.status_code == 201 and own.json()["department"] == "sales"
        product = api.post("/api/v1/goals", json={"name": "Product goal", "department": "product"}).json()
        names = [g["name"] for g in api.get("/api/v1/goals", role="sam").json()]
        assert "Product goal" not in names and {"Sales goal", "A better reputation than Stroomwijs"} <= set(
            names
        )
        assert api.get(f"/api/v1/goals/{product['id']}", role="sam").status_code == 404


def test_no_kpi_operation_answers_with_a_server_error_or_off_schema(
    settings: Settings, engine: Engine
) -> None:
    api = ready(settings, engine)
    goals(engine)
    with api.client:
        schema = schemathesis.openapi.from_asgi("/api/openapi.json", api.client.app)
        operations = [
            op
            for op in (result.ok() for result in schema.get_all_operations())
            if "kpis" in op.definition.raw["tags"]
        ]
        assert len(operations) == 15
        failures, calls = call_every_operation(operations, headers=api.headers("admin"), max_examples=8)
    assert not failures, "\n\n".join(failures)
    assert calls >= len(operations) * 8
