"""Voltaro's team in training: belts earned over the past year (Ingrid black, the webcare team from white
to blue, Noor new and without a belt), two certificates expiring within the month, so the report per
department has something to say. The gates stay off in the demo: ``luister org training gates on``
switches them on, and then the belts decide who drafts, sends and approves."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.organisation import training
from luister.organisation.belts import Belt
from luister.organisation.training_actions import submit_attempt
from luister.organisation.training_tables import training_attempt
from luister.storage.tables import user_account

# who, the belt they reached, and how many days before the demo's end they last passed their modules
TEAM: list[tuple[str, Belt | None, int]] = [
    ("ingrid@voltaro.example", Belt.black, 40),
    ("anouk@voltaro.example", Belt.blue, 120),
    ("sem@voltaro.example", Belt.green, 352),  # expires within the month
    ("grace@voltaro.example", Belt.orange, 60),
    ("daan@voltaro.example", Belt.yellow, 200),
    ("fatima@voltaro.example", Belt.white, 348),  # expires within the month
    ("joris@voltaro.example", Belt.green, 90),
    ("eva@voltaro.example", Belt.white, 30),
    ("lotte@voltaro.example", Belt.blue, 75),
    ("mark@voltaro.example", Belt.black, 150),
    ("noor@voltaro.example", None, 0),  # started this week: read the first module, not passed yet
]


def _answers(slug: str, *, right: int) -> list[int | None]:
    """The first ``right`` answers right, the others wrong (the curriculum's own key)."""
    questions = training.module(slug, "en").questions
    return [q.answer if n < right else (q.answer + 1) % len(q.options) for n, q in enumerate(questions)]


def play(*, engine: Engine, end: datetime) -> int:
    """Record the team's attempts (once: loading the demo again keeps them). Returns the attempts made."""
    with engine.connect() as conn:
        if conn.execute(sa.select(training_attempt.c.id).limit(1)).first() is not None:
            return 0
        known = set(conn.scalars(sa.select(user_account.c.email).where(user_account.c.active)))
    made = 0
    for email, belt, days in TEAM:
        if email not in known:
            continue
        language = "en" if email.startswith("grace") else "nl"
        if belt is None:
            first = _answers("listening-basics", right=3)
            submit_attempt(engine=engine, actor=email, module="listening-basics", language=language,
                           answers=first, now=end - timedelta(days=2))  # fmt: skip
            made += 1
            continue
        for step, (b, slugs) in enumerate(sorted(training.by_belt().items())):
            if b > belt:
                break
            for slug in slugs:
                at = end - timedelta(days=days, hours=6 * (belt - b) + step)
                if (step + len(email)) % 3 == 0:  # some needed a second try
                    submit_attempt(engine=engine, actor=email, module=slug, language=language,
                                   answers=_answers(slug, right=3), now=at - timedelta(hours=1))  # fmt: skip
                    made += 1
                submit_attempt(engine=engine, actor=email, module=slug, language=language,
                               answers=_answers(slug, right=5), now=at)  # fmt: skip
                made += 1
    return made
