"""The knowledge base's and mentoring's actions and reads on SQLite and PostgreSQL: versions with audit,
translations (one per language; a deleted original hands over), links and related articles in the
reader's language, the search index kept on every change, mentoring evidence on a controlled clock, and
Voltaro's demo part."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from luister.alerts.actions import save_rule
from luister.alerts.model import RuleKind
from luister.demo import organisation_knowledge as demo
from luister.organisation import knowledge_actions as actions
from luister.organisation import knowledge_read as read
from luister.organisation import mentoring_actions, mentoring_read
from luister.organisation.knowledge import ArticleProblem, TargetKind, conversation_targets
from luister.organisation.mentoring import MentoringProblem
from luister.services import audit

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _article(engine: Engine, language: str = "nl", **kw: object) -> int:
    values: dict[str, object] = {
        "kind": "playbook",
        "language": language,
        "title": "Storing",
        "body": "Bel de netbeheerder.",
    }
    return actions.create_article(engine=engine, actor="t", now=NOW, **(values | kw))  # type: ignore[arg-type]


def test_versions_translations_and_the_search_index(engine: Engine) -> None:
    nl = _article(engine, tags=["storing"])
    en = _article(engine, "en", title="Outage", body="Call the grid operator.", translation_of=nl)
    with pytest.raises(ArticleProblem, match="already has a version in 'en'"):
        _article(engine, "en", title="Outage 2", body="y", translation_of=nl)
    with pytest.raises(actions.Taken):
        _article(engine, title="Storing")  # the same slug
    assert (
        actions.edit_article(
            engine=engine, actor="ann", now=NOW, article_id=nl, body="Bel eerst de monteur.", note="beter"
        )
        == 2
    )
    with pytest.raises(ArticleProblem, match="changed meanwhile"):
        actions.edit_article(
            engine=engine, actor="bob", now=NOW, article_id=nl, title="x", expected_version=1
        )
    shown = read.detail(engine=engine, article_id=nl)
    assert [(v.version, v.edited_by, v.note) for v in shown.versions] == [(2, "ann", "beter"), (1, "t", "")]
    assert [t.id for t in shown.translations] == [en] and shown.article.title == "Storing"
    # the index follows the edit: the old word is gone, the new one found
    assert [h.article.id for h in read.search(engine=engine, text="netbeheerder")] == []
    assert [h.article.id for h in read.search(engine=engine, text="monteurs")] == [nl]
    assert [h.article.id for h in read.search(engine=engine, text="grid operators")] == [en]
    assert read.search(engine=engine, text="?! de het") == []
    assert [e.action for e in audit.entries(engine=engine, limit=5)][:2] == [
        "kb.article.edit",
        "kb.article.create",
    ]
    third = _article(engine, "en", title="Outage FAQ", body="z", kind="policy_faq")
    actions.delete_article(engine=engine, actor="t", article_id=nl)
    assert read.detail(engine=engine, article_id=en).article.translation_of is None
    assert [h.article.id for h in read.search(engine=engine, text="monteur")] == []
    assert {h.article.id for h in read.search(engine=engine, text="outage")} == {en, third}


def test_links_and_related_articles_in_the_readers_language(engine: Engine) -> None:
    churn_nl = _article(engine, title="Opzeggen", body="a")
    churn_en = _article(engine, "en", title="Cancelling", body="b", translation_of=churn_nl)
    billing = _article(engine, title="Rekening", body="c", kind="holding_statement")
    assert actions.link(
        engine=engine, actor="t", now=NOW, article_id=churn_nl, target_kind="intent", target_key="Churn"
    )
    assert not actions.link(
        engine=engine, actor="t", now=NOW, article_id=churn_nl, target_kind="intent", target_key="churn"
    )  # already
    actions.link(
        engine=engine, actor="t", now=NOW, article_id=billing, target_kind="department", target_key="billing"
    )
    actions.link(
        engine=engine, actor="t", now=NOW, article_id=churn_en, target_kind="tag", target_key="overstappen"
    )
    targets = conversation_targets(intent="churn", department="billing", tags=["overstappen"])
    assert [a.id for a in read.related(engine=engine, targets=targets, language="en")] == [churn_en, billing]
    assert [a.id for a in read.related(engine=engine, targets=targets, language="nl")] == [churn_nl, billing]
    assert read.related(engine=engine, targets=[(TargetKind.intent, "praise")], language="nl") == []
    with pytest.raises(ArticleProblem, match="target_kind"):
        actions.link(
            engine=engine, actor="t", now=NOW, article_id=billing, target_kind="planet", target_key="x"
        )
    with pytest.raises(read.UnknownArticle):
        actions.link(engine=engine, actor="t", now=NOW, article_id=999, target_kind="tag", target_key="x")
    assert actions.unlink(
        engine=engine, actor="t", article_id=billing, target_kind="department", target_key="BILLING"
    )
    assert read.links_to(engine=engine, target_kind="department", target_key="billing") == []


def test_mentoring_evidence_on_a_controlled_clock(engine: Engine) -> None:
    pair = mentoring_actions.create_pair(
        engine=engine, actor="t", now=NOW, mentor="Anouk", mentee="Hester", started_on=date(2026, 6, 1)
    )
    other = mentoring_actions.create_pair(
        engine=engine, actor="t", now=NOW, mentor="Sem", mentee="hester", started_on=date(2026, 7, 1)
    )
    for day in (date(2026, 6, 10), date(2026, 8, 1), date(2026, 11, 20)):
        mentoring_actions.record_session(
            engine=engine, actor="t", now=NOW, pair_id=pair, held_on=day, topics=["TikTok"]
        )
    mentoring_actions.end_pair(engine=engine, actor="t", pair_id=other, ended_on=date(2026, 9, 30))
    with pytest.raises(MentoringProblem, match="outside"):
        mentoring_actions.record_session(
            engine=engine, actor="t", now=NOW, pair_id=other, held_on=date(2026, 10, 5), topics=["x"]
        )
    with pytest.raises(MentoringProblem, match="topics"):
        mentoring_actions.record_session(
            engine=engine, actor="t", now=NOW, pair_id=pair, held_on=date(2026, 10, 5), topics=["  "]
        )
    with engine.connect() as conn:
        today = mentoring_read.evidence(conn, NOW)
        in_august = mentoring_read.evidence(conn, datetime(2026, 8, 15, tzinfo=UTC))
    assert (
        today.pairs,
        today.active_pairs,
        today.executives_mentored,
        today.sessions,
        today.recent_sessions,
        today.last_session_on,
    ) == (2, 1, 1, 3, 1, date(2026, 11, 20))
    # in August both pairs ran (one executive: names compare without case); later sessions do not count yet
    assert (
        in_august.active_pairs,
        in_august.executives_mentored,
        in_august.sessions,
        in_august.recent_sessions,
    ) == (2, 1, 2, 2)


def test_voltaros_demo_part(engine: Engine) -> None:
    end = NOW
    save_rule(engine=engine, actor="demo", name="Crisis", kind=RuleKind.intent, intent="crisis")
    made = demo.play(engine=engine, end=end)
    assert made.articles == 28 and made.sessions == 4
    assert demo.play(engine=engine, end=end).articles == 0  # a second run adds nothing
    outage = read.detail(engine=engine, article_id=read.article_id_of(engine=engine, ref="playbook-storing"))
    assert outage.article.version == 2 and "elk uur een update" in outage.article.body
    crisis = read.links_to(engine=engine, target_kind="alert_rule", target_key="1")
    assert read.article_id_of(engine=engine, ref="houdverklaring-datalek") in crisis
    (pair,) = mentoring_read.pairs(engine=engine)
    assert (pair.mentor, pair.mentee_role, len(pair.sessions)) == ("Anouk de Vries", "CEO", 4)
    with engine.connect() as conn:
        assert mentoring_read.evidence(conn, end).recent_sessions == 4
    assert pair.started_on == (end - timedelta(days=60)).date() and pair.active(end.date())
