"""``/api/v1/report-schedules`` on SQLite and PostgreSQL: add, read, change, pause, resume, send now (the
run's e-mail goes through the effects ledger and its state shows on the schedule), remove; who may; and
bad input answered 422 naming the field, never a 500."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import schemathesis
from api_helpers import PASSWORD, Api
from test_schemathesis import call_every_operation

from luister.domain.accounts import Role
from luister.runtime import Runtime
from luister.services.accounts import create_user
from luister.services.api_tokens import create_token

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Amsterdam
BODY = {"name": "Webcare weekly", "recipients": ["team@voltaro.example"], "weekday": 0, "at": "08:00"}


def test_schedules_are_managed_and_sent_now(api: Api) -> None:
    runtime: Runtime = api.client.app.state.runtime  # type: ignore[attr-defined]
    runtime.clock = lambda: NOW
    assert api.post("/api/v1/report-schedules", json=BODY, role="viewer").status_code == 403
    assert api.post("/api/v1/report-schedules", json=BODY, role="agent").status_code == 403
    made = api.post("/api/v1/report-schedules", json=BODY, role="analyst")
    assert made.status_code == 201, made.text
    schedule = made.json()
    sid = schedule["id"]
    assert (schedule["active"], schedule["next_run"], schedule["runs"]) == (True, "2026-12-14T07:00:00Z", [])
    assert [s["name"] for s in api.get("/api/v1/report-schedules", role="viewer").json()] == [
        "Webcare weekly"
    ]

    paused = api.post(f"/api/v1/report-schedules/{sid}/pause").json()
    assert (paused["active"], paused["next_run"]) == (False, None)
    assert api.post(f"/api/v1/report-schedules/{sid}/resume").json()["active"] is True

    changed = api.put(f"/api/v1/report-schedules/{sid}", json=BODY | {"at": "07:30", "language": "en"})
    assert (changed.json()["at"], changed.json()["language"]) == ("07:30", "en")

    sent = api.post(f"/api/v1/report-schedules/{sid}/send-now", role="analyst")
    assert sent.status_code == 202, sent.text
    run = sent.json()
    assert (run["requested_by"], run["state"], run["period_start"]) == ("analyst@voltaro.example", "planned",
                                                                        "2026-12-07")  # fmt: skip
    asyncio.run(runtime.run_effects())  # dev mode without an SMTP server: the pickup folder
    [shown] = api.get(f"/api/v1/report-schedules/{sid}").json()["runs"]
    assert (shown["id"], shown["state"]) == (run["id"], "sent")
    [written] = Path(api.settings.data_dir, "mail").glob("*.eml")
    assert (
        "team@voltaro.example" in written.read_text()
        and "Weekly webcare and KPI report" in written.read_text()
    )

    assert api.delete(f"/api/v1/report-schedules/{sid}", role="viewer").status_code == 403
    assert api.delete(f"/api/v1/report-schedules/{sid}").status_code == 204
    assert api.get(f"/api/v1/report-schedules/{sid}").status_code == 404
    assert api.post(f"/api/v1/report-schedules/{sid}/send-now").status_code == 404


def test_bad_schedules_are_refused_with_the_field(api: Api) -> None:
    for change, field in (
        ({"at": "25:00"}, "at"),
        ({"recipients": ["not an address"]}, "recipients"),
        ({"zone": "Mars/Olympus"}, "zone"),
        ({"language": "de"}, "language"),
        ({"name": "   "}, "name"),
        ({"template": "nope"}, "template"),
    ):
        answer = api.post("/api/v1/report-schedules", json=BODY | change)
        assert answer.status_code == 422, (change, answer.text)
        assert field in answer.text
    assert api.post("/api/v1/report-schedules", json=BODY | {"weekday": 9}).status_code == 422
    assert api.put("/api/v1/report-schedules/999", json=BODY).status_code == 404
    assert api.get("/api/v1/report-schedules").json() == []


def test_no_report_schedule_operation_answers_with_a_server_error_or_off_schema(api: Api) -> None:
    assert api.post("/api/v1/report-schedules", json=BODY).status_code == 201
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", api.client.app)
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if "reports" in op.definition.raw["tags"] and "report-schedules" in op.path
    ]
    assert len(operations) == 8
    failures, calls = call_every_operation(operations, headers=api.headers("admin"), max_examples=8)
    assert not failures, "\n\n".join(failures)
    assert calls >= len(operations) * 8


def _member(api: Api, email: str, role: Role, department: str | None) -> str:
    """An API token of someone of ``department``."""
    create_user(engine=api.engine, email=email, name=email.split("@")[0], password=PASSWORD, role=role,
                department=department)  # fmt: skip
    token = create_token(engine=api.engine, email=email, name="tests").secret
    api.tokens[email] = token
    return email


def test_another_departments_schedule_answers_like_an_unknown_one(api: Api) -> None:
    eva = _member(api, "eva@voltaro.example", Role.analyst, "marketing")
    kim = _member(api, "kim@voltaro.example", Role.analyst, "customer-service")
    own = api.post("/api/v1/report-schedules", json=BODY | {"recipients": [eva]}, role=eva)
    assert own.status_code == 201 and own.json()["department"] == "marketing"  # always one's own
    other = api.post(
        "/api/v1/report-schedules", json=BODY | {"name": "Service", "recipients": [kim]}, role=kim
    )
    company = api.post(
        "/api/v1/report-schedules", json=BODY | {"name": "Company"}
    )  # an admin's: no department
    assert (other.json()["department"], company.json()["department"]) == ("customer-service", None)
    mine, theirs, ours = own.json()["id"], other.json()["id"], company.json()["id"]
    assert sorted(s["id"] for s in api.get("/api/v1/report-schedules", role=eva).json()) == sorted(
        [mine, ours]
    )
    unknown = api.get("/api/v1/report-schedules/999999", role=eva)
    for method, suffix in (("GET", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/pause"), ("POST", "/resume"),
                           ("POST", "/send-now")):  # fmt: skip
        body = BODY | {"recipients": [eva]} if method == "PUT" else None
        answer = api.client.request(method, f"/api/v1/report-schedules/{theirs}{suffix}", json=body,
                                    headers=api.headers(eva))  # fmt: skip
        assert answer.status_code == 404, (method, suffix, answer.text)
        assert answer.json()["detail"] == f"there is no report schedule {theirs}"
        assert answer.json().keys() == unknown.json().keys()
        if method != "GET":  # the company's: read, but changed only by someone across departments
            answer = api.client.request(method, f"/api/v1/report-schedules/{ours}{suffix}", json=body,
                                        headers=api.headers(eva))  # fmt: skip
            assert answer.status_code == 403, (method, suffix, answer.text)
    assert api.get(f"/api/v1/report-schedules/{ours}", role=eva).status_code == 200
    assert api.get(f"/api/v1/report-schedules/{theirs}", role=kim).json()["active"] is True  # untouched
    made = api.post("/api/v1/report-schedules", json=BODY | {"department": "customer-service"}, role=eva)
    assert made.status_code == 403 and "marketing" in made.json()["detail"]
    refused = api.post("/api/v1/report-schedules", json=BODY | {"recipients": [kim]}, role=eva)
    assert refused.status_code == 422 and kim in refused.json()["detail"]
    moved = api.put(f"/api/v1/report-schedules/{theirs}", json=BODY | {"department": "marketing",
                    "recipients": [eva]})  # fmt: skip
    assert moved.status_code == 200 and moved.json()["department"] == "marketing"  # an admin moves it
    assert api.get(f"/api/v1/report-schedules/{theirs}", role=kim).status_code == 404
    assert api.get(f"/api/v1/report-schedules/{theirs}", role=eva).status_code == 200


def test_a_put_without_department_keeps_whose_the_schedule_is(api: Api) -> None:
    """As for topics (#26 item 6): leaving a field out of a PUT never makes a department's thing the
    company's; null says so on purpose (only someone across departments may)."""
    eva = _member(api, "eva@voltaro.example", Role.analyst, "marketing")
    made = api.post("/api/v1/report-schedules", json=BODY | {"recipients": [eva]}, role=eva).json()
    assert made["department"] == "marketing"
    renamed = api.put(
        f"/api/v1/report-schedules/{made['id']}", json=BODY | {"name": "Nieuw", "recipients": [eva]}
    )
    assert renamed.status_code == 200 and renamed.json()["department"] == "marketing"  # an admin's PUT
    assert api.get(f"/api/v1/report-schedules/{made['id']}", role=eva).json()["name"] == "Nieuw"
    unknown = api.put("/api/v1/report-schedules/999999", json=BODY)
    assert unknown.status_code == 404
    company = api.put(f"/api/v1/report-schedules/{made['id']}", json=BODY | {"department": None})
    assert company.status_code == 200 and company.json()["department"] is None
