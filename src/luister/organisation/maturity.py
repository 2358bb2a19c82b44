"""Altimeter's six stages of social business, assessed along seven dimensions (pure: no I/O, ``now`` is an
argument where time matters).

Two sources say where an organisation stands, side by side:

* the **questionnaire** (versioned, Dutch and English): one statement per stage for each dimension; the
  person answering picks the one that fits. :func:`score` turns answers into a stage per dimension and an
  overall stage, deterministically;
* **evidence** from luister's own data (:class:`Evidence`, gathered by the providers of
  :mod:`luister.organisation.maturity_evidence`): figures with a link to the page that shows them, and the
  stage they suggest. :func:`suggest` combines them the same way.

A dimension's stage is the lower median of its answers (the questionnaire), or the highest stage its
evidence demonstrates; the overall stage is the lower median of the dimensions, at most one stage above
the weakest dimension (a weak dimension holds the organisation back). Raising any answer never lowers a
stage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import IntEnum, StrEnum

from luister.domain.said import Said


class Stage(IntEnum):
    planning = 1  # listen to learn
    presence = 2  # accounts of our own, one-way
    engagement = 3  # conversations with customers
    formalized = 4  # organise for scale: sponsor, centre of excellence, governance
    strategic = 5  # business units use social; goals tied to outcomes
    converged = 6  # social is part of how the whole company works


class Dimension(StrEnum):
    strategy = "strategy"
    people = "people"
    governance = "governance"
    processes = "processes"
    training = "training"
    measurement = "measurement"
    technology = "technology"


@dataclass(frozen=True, slots=True)
class Text:
    """A text a person reads, in English and Dutch."""

    en: str
    nl: str

    def in_(self, language: str) -> str:
        return self.nl if language == "nl" else self.en


STAGE_NAMES: Mapping[Stage, Text] = {
    Stage.planning: Text("Planning", "Planning"),
    Stage.presence: Text("Presence", "Aanwezigheid"),
    Stage.engagement: Text("Engagement", "Betrokkenheid"),
    Stage.formalized: Text("Formalized", "Geformaliseerd"),
    Stage.strategic: Text("Strategic", "Strategisch"),
    Stage.converged: Text("Converged", "Geconvergeerd"),
}
DIMENSION_NAMES: Mapping[Dimension, Text] = {
    Dimension.strategy: Text("Strategy and goals", "Strategie en doelen"),
    Dimension.people: Text("People and organisation", "Mensen en organisatie"),
    Dimension.governance: Text("Governance and policy", "Governance en beleid"),
    Dimension.processes: Text("Processes", "Processen"),
    Dimension.training: Text("Training", "Training"),
    Dimension.measurement: Text("Measurement", "Meten"),
    Dimension.technology: Text("Technology", "Technologie"),
}


@dataclass(frozen=True, slots=True)
class Question:
    key: str  # answers are keyed by it
    dimension: Dimension
    text: Text
    statements: tuple[Text, Text, Text, Text, Text, Text]  # one per stage, planning first

    def statement(self, stage: Stage) -> Text:
        return self.statements[stage - 1]


@dataclass(frozen=True, slots=True)
class Questionnaire:
    version: str
    questions: tuple[Question, ...]


class AnswerProblem(Said, ValueError):
    """Answers that cannot be scored; ``field`` names the answer (in English and Dutch)."""


def lower_median(stages: Sequence[Stage]) -> Stage:
    """The lower of the two middle values (a stage actually named, never an average between two)."""
    if not stages:
        raise ValueError("no stages to take the median of")
    ordered = sorted(stages)
    return ordered[(len(ordered) - 1) // 2]


def overall(dimensions: Mapping[Dimension, Stage]) -> Stage:
    """The lower median of the dimensions' stages, at most one above the weakest."""
    values = list(dimensions.values())
    return Stage(min(lower_median(values), min(values) + 1))


@dataclass(frozen=True, slots=True)
class Scored:
    dimensions: dict[Dimension, Stage]
    overall: Stage


def checked_answers(questionnaire: Questionnaire, answers: Mapping[str, object]) -> dict[str, Stage]:
    """Answers keyed by question, each a stage number 1-6; every question answered, nothing else."""
    known = {q.key for q in questionnaire.questions}
    for key in answers:
        if key not in known:
            raise AnswerProblem(
                key,
                f"{key!r} is not a question of questionnaire {questionnaire.version}: "
                f"use {', '.join(sorted(known))}",
                f"{key!r} is geen vraag van vragenlijst {questionnaire.version}: "
                f"gebruik {', '.join(sorted(known))}",
            )
    missing = sorted(known - set(answers))
    if missing:
        raise AnswerProblem(
            missing[0], f"no answer for {', '.join(missing)}", f"geen antwoord op {', '.join(missing)}"
        )
    checked: dict[str, Stage] = {}
    for key, value in answers.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= len(Stage):
            raise AnswerProblem(
                key,
                f"{key}: answer with a stage from 1 to {len(Stage)}, not {value!r}",
                f"{key}: antwoord met een fase van 1 tot en met {len(Stage)}, niet {value!r}",
            )
        checked[key] = Stage(value)
    return checked


def score(questionnaire: Questionnaire, answers: Mapping[str, object]) -> Scored:
    """Answers (question → the stage whose statement fits) → a stage per dimension and overall."""
    by_dimension: dict[Dimension, list[Stage]] = {}
    checked = checked_answers(questionnaire, answers)
    for question in questionnaire.questions:
        by_dimension.setdefault(question.dimension, []).append(checked[question.key])
    dimensions = {d: lower_median(v) for d, v in by_dimension.items()}
    return Scored(dimensions, overall(dimensions))


# --- evidence --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    key: str
    label: Text
    value: float
    unit: str = ""  # "", "%", "min"


@dataclass(frozen=True, slots=True)
class Evidence:
    """What luister's own data says about some dimensions: figures, the page that shows them, and the stage
    they suggest with the reason (``stage`` None: the figures say nothing about the stage yet)."""

    key: str
    title: Text
    dimensions: tuple[Dimension, ...]
    figures: tuple[Figure, ...]
    link: str
    stage: Stage | None
    reason: Text

    def figure(self, key: str) -> float:
        return next(f.value for f in self.figures if f.key == key)


@dataclass(frozen=True, slots=True)
class Claim:
    """A stage claimed for a dimension (or overall, ``dimension`` None), and the evidence behind it."""

    dimension: Dimension | None
    stage: Stage | None
    links: tuple[str, ...]
    evidence: tuple[str, ...]  # evidence keys


@dataclass(frozen=True, slots=True)
class Suggested:
    dimensions: dict[Dimension, Stage | None]
    overall: Stage | None
    claims: tuple[Claim, ...] = field(default=())


def suggest(evidence: Sequence[Evidence]) -> Suggested:
    """The stage the evidence suggests per dimension and overall, with every claim carrying the links of
    all evidence about its dimension. Each piece of evidence names the stage its figures demonstrate (and
    no more), so a dimension stands at the highest stage any of its evidence demonstrates; overall as
    :func:`overall`, over the dimensions that have a suggestion."""
    dimensions: dict[Dimension, Stage | None] = {}
    claims: list[Claim] = []
    for dimension in Dimension:
        about = [e for e in evidence if dimension in e.dimensions]
        votes = [e.stage for e in about if e.stage is not None]
        dimensions[dimension] = max(votes) if votes else None
        claims.append(Claim(dimension, dimensions[dimension], _links(about), tuple(e.key for e in about)))
    known = {d: s for d, s in dimensions.items() if s is not None}
    total = overall(known) if known else None
    claims.insert(0, Claim(None, total, _links(evidence), tuple(e.key for e in evidence)))
    return Suggested(dimensions, total, tuple(claims))


def _links(evidence: Sequence[Evidence]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(e.link for e in evidence))


# --- next steps ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    dimension: Dimension
    towards: Stage
    text: Text


def next_steps(questionnaire: Questionnaire, stages: Mapping[Dimension, Stage]) -> list[Step]:
    """What the next overall stage asks: for every dimension below it, the statement of the stage above
    where that dimension stands (weakest dimensions first; one step per dimension). Empty at the last
    stage."""
    target = overall(stages) + 1
    if target > max(Stage):
        return []
    steps: list[Step] = []
    seen: set[Dimension] = set()
    for question in sorted(questionnaire.questions, key=lambda q: (stages[q.dimension], q.dimension.value)):
        current = stages[question.dimension]
        if current < target and question.dimension not in seen:
            seen.add(question.dimension)
            towards = Stage(current + 1)
            steps.append(Step(question.dimension, towards, question.statement(towards)))
    return steps


# --- months, for the history ------------------------------------------------------------------------------

MAX_MONTHS = 36
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # an assessment "as it stood" before this is a typo


def moment_problem(at: datetime, now: datetime, language: str = "en") -> str | None:
    """Why ``at`` cannot be assessed (in the future, or before 2000), in ``language``; or None."""
    if at > now:
        return Text("at: give a moment in the past", "at: kies een moment in het verleden").in_(language)
    if at < EARLIEST:
        return Text(
            f"at: give a moment after {EARLIEST:%Y-%m-%d}", f"at: kies een moment na {EARLIEST:%Y-%m-%d}"
        ).in_(language)
    return None


def month_start(moment: datetime | date) -> date:
    """The first day of the month of ``moment`` (its UTC date, for a datetime)."""
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    return date(day.year, day.month, 1)


def month_end(month: date) -> datetime:
    """The first moment after the month that starts on ``month`` (UTC)."""
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return datetime(following.year, following.month, 1, tzinfo=UTC)


def months_back(now: datetime, months: int) -> list[date]:
    """The first days of the last ``months`` months up to the month of ``now``, oldest first."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months: give 1 to {MAX_MONTHS}, not {months}")
    first = month_start(now)
    found = [first]
    for _ in range(months - 1):
        first = month_start(first - timedelta(days=1))
        found.append(first)
    return found[::-1]
