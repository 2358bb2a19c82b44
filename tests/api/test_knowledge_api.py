"""``/api/v1/organisation/kb`` and ``/organisation/mentoring``: articles written, translated, edited (each
edit a version, with audit), linked and searched; roles; bad input as problems; reverse-mentoring pairs,
sessions and the evidence count."""

from __future__ import annotations

from api_helpers import Api, email

from luister.services import audit

KB = "/api/v1/organisation/kb"
MENTORING = "/api/v1/organisation/mentoring"


def test_articles_end_to_end(api: Api) -> None:
    body = {
        "kind": "playbook",
        "language": "nl",
        "title": "Storing <b>in</b> Zwolle",
        "body": "# Wat we doen\n\nBevestig de storingen bij de netbeheerder.",
        "tags": ["Storing", "#crisis"],
    }
    made = api.post(f"{KB}/articles", json=body, role="analyst")
    assert made.status_code == 201, made.text
    nl = made.json()
    assert (nl["slug"], nl["tags"], nl["version"], nl["title"]) == (
        "storing-b-in-b-zwolle",
        ["storing", "crisis"],
        1,
        "Storing <b>in</b> Zwolle",
    )
    en = api.post(
        f"{KB}/articles",
        json={
            **body,
            "language": "en",
            "title": "Outage in Zwolle",
            "body": "Confirm the outages.",
            "translation_of": nl["id"],
        },
    ).json()
    assert en["translation_of"] == nl["id"]
    assert [t["id"] for t in api.get(f"{KB}/articles/{nl['id']}").json()["translations"]] == [en["id"]]
    twice = api.post(f"{KB}/articles", json={**body, "title": "x", "translation_of": en["id"]})
    assert twice.status_code == 422 and "already has a version in 'nl'" in twice.json()["detail"]
    assert api.post(f"{KB}/articles", json={**body, "slug": nl["slug"]}).status_code == 409

    edited = api.patch(
        f"{KB}/articles/{nl['id']}",
        json={"body": "Bel eerst de netbeheerder.", "note": "korter", "expected_version": 1},
    )
    assert edited.status_code == 200, edited.text
    assert [(v["version"], v["note"]) for v in edited.json()["versions"]] == [(2, "korter"), (1, "")]
    stale = api.patch(f"{KB}/articles/{nl['id']}", json={"title": "Oud", "expected_version": 1})
    assert stale.status_code == 409 and "version 2" in stale.json()["detail"]
    assert api.get(f"{KB}/articles/{nl['id']}/versions/1").json()["body"].startswith("# Wat we doen")
    assert api.get(f"{KB}/articles/{nl['id']}/versions/3").status_code == 404
    actions = [e.action for e in audit.entries(engine=api.engine, limit=10) if e.action.startswith("kb.")]
    assert actions[:3] == ["kb.article.edit", "kb.article.create", "kb.article.create"]

    linked = api.post(
        f"{KB}/articles/{nl['id']}/links", json={"target_kind": "intent", "target_key": "Crisis"}
    )
    assert linked.json()["links"][0]["target_key"] == "crisis"
    related = api.get(
        f"{KB}/related", params={"target_kind": "intent", "target_key": "crisis", "language": "en"}
    )
    assert [a["id"] for a in related.json()] == [en["id"]]  # the translation in the language asked for
    bad = api.post(f"{KB}/articles/{nl['id']}/links", json={"target_kind": "project", "target_key": "abc"})
    assert bad.status_code == 422 and "positive number" in bad.json()["detail"]

    hits = api.get(f"{KB}/search", params={"q": "wat doen we bij storingen?"}).json()
    assert hits[0]["article"]["id"] == nl["id"]
    assert (
        api.get(f"{KB}/search", params={"q": "outage", "language": "en"}).json()[0]["article"]["id"]
        == en["id"]
    )
    assert api.get(f"{KB}/search", params={"q": "de het een ?"}).json() == []

    assert api.delete(f"{KB}/articles/{nl['id']}/links/intent/crisis").status_code == 200
    assert api.delete(f"{KB}/articles/{nl['id']}/links/intent/crisis").status_code == 404
    assert api.delete(f"{KB}/articles/{nl['id']}").status_code == 204
    assert api.get(f"{KB}/articles/{en['id']}").json()["translation_of"] is None
    assert [h["article"]["id"] for h in api.get(f"{KB}/search", params={"q": "netbeheerder"}).json()] == []


def test_roles_and_bad_input(api: Api) -> None:
    body = {"kind": "policy_faq", "language": "en", "title": "Q", "body": "A"}
    assert api.post(f"{KB}/articles", json=body, role="agent").status_code == 403
    assert api.get(f"{KB}/articles", role="viewer").status_code == 200
    assert api.get(f"{MENTORING}/pairs", role="agent").status_code == 403
    assert api.get(f"{MENTORING}/evidence", role="viewer").status_code == 200
    for wrong in (
        {**body, "kind": "memo"},
        {**body, "language": "de"},
        {**body, "title": ""},
        {**body, "body": "a\x00b"},
        {**body, "tags": ["no spaces"]},
        {**body, "translation_of": 99},
    ):
        answer = api.post(f"{KB}/articles", json=wrong)
        assert answer.status_code == 422, (wrong, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert api.get(f"{KB}/articles/999").status_code == 404
    assert api.patch(f"{KB}/articles/999", json={"title": "x"}).status_code == 404


def test_mentoring_pairs_sessions_and_evidence(api: Api) -> None:
    pair = api.post(
        f"{MENTORING}/pairs",
        json={
            "mentor": "Anouk de Vries",
            "mentor_role": "webcare",
            "mentee": "Hester Kok",
            "mentee_role": "CEO",
            "goal": "TikTok en webcare begrijpen",
            "started_on": "2026-09-01",
        },
    )
    assert pair.status_code == 201, pair.text
    pid = pair.json()["id"]
    session = {"held_on": "2026-10-01", "topics": ["TikTok", "toon van webcare"], "notes": "<i>goed</i>"}
    assert api.post(f"{MENTORING}/pairs/{pid}/sessions", json=session).status_code == 201
    early = api.post(f"{MENTORING}/pairs/{pid}/sessions", json={**session, "held_on": "2026-08-01"})
    assert early.status_code == 422 and "outside the pair's time" in early.json()["detail"]
    future = api.post(f"{MENTORING}/pairs/{pid}/sessions", json={**session, "held_on": "2999-01-01"})
    assert future.status_code == 422 and "future" in future.json()["detail"]
    same = api.post(f"{MENTORING}/pairs", json={"mentor": "x", "mentee": "X", "started_on": "2026-09-01"})
    assert same.status_code == 422
    assert api.post(f"{MENTORING}/pairs/999/sessions", json=session).status_code == 404
    evidence = api.get(f"{MENTORING}/evidence", role="viewer").json()
    assert (
        evidence["pairs"],
        evidence["active_pairs"],
        evidence["executives_mentored"],
        evidence["sessions"],
    ) == (1, 1, 1, 1)
    shown = api.get(f"{MENTORING}/pairs").json()
    assert shown[0]["sessions"][0]["notes"] == "<i>goed</i>" and shown[0]["mentee_role"] == "CEO"
    assert api.post(f"{MENTORING}/pairs/{pid}/end", json={"ended_on": "2026-08-01"}).status_code == 422
    assert (
        api.post(f"{MENTORING}/pairs/{pid}/end", json={"ended_on": "2026-11-30"}).json()["ended_on"]
        == "2026-11-30"
    )
    assert any(
        e.actor == email("admin") and e.action == "mentoring.session.record"
        for e in audit.entries(engine=api.engine, limit=20)
    )
