"""The organisation's own evidence for the maturity assessment: the policy and its acknowledgements,
training belts, reverse mentoring and the centre of excellence's knowledge base, each as it stood at
``now`` (providers of :mod:`luister.organisation.maturity_evidence`'s registry)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from luister.organisation import knowledge_read, mentoring_read, policy_read, training_read
from luister.organisation import maturity_rules as rules
from luister.organisation.maturity import Dimension, Evidence, Figure, Text

D = Dimension


def policy(conn: Connection, now: datetime) -> Evidence:
    found = policy_read.evidence(conn, now)
    stage, reason = rules.policy(version=found.version, people=found.people, acknowledged=found.acknowledged)
    return Evidence(
        "policy",
        Text("A policy that governs", "Beleid dat geldt"),
        (D.governance,),
        (
            Figure("version", Text("version in force", "versie van kracht"), found.version or 0),
            Figure("people", Text("people", "mensen"), found.people),
            Figure("acknowledged", Text("acknowledged it", "bevestigden het"), found.acknowledged),
        ),
        "/organisation/policy",
        stage,
        reason,
    )


def training(conn: Connection, now: datetime) -> Evidence:
    found = training_read.evidence(conn, now)
    stage, reason = rules.training(
        people=found.people,
        belted=found.belted,
        green_or_higher=found.green_or_higher,
        gates_on=found.gates_on,
    )
    return Evidence(
        "training",
        Text("People trained, by belt", "Mensen getraind, per band"),
        (D.training, D.people),
        (
            Figure("people", Text("people", "mensen"), found.people),
            Figure("belted", Text("with a valid belt", "met een geldige band"), found.belted),
            Figure("green", Text("green belt or higher", "groene band of hoger"), found.green_or_higher),
            Figure("gates", Text("belts gate replies", "banden bepalen antwoorden"), int(found.gates_on)),
        ),
        "/organisation/training/report",
        stage,
        reason,
    )


def mentoring(conn: Connection, now: datetime) -> Evidence:
    found = mentoring_read.evidence(conn, now)
    stage, reason = rules.mentoring(
        active_pairs=found.active_pairs,
        executives_mentored=found.executives_mentored,
        recent_sessions=found.recent_sessions,
    )
    return Evidence(
        "mentoring",
        Text("Reverse mentoring", "Omgekeerd mentorschap"),
        (D.people, D.strategy),
        (
            Figure("active_pairs", Text("active pairs", "actieve paren"), found.active_pairs),
            Figure(
                "executives", Text("executives mentored", "bestuurders gementord"), found.executives_mentored
            ),
            Figure("sessions", Text("sessions in 90 days", "sessies in 90 dagen"), found.recent_sessions),
        ),
        "/organisation/mentoring",
        stage,
        reason,
    )


def knowledge(conn: Connection, now: datetime) -> Evidence:
    articles = knowledge_read.counts(conn=conn, until=now)
    stage, reason = rules.knowledge(articles=articles)
    return Evidence(
        "knowledge",
        Text("The centre of excellence's knowledge base", "De kennisbank van het kenniscentrum"),
        (D.processes, D.people),
        (
            Figure("articles", Text("articles", "artikelen"), sum(articles.values())),
            Figure("playbooks", Text("playbooks", "draaiboeken"), articles.get("playbook", 0)),
            Figure(
                "holding_statements",
                Text("holding statements", "standaardverklaringen"),
                articles.get("holding_statement", 0),
            ),
            Figure("lessons", Text("lessons learned", "geleerde lessen"), articles.get("lesson_learned", 0)),
        ),
        "/organisation/knowledge",
        stage,
        reason,
    )
