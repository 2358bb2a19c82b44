"""Voltaro's maturity assessment in the demo: Ingrid, head of webcare, answers the questionnaire three
times in the story's two months (after the kick-off, a month later, and now), after the goals, KPIs and
targets and the evaluated #Zonnedeal campaign of the demo's KPI part (demo/kpis.py). A snapshot is taken at
every answer and at the end of every month, so the history shows the months as they were; every stage is
backed by the evidence luister gathers from the demo's own data (replies, routing, digests, approvals)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from luister.organisation import maturity_actions
from luister.organisation.maturity import month_end, months_back
from luister.organisation.maturity_read import latest_answers

HEAD_OF_WEBCARE = "ingrid@voltaro.example"
ANSWERS = [  # days before the end, the answers, the note
    (
        55,
        {
            "strategy": 2,
            "people": 3,
            "governance": 2,
            "processes": 3,
            "training": 1,
            "measurement": 2,
            "technology": 3,
        },
        "Nulmeting bij de start van het webcareteam.",
    ),
    (
        25,
        {
            "strategy": 3,
            "people": 3,
            "governance": 3,
            "processes": 3,
            "training": 2,
            "measurement": 3,
            "technology": 3,
        },
        "Goedkeuringsregels en routering naar juridisch en verkoop staan.",
    ),
    (
        0,
        {
            "strategy": 4,
            "people": 3,
            "governance": 3,
            "processes": 4,
            "training": 3,
            "measurement": 4,
            "technology": 4,
        },
        "Doelen met KPI's en streefwaarden; #Zonnedeal is geëvalueerd.",
    ),
]


def play(*, engine: Engine, start: datetime, end: datetime) -> int:
    """The assessment story; loading the demo again keeps the one it recorded the first time. Returns the
    number of assessments answered."""
    with engine.connect() as conn:
        if latest_answers(conn, at=end) is not None:
            return 0
    moments: list[tuple[datetime, dict[str, int] | None, str | None]] = [
        (end - timedelta(days=days, hours=2), answers, note) for days, answers, note in ANSWERS
    ]
    for month in months_back(end, 3):  # the end of every month of the story, and the moment of the end
        closing = min(month_end(month) - timedelta(minutes=1), end - timedelta(minutes=1))
        if closing >= start:
            moments.append((closing, None, None))
    for at, answers, note in sorted(moments, key=lambda m: m[0]):
        if answers is None:
            maturity_actions.take_snapshot(engine=engine, actor=HEAD_OF_WEBCARE, now=at)
        else:
            maturity_actions.answer(engine=engine, actor=HEAD_OF_WEBCARE, answers=answers, note=note, now=at)
    return len(ANSWERS)
