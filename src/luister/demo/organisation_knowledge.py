"""Voltaro's centre of excellence in the demo: the starter knowledge base (playbooks, holding statements,
policy FAQs, a lesson learned and the Zonnedeal evaluation, in Dutch and English) written by
communications a month ago, tied to the demo's alert rules, the outage playbook improved after the lesson
(version 2), and a reverse-mentoring pair: Anouk from webcare mentors Voltaro's CEO, with their sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from luister.alerts.model import AlertRuleError
from luister.alerts.read import get_rule
from luister.organisation import knowledge_actions, knowledge_read, knowledge_starter, mentoring_actions
from luister.organisation.mentoring_read import pairs

AUTHOR = "lotte@voltaro.example"  # communications keeps the knowledge base
MENTOR = "Anouk de Vries"
CEO = "Hester Kok"
# (days before the end, topics, notes)
SESSIONS = [
    (56, ["wat is webcare", "de inbox van luister"],
     "Hester las een uur mee in de inbox; verbaasd over het aantal vragen over de jaarafrekening."),
    (42, ["TikTok", "toon van webcare"],
     "Samen door de reacties op de Zonnedeal-video; waarom 'je' en niet 'u'."),
    (28, ["storing", "houdverklaring", "crisis"],
     "De storing van januari nagespeeld met het playbook en de houdverklaring; Hester wil elk uur een "
     "update, ook zonder nieuws."),
    (12, ["LinkedIn", "eigen account"],
     "Hester's eerste eigen LinkedIn-post over de energietransitie, met de beleids-FAQ over privéaccounts "
     "ernaast."),
]  # fmt: skip
# the demo's alert rules and the articles their alerts show (beyond those tied to the rules' kinds)
RULE_LINKS = {
    "Crisis": ("houdverklaring-datalek", "playbook-persvraag"),
    "Voltaro piek": ("playbook-storing",),
}


@dataclass(frozen=True, slots=True)
class DemoKnowledge:
    articles: int
    sessions: int


def play(*, engine: Engine, end: datetime) -> DemoKnowledge:
    written = knowledge_starter.load(engine=engine, actor=AUTHOR, now=end - timedelta(days=30))
    if written:
        for rule_name, slugs in RULE_LINKS.items():
            try:
                rule_id = get_rule(engine=engine, name=rule_name).id
            except AlertRuleError:
                continue
            for slug in slugs:
                knowledge_actions.link(
                    engine=engine,
                    actor=AUTHOR,
                    now=end - timedelta(days=30),
                    article_id=knowledge_read.article_id_of(engine=engine, ref=slug),
                    target_kind="alert_rule",
                    target_key=str(rule_id),
                )
        outage = knowledge_read.article_id_of(engine=engine, ref="playbook-storing")
        body = knowledge_read.detail(engine=engine, article_id=outage).article.body
        knowledge_actions.edit_article(
            engine=engine,
            actor="anouk@voltaro.example",
            now=end - timedelta(days=9),
            article_id=outage,
            body=body.replace(
                "beloof een update binnen een uur.", "geef elk uur een update, ook zonder nieuws."
            ),
            note="na de geleerde les van januari: vaste updates",
        )
    if any(p.mentee == CEO for p in pairs(engine=engine)):
        return DemoKnowledge(written, 0)
    pair = mentoring_actions.create_pair(
        engine=engine,
        actor=AUTHOR,
        now=end - timedelta(days=60),
        mentor=MENTOR,
        mentor_role="webcare",
        mentee=CEO,
        mentee_role="CEO",
        started_on=(end - timedelta(days=60)).date(),
        goal="De CEO begrijpt hoe klanten over Voltaro praten en post zelf op LinkedIn.",
    )
    for days, topics, notes in SESSIONS:
        held = end - timedelta(days=days)
        mentoring_actions.record_session(
            engine=engine,
            actor="anouk@voltaro.example",
            now=held,
            pair_id=pair,
            held_on=held.date(),
            topics=topics,
            notes=notes,
            minutes=45,
        )
    return DemoKnowledge(written, len(SESSIONS))
