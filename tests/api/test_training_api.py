"""``/api/v1/training`` on SQLite and PostgreSQL: the curriculum without the answers, an attempt scored on
the server (80 % passes), my belt and certificates, the report per department, the gates (admins switch
them), and bad input answered with where and why."""

from __future__ import annotations

from api_helpers import Api

from luister.organisation import training


def key(slug: str) -> list[int]:
    return [q.answer for q in training.module(slug, "en").questions]


def test_the_curriculum_and_a_quiz_by_api(api: Api) -> None:
    listed = api.get("/api/v1/training/modules", role="viewer", params={"language": "nl"}).json()
    assert [m["belt"] for m in listed][:3] == ["white", "white", "yellow"]
    assert all(m["minutes"] <= 5 for m in listed)
    module = api.get("/api/v1/training/modules/crisis", role="viewer").json()
    assert module["belt"] == "blue" and module["pass_mark"] == 80 and module["body"].startswith("# ")
    assert all(set(q) == {"text", "options"} for q in module["quiz"])  # the key stays on the server
    nl = api.get("/api/v1/training/modules/crisis", params={"language": "nl"}, role="viewer").json()
    assert nl["title"] == "Crisiscommunicatie"
    wrong = [(a + 1) % 3 for a in key("listening-basics")]
    failed = api.post("/api/v1/training/modules/listening-basics/attempts", role="agent",
                      json={"answers": wrong}).json()  # fmt: skip
    assert (failed["correct"], failed["passed"], failed["right"]) == (0, False, [False] * 5)
    for slug in ("listening-basics", "the-policy"):
        done = api.post(f"/api/v1/training/modules/{slug}/attempts", role="agent",
                        json={"answers": key(slug), "language": "nl"})  # fmt: skip
        assert done.status_code == 201 and done.json()["passed"]
    assert done.json()["belt_after"] == "white"
    me = api.get("/api/v1/training/me", role="agent").json()
    assert me["belt"] == "white" and me["next_belt"] == "yellow" and not me["gates_on"]
    assert [c["belt"] for c in me["certificates"]] == ["white"]
    assert me["certificates"][0]["expires_at"][:4] == str(int(me["certificates"][0]["earned_at"][:4]) + 1)
    report = api.get("/api/v1/training/report", role="viewer").json()
    [everyone] = report  # the API's accounts have no department
    assert everyone["department"] is None and everyone["people"] == 4
    assert everyone["counts"] == {"none": 3, "white": 1} and everyone["shares"]["white"] == 0.25


def test_bad_input_says_where_and_why(api: Api) -> None:
    unknown = api.post("/api/v1/training/modules/nope/attempts", json={"answers": [0]})
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
    short = api.post("/api/v1/training/modules/crisis/attempts", json={"answers": [0, 1]})
    assert short.status_code == 422 and "has 5 questions" in short.json()["detail"]
    out = api.post("/api/v1/training/modules/crisis/attempts", json={"answers": [7, 0, 0, 0, 0]})
    assert out.status_code == 422 and "question 1" in out.json()["detail"]
    assert api.get("/api/v1/training/modules/NOT%20A%20SLUG").status_code == 422
    assert api.post("/api/v1/training/modules/crisis/attempts", json={"answers": "x"}).status_code == 422


def test_only_admins_switch_the_gates(api: Api) -> None:
    shown = api.get("/api/v1/training/gates", role="viewer").json()
    assert shown["on"] is False
    assert {g["action"]: (g["ordinary"], g["sensitive"]) for g in shown["gates"]} == {
        "reply.draft": ("white", "orange"),
        "reply.send": ("green", "blue"),
        "reply.approve": ("black", "black"),
        "inbox.work": (None, None),
    }
    assert api.put("/api/v1/training/gates", role="analyst", json={"on": True}).status_code == 403
    assert api.put("/api/v1/training/gates", json={"on": True}).json()["on"] is True
    assert api.get("/api/v1/training/me", role="agent").json()["gates_on"] is True
    assert api.put("/api/v1/training/gates", json={"on": False}).json()["on"] is False
