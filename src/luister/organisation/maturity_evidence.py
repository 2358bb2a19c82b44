"""The evidence registry: luister's own data, gathered for the maturity assessment as it stood at ``now``.

A provider is a function ``(conn, now) -> Evidence``: figures from the database as they were at ``now``
(what happened in the :data:`WINDOW` before it, what was set up before it), the link to the page that
shows them, and the stage they demonstrate (:mod:`luister.organisation.maturity_rules`). ``PROVIDERS``
lists them; another capability adds its evidence with one line there (a policy's acknowledgements, belts
per person, mentoring pairs, knowledge-base articles), its provider living in its own ``read`` module.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from luister.inbox import organisation_read as inbox
from luister.kpis import organisation_read as kpis
from luister.organisation import maturity_evidence_org as org
from luister.organisation import maturity_rules as rules
from luister.organisation.maturity import Dimension, Evidence, Figure, Text
from luister.organisation.maturity_model import MODEL_NAMES, MODEL_STAGES, infer_model
from luister.storage.tables import source, topic

Provider = Callable[[Connection, datetime], Evidence]
WINDOW = timedelta(days=90)
D = Dimension


def _window(now: datetime) -> dict[str, datetime]:
    return {"since": now - WINDOW, "until": now}


def _period_query(now: datetime) -> str:
    """The inbox reports' period for the window (UTC minutes)."""
    return urlencode(
        {"since": (now - WINDOW).strftime("%Y-%m-%dT%H:%M"), "until": now.strftime("%Y-%m-%dT%H:%M")}
    )


def listening(conn: Connection, now: datetime) -> Evidence:
    t = topic.c
    made = t.created_at < now
    topics, competitors = conn.execute(
        sa.select(sa.func.count(), sa.func.count().filter(t.kind == "competitor")).where(
            made, t.enabled.is_(True)
        )
    ).one()
    sources = int(
        conn.execute(
            sa.select(sa.func.count()).where(source.c.created_at < now, source.c.enabled.is_(True))
        ).scalar_one()
    )
    stage, reason = rules.listening(topics=int(topics), competitor_topics=int(competitors), sources=sources)
    return Evidence(
        "listening",
        Text("Listening: topics and sources", "Luisteren: onderwerpen en bronnen"),
        (D.technology, D.strategy),
        (
            Figure("topics", Text("topics", "onderwerpen"), int(topics)),
            Figure(
                "competitor_topics",
                Text("competitor topics", "onderwerpen over concurrenten"),
                int(competitors),
            ),
            Figure("sources", Text("sources", "bronnen"), sources),
        ),
        "/topics",
        stage,
        reason,
    )


def engagement(conn: Connection, now: datetime) -> Evidence:
    done = inbox.replies(conn, **_window(now))
    voices = inbox.setup(conn, until=now).voices
    stage, reason = rules.engagement(
        voices=voices,
        answers=done.answers,
        at_source=done.at_source,
        median_minutes=done.median_first_response_minutes,
    )
    figures = [
        Figure("voices", Text("accounts of our own", "eigen accounts"), voices),
        Figure(
            "answers",
            Text("replies to customers (90 days)", "antwoorden aan klanten (90 dagen)"),
            done.answers,
        ),
        Figure("at_source", Text("of them at the source", "waarvan bij de bron"), done.at_source),
        Figure("from_luister", Text("sent from luister", "verstuurd vanuit luister"), done.from_luister),
    ]
    if done.median_first_response_minutes is not None:
        figures.append(
            Figure(
                "median_first_response",
                Text("median first response", "mediane eerste reactie"),
                done.median_first_response_minutes,
                "min",
            )
        )
    return Evidence(
        "engagement",
        Text("Replies at the source and response times", "Antwoorden bij de bron en responstijden"),
        (D.technology, D.processes, D.measurement),
        tuple(figures),
        f"/inbox/reports?{_period_query(now)}",
        stage,
        reason,
    )


def routing(conn: Connection, now: datetime) -> Evidence:
    counts = inbox.conversations_by_department(conn, **_window(now))
    total = sum(counts.values())
    shares = {key: n / total for key, n in counts.items()} if total else {}
    rules_set = inbox.setup(conn, until=now).routing_rules
    stage, reason = rules.routing(shares=shares, routing_rules=rules_set)
    figures = [
        Figure("conversations", Text("conversations (90 days)", "gesprekken (90 dagen)"), total),
        Figure("routing_rules", Text("routing rules", "routeringsregels"), rules_set),
        Figure(
            "departments",
            Text("departments routed to", "afdelingen waarheen gerouteerd"),
            sum(1 for key in counts if key),
        ),
    ]
    for key, share in sorted(shares.items(), key=lambda kv: (-kv[1], kv[0])):
        label = key or "—"
        figures.append(
            Figure(f"share:{key}", Text(f"share {label}", f"aandeel {label}"), round(100 * share, 1), "%")
        )
    return Evidence(
        "routing",
        Text("Departments routed to and their share", "Afdelingen en hun aandeel in de gesprekken"),
        (D.people, D.processes),
        tuple(figures),
        f"/inbox/reports?{_period_query(now)}",
        stage,
        reason,
    )


def organisation_model(conn: Connection, now: datetime) -> Evidence:
    found = infer_model(
        inbox.answers_by_department(conn, **_window(now)), inbox.approvals_by_department(conn, **_window(now))
    )
    figures = (
        Figure(
            "answers", Text("replies by people (90 days)", "antwoorden door mensen (90 dagen)"), found.answers
        ),
        Figure("approvals", Text("approvals (90 days)", "goedkeuringen (90 dagen)"), found.approvals),
        Figure("answering", Text("departments answering", "afdelingen die antwoorden"), len(found.answering)),
        Figure("approving", Text("departments approving", "afdelingen die goedkeuren"), len(found.approving)),
        Figure(
            "top_answer_share",
            Text("largest share of replies", "grootste aandeel antwoorden"),
            round(100 * found.top_answer_share, 1),
            "%",
        ),
        Figure(
            "top_approval_share",
            Text("largest share of approvals", "grootste aandeel goedkeuringen"),
            round(100 * found.top_approval_share, 1),
            "%",
        ),
    )
    name = MODEL_NAMES[found.model]
    return Evidence(
        "model",
        Text(f"Organisation model: {name.en}", f"Organisatiemodel: {name.nl}"),
        (D.people,),
        figures,
        f"/organisation/maturity?{urlencode({'at': now.strftime('%Y-%m-%dT%H:%M')})}#model",
        MODEL_STAGES[found.model],
        found.reason,
    )


def digest_uptake(conn: Connection, now: datetime) -> Evidence:
    found = inbox.digests(conn, **_window(now))
    stage, reason = rules.digests(
        digests=found.digests, taken_up=found.taken_up, departments_taking_up=found.departments_taking_up
    )
    return Evidence(
        "digests",
        Text("Digests taken up by departments", "Digests opgepakt door afdelingen"),
        (D.strategy, D.processes),
        (
            Figure("digests", Text("digests (90 days)", "digests (90 dagen)"), found.digests),
            Figure("items", Text("themes in them", "thema's erin"), found.items),
            Figure("decided", Text("themes decided", "thema's besloten"), found.decided),
            Figure("taken_up", Text("themes taken up", "thema's opgepakt"), found.taken_up),
            Figure(
                "departments_taking_up",
                Text("departments taking up", "afdelingen die oppakken"),
                found.departments_taking_up,
            ),
        ),
        "/inbox/digests",
        stage,
        reason,
    )


def goals(conn: Connection, now: datetime) -> Evidence:
    found = kpis.goals(conn, until=now)
    stage, reason = rules.goals(
        goals=found.goals,
        goals_with_kpis=found.goals_with_kpis,
        kpis_with_targets=found.kpis_with_targets,
        departments_with_targets=found.departments_with_targets,
    )
    return Evidence(
        "goals",
        Text("Goals with KPIs and targets", "Doelen met KPI's en streefwaarden"),
        (D.strategy, D.measurement),
        (
            Figure("goals", Text("goals", "doelen"), found.goals),
            Figure("goals_with_kpis", Text("goals with KPIs", "doelen met KPI's"), found.goals_with_kpis),
            Figure("kpis", Text("KPIs", "KPI's"), found.kpis),
            Figure(
                "kpis_with_targets",
                Text("KPIs with targets", "KPI's met streefwaarden"),
                found.kpis_with_targets,
            ),
            Figure(
                "departments_with_targets",
                Text("departments with targets", "afdelingen met streefwaarden"),
                found.departments_with_targets,
            ),
        ),
        "/goals",
        stage,
        reason,
    )


def project_evaluations(conn: Connection, now: datetime) -> Evidence:
    found = kpis.projects(conn, until=now)
    stage, reason = rules.projects(ended=found.ended, evaluated=found.evaluated)
    return Evidence(
        "projects",
        Text("Projects evaluated", "Projecten geëvalueerd"),
        (D.measurement,),
        (
            Figure("ended", Text("projects ended", "projecten afgelopen"), found.ended),
            Figure("evaluated", Text("of them evaluated", "waarvan geëvalueerd"), found.evaluated),
        ),
        "/projects",
        stage,
        reason,
    )


def approvals(conn: Connection, now: datetime) -> Evidence:
    set_up = inbox.setup(conn, until=now)
    approved = sum(inbox.approvals_by_department(conn, **_window(now)).values())
    stage, reason = rules.approvals(approval_rules=set_up.approval_rules, approved=approved)
    return Evidence(
        "approvals",
        Text("Approval of replies", "Goedkeuring van antwoorden"),
        (D.governance,),
        (
            Figure("approval_rules", Text("approval rules", "goedkeuringsregels"), set_up.approval_rules),
            Figure(
                "approved", Text("replies approved (90 days)", "antwoorden goedgekeurd (90 dagen)"), approved
            ),
        ),
        "/inbox/approvals",
        stage,
        reason,
    )


def onboarding(conn: Connection, now: datetime) -> Evidence:
    set_up = inbox.setup(conn, until=now)
    reviewed = inbox.reviewed_authors(conn, until=now)
    stage, reason = rules.onboarding(new_agent_rule=set_up.new_agent_rule, reviewed_authors=reviewed)
    return Evidence(
        "onboarding",
        Text("New agents' replies reviewed", "Antwoorden van nieuwe medewerkers nagekeken"),
        (D.training,),
        (
            Figure(
                "new_agent_rule",
                Text("rule for new agents", "regel voor nieuwe medewerkers"),
                int(set_up.new_agent_rule),
            ),
            Figure(
                "reviewed_authors",
                Text("people whose replies were reviewed", "mensen van wie antwoorden zijn nagekeken"),
                reviewed,
            ),
        ),
        "/inbox/approvals",
        stage,
        reason,
    )


# The registry, in the order the page shows them. Other capabilities' evidence joins with one line each.
PROVIDERS: tuple[Provider, ...] = (
    listening,
    engagement,
    routing,
    organisation_model,
    digest_uptake,
    goals,
    project_evaluations,
    approvals,
    onboarding,
    org.policy,
    org.training,
    org.mentoring,
    org.knowledge,
)


def gather(conn: Connection, now: datetime, providers: tuple[Provider, ...] = PROVIDERS) -> list[Evidence]:
    return [provide(conn, now) for provide in providers]
