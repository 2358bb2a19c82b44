"""``/api/v1/mention-tags``: tags with their counts; rename, merge and delete on every mention at once,
audited; roles and departments as the mention list (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime

from api_helpers import Api, seed

from luister.domain.mention_filter import MentionFilter
from luister.domain.topics import TopicKind
from luister.listening.actions import tag_mentions
from luister.services.accounts import set_department
from luister.services.audit import entries
from luister.services.matching import rematch
from luister.services.mentions import search_mentions
from luister.services.topics import save_topic

NOW = datetime(2026, 12, 7, tzinfo=UTC)
HOSTILE = '<img src=x onerror="alert(1)">'


def tagged(api: Api, tag: str) -> list[int]:
    """The mentions the mention list shows for ``tag`` (its filter), by id."""
    return sorted(m.id for m in search_mentions(engine=api.engine, filters=MentionFilter(tag=tag)).mentions)


def tag(api: Api, ids: list[int], name: str) -> None:
    tag_mentions(engine=api.engine, mention_ids=ids, tag=name, actor="test", now=NOW)


def listed(api: Api, role: str = "viewer") -> dict[str, int]:
    answer = api.get("/api/v1/mention-tags", role=role)
    assert answer.status_code == 200, answer.text
    return {t["name"]: t["mentions"] for t in answer.json()}


def test_rename_merge_and_delete_follow_every_mention(api: Api) -> None:
    seed(api.settings, api.engine, 8, analyse=False)
    ids = sorted(m.id for m in search_mentions(engine=api.engine).mentions)
    tag(api, ids[:3], "klacht")
    tag(api, ids[2:5], "Klachten")
    tag(api, ids[6:], HOSTILE)
    assert listed(api) == {HOSTILE: 2, "Klachten": 3, "klacht": 3}

    renamed = api.post(
        "/api/v1/mention-tags/rename", role="agent", json={"tag": "klacht", "to": "  te  laat "}
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json() == {"name": "te laat", "mentions": 3}
    assert tagged(api, "te laat") == ids[:3] and tagged(api, "klacht") == []

    merged = api.post("/api/v1/mention-tags/merge", role="agent", json={"tag": "Klachten", "into": "te laat"})
    assert merged.status_code == 200, merged.text
    assert merged.json() == {"name": "te laat", "mentions": 5}  # ids[2] had both: it has "te laat" once
    assert tagged(api, "te laat") == ids[:5] and tagged(api, "Klachten") == []

    deleted = api.post("/api/v1/mention-tags/delete", role="agent", json={"tag": HOSTILE})
    assert deleted.status_code == 200 and deleted.json() == {"tag": HOSTILE, "mentions": 2}
    assert listed(api) == {"te laat": 5}
    assert len(search_mentions(engine=api.engine).mentions) == 8  # the mentions stay

    audit = entries(engine=api.engine, actor="agent@voltaro.example")
    assert [(e.action, e.target) for e in audit] == [
        ("mention_tag.delete", HOSTILE), ("mention_tag.merge", "Klachten"), ("mention_tag.rename", "klacht"),
    ]  # fmt: skip
    assert audit[0].detail == {"mentions": 2, "mention_ids": ids[6:]}
    assert audit[1].detail == {"to": "te laat", "mentions": 3, "mention_ids": ids[2:5]}


def test_refusals_say_why_and_change_nothing(api: Api) -> None:
    seed(api.settings, api.engine, 4, analyse=False)
    ids = sorted(m.id for m in search_mentions(engine=api.engine).mentions)
    tag(api, ids[:2], "a")
    tag(api, ids[2:], "b")
    cases = [
        ("rename", {"tag": "nope", "to": "c"}, 404),
        ("rename", {"tag": "a", "to": "b"}, 409),  # in use: merge instead
        ("rename", {"tag": "a", "to": "a"}, 422),
        ("rename", {"tag": "a", "to": "x" * 41}, 422),
        ("rename", {"tag": "a", "to": "tab\there"}, 422),
        ("merge", {"tag": "a", "into": "nope"}, 404),
        ("merge", {"tag": "nope", "into": "a"}, 404),
        ("merge", {"tag": "a", "into": "a"}, 422),
        ("delete", {"tag": "nope"}, 404),
        ("delete", {"tag": "a", "extra": 1}, 422),
    ]
    for what, body, status in cases:
        answer = api.post(f"/api/v1/mention-tags/{what}", role="analyst", json=body)
        assert answer.status_code == status, (what, body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    for what, body in (("rename", {"tag": "a", "to": "c"}), ("merge", {"tag": "a", "into": "b"}),
                       ("delete", {"tag": "a"})):  # fmt: skip
        assert api.post(f"/api/v1/mention-tags/{what}", role="viewer", json=body).status_code == 403
    assert listed(api) == {"a": 2, "b": 2}
    assert entries(engine=api.engine, actor="analyst@voltaro.example") == []


def test_a_department_sees_and_changes_the_tags_of_every_mention(api: Api) -> None:
    """Departments scope topics, not mentions: an agent in one department reads the whole mention list,
    so every tag, also one only on mentions of another department's topic, and may change it."""
    seed(api.settings, api.engine, 8, analyse=False)
    save_topic(
        engine=api.engine, name="Verkoop", kind=TopicKind.other, query="stroomwijs", department="sales"
    )
    rematch(engine=api.engine)
    set_department(engine=api.engine, email="agent@voltaro.example", department="service", actor="test")
    theirs = sorted(m.id for m in search_mentions(engine=api.engine, query="stroomwijs").mentions)
    assert theirs
    tag(api, theirs, "overstappers")
    agent_sees = {m["id"] for m in api.get("/api/v1/mentions", role="agent").json()["items"]}
    assert set(theirs) <= agent_sees  # the mentions themselves are in the agent's list
    assert listed(api, role="agent") == {"overstappers": len(theirs)}
    answer = api.post("/api/v1/mention-tags/rename", role="agent", json={"tag": "overstappers", "to": "weg"})
    assert answer.status_code == 200 and tagged(api, "weg") == theirs
