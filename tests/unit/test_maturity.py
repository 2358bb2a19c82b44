"""The maturity assessment's pure rules: scoring answers, combining evidence, next steps, the organisation
model and the evidence rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from luister.organisation import maturity_rules as rules
from luister.organisation.maturity import (
    MAX_MONTHS,
    AnswerProblem,
    Dimension,
    Evidence,
    Figure,
    Question,
    Questionnaire,
    Stage,
    Text,
    lower_median,
    month_end,
    month_start,
    months_back,
    next_steps,
    overall,
    score,
    suggest,
)
from luister.organisation.maturity_model import Model, infer_model
from luister.organisation.maturity_questions import CURRENT, VERSIONS, questionnaire

KEYS = [q.key for q in CURRENT.questions]
stages = st.integers(min_value=1, max_value=6)
answer_sets = st.fixed_dictionaries(dict.fromkeys(KEYS, stages))


def test_the_questionnaire_covers_every_dimension_in_both_languages() -> None:
    assert {q.dimension for q in CURRENT.questions} == set(Dimension)
    for q in CURRENT.questions:
        assert q.text.en and q.text.nl and q.text.en != q.text.nl
        assert len(q.statements) == len(Stage)
        assert all(s.en and s.nl and s.en != s.nl for s in q.statements)
    assert questionnaire(CURRENT.version) is CURRENT and CURRENT.version in VERSIONS
    with pytest.raises(KeyError, match="known are"):
        questionnaire("1999.1")


def test_scoring_a_known_set_of_answers() -> None:
    answers = {
        "strategy": 4,
        "people": 3,
        "governance": 3,
        "processes": 4,
        "training": 2,
        "measurement": 4,
        "technology": 5,
    }
    scored = score(CURRENT, answers)
    assert scored.dimensions[Dimension.training] is Stage.presence
    assert scored.dimensions[Dimension.technology] is Stage.strategic
    # sorted 2,3,3,4,4,4,5: the lower median is 4, but the weakest (2) holds it at 3
    assert scored.overall is Stage.engagement


@given(answer_sets)
def test_scores_stay_within_the_answers(answers: dict[str, int]) -> None:
    scored = score(CURRENT, answers)
    assert min(answers.values()) <= scored.overall <= max(answers.values())
    assert scored.overall <= min(scored.dimensions.values()) + 1
    assert scored == score(CURRENT, dict(reversed(list(answers.items()))))  # order does not matter


@given(answer_sets, st.sampled_from(KEYS))
def test_raising_an_answer_never_lowers_a_stage(answers: dict[str, int], key: str) -> None:
    before = score(CURRENT, answers)
    raised = {**answers, key: min(6, answers[key] + 1)}
    after = score(CURRENT, raised)
    assert after.overall >= before.overall
    assert all(after.dimensions[d] >= before.dimensions[d] for d in Dimension)


@given(stages)
def test_the_same_answer_everywhere_is_that_stage(stage: int) -> None:
    assert score(CURRENT, dict.fromkeys(KEYS, stage)).overall == stage


@given(st.lists(stages, min_size=1, max_size=9))
def test_the_lower_median_is_an_answer_given(values: list[int]) -> None:
    found = lower_median([Stage(v) for v in values])
    assert found in values
    assert sum(v <= found for v in values) * 2 >= len(values)


def test_a_dimension_with_two_questions_takes_the_lower_median() -> None:
    training = CURRENT.questions[4]
    extra = Question("training2", Dimension.training, training.text, training.statements)
    two = Questionnaire("t", (*CURRENT.questions, extra))
    answers = {**dict.fromkeys(KEYS, 5), "training": 2, "training2": 6}
    assert score(two, answers).dimensions[Dimension.training] is Stage.presence


@pytest.mark.parametrize(
    ("answers", "field", "words"),
    [
        (dict.fromkeys(KEYS[1:], 3), "strategy", "no answer for strategy"),
        ({**dict.fromkeys(KEYS, 3), "vibes": 3}, "vibes", "not a question"),
        ({**dict.fromkeys(KEYS, 3), "people": 7}, "people", "from 1 to 6"),
        ({**dict.fromkeys(KEYS, 3), "people": "4"}, "people", "from 1 to 6"),
        ({**dict.fromkeys(KEYS, 3), "people": True}, "people", "from 1 to 6"),
    ],
)
def test_bad_answers_say_which_and_why(answers: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(AnswerProblem, match=words) as caught:
        score(CURRENT, answers)
    assert caught.value.field == field


def test_next_steps_lift_every_dimension_below_the_next_stage() -> None:
    stages = dict.fromkeys(Dimension, Stage.engagement) | {Dimension.training: Stage.presence}
    assert overall(stages) is Stage.engagement
    steps = next_steps(CURRENT, stages)
    assert [s.dimension for s in steps][0] is Dimension.training  # the weakest first
    assert {s.dimension for s in steps} == set(Dimension)
    training = steps[0]
    assert training.towards is Stage.engagement
    assert training.text.nl.startswith("De eerste antwoorden")
    assert next_steps(CURRENT, dict.fromkeys(Dimension, Stage.converged)) == []


def _evidence(key: str, dims: tuple[Dimension, ...], stage: Stage | None, link: str) -> Evidence:
    return Evidence(key, Text(key, key), dims, (Figure("n", Text("n", "n"), 1),), link, stage, Text("", ""))


def test_evidence_suggests_the_highest_stage_it_demonstrates_and_every_claim_links_to_it() -> None:
    found = suggest(
        [
            _evidence("a", (Dimension.technology,), Stage.presence, "/topics"),
            _evidence("b", (Dimension.technology, Dimension.processes), Stage.formalized, "/inbox/reports"),
            _evidence("c", (Dimension.training,), None, "/inbox/approvals"),
        ]
    )
    assert found.dimensions[Dimension.technology] is Stage.formalized
    assert found.dimensions[Dimension.training] is None
    assert found.overall is Stage.formalized  # over the dimensions with a suggestion
    claims = {c.dimension: c for c in found.claims}
    assert claims[None].links == ("/topics", "/inbox/reports", "/inbox/approvals")
    assert claims[Dimension.technology].links == ("/topics", "/inbox/reports")
    assert claims[Dimension.training].links == ("/inbox/approvals",)
    assert claims[Dimension.people].links == ()


@pytest.mark.parametrize(
    ("answers", "approvals", "model"),
    [
        ({}, {}, Model.unknown),
        ({"webcare": 95, "sales": 5}, {"": 10}, Model.centralised),
        ({"webcare": 60, "sales": 25, "legal": 15}, {"": 30}, Model.hub_and_spoke),
        ({"webcare": 50, "sales": 30, "legal": 20}, {"webcare": 10, "sales": 8}, Model.dandelion),
        ({"a": 30, "b": 25, "c": 25, "d": 20}, {"a": 1}, Model.honeycomb),
    ],
)
def test_the_organisation_model(answers: dict[str, int], approvals: dict[str, int], model: Model) -> None:
    found = infer_model(answers, approvals)
    assert found.model is model
    assert found.answers == sum(answers.values()) and found.approvals == sum(approvals.values())
    assert found.reason.en and found.reason.nl


@given(
    st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 500)),
    st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 500)),
)
def test_the_model_is_always_one_of_owyangs_with_its_figures(
    answers: dict[str, int], approvals: dict[str, int]
) -> None:
    found = infer_model(answers, approvals)
    assert (found.model is Model.unknown) == (sum(answers.values()) == 0)
    assert 0 <= found.top_answer_share <= 1 and 0 <= found.top_approval_share <= 1
    assert set(found.answering) <= set(answers)


def test_evidence_rules_demonstrate_no_more_than_their_figures() -> None:
    assert rules.listening(topics=0, competitor_topics=0, sources=0)[0] is Stage.planning
    assert rules.listening(topics=5, competitor_topics=2, sources=3)[0] is Stage.presence
    assert rules.engagement(voices=0, answers=0, at_source=0, median_minutes=None)[0] is Stage.planning
    assert rules.engagement(voices=2, answers=0, at_source=0, median_minutes=None)[0] is Stage.presence
    assert rules.engagement(voices=2, answers=10, at_source=3, median_minutes=300)[0] is Stage.engagement
    assert rules.engagement(voices=2, answers=80, at_source=60, median_minutes=35)[0] is Stage.formalized
    assert rules.routing(shares={}, routing_rules=0)[0] is None
    assert rules.routing(shares={"webcare": 1.0}, routing_rules=0)[0] is Stage.engagement
    assert rules.routing(shares={"webcare": 0.97, "legal": 0.03}, routing_rules=1)[0] is Stage.engagement
    assert rules.routing(shares={"a": 0.5, "b": 0.3, "c": 0.2}, routing_rules=2)[0] is Stage.formalized
    assert rules.routing(shares={"a": 0.5, "b": 0.3, "c": 0.2}, routing_rules=0)[0] is Stage.engagement
    assert rules.digests(digests=0, taken_up=0, departments_taking_up=0)[0] is None
    assert rules.digests(digests=3, taken_up=1, departments_taking_up=1)[0] is Stage.formalized
    assert (
        rules.goals(goals=0, goals_with_kpis=0, kpis_with_targets=0, departments_with_targets=0)[0]
        is Stage.planning
    )
    assert (
        rules.goals(goals=2, goals_with_kpis=1, kpis_with_targets=1, departments_with_targets=1)[0]
        is Stage.formalized
    )
    assert rules.projects(ended=0, evaluated=0)[0] is None
    assert rules.projects(ended=4, evaluated=1)[0] is Stage.engagement
    assert rules.projects(ended=3, evaluated=3)[0] is Stage.strategic
    assert rules.approvals(approval_rules=0, approved=0)[0] is None
    assert rules.approvals(approval_rules=2, approved=5)[0] is Stage.engagement
    assert rules.onboarding(new_agent_rule=True, reviewed_authors=1)[0] is Stage.engagement
    assert rules.onboarding(new_agent_rule=False, reviewed_authors=4)[0] is None


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
)


@given(moments, st.integers(1, MAX_MONTHS))
def test_months_back_are_consecutive_and_end_with_the_month_of_now(now: datetime, months: int) -> None:
    found = months_back(now, months)
    assert len(found) == months and found[-1] == month_start(now)
    assert all(m.day == 1 for m in found)
    for earlier, later in pairwise(found):
        assert month_end(earlier) == datetime(later.year, later.month, 1, tzinfo=UTC)
    assert datetime(found[-1].year, found[-1].month, 1, tzinfo=UTC) <= now < month_end(found[-1])


def test_months_back_refuses_what_it_cannot_show() -> None:
    with pytest.raises(ValueError, match="give 1 to 36"):
        months_back(datetime(2026, 12, 7, tzinfo=UTC), 0)
    assert month_end(date(2026, 12, 1)) == datetime(2027, 1, 1, tzinfo=UTC)


evidence_sets = st.lists(
    st.tuples(
        st.sets(st.sampled_from(list(Dimension)), min_size=1), st.none() | st.sampled_from(list(Stage))
    ),
    max_size=8,
)


Drawn = list[tuple[set[Dimension], Stage | None]]


@given(evidence_sets, evidence_sets)
def test_more_evidence_never_lowers_a_suggested_stage(first: Drawn, more: Drawn) -> None:
    def made(items: Drawn) -> list[Evidence]:
        return [
            _evidence(f"e{n}", tuple(sorted(dims)), stage, f"/e/{n}") for n, (dims, stage) in enumerate(items)
        ]

    before, after = suggest(made(first)), suggest(made(first) + made(more))
    for d in Dimension:
        assert (after.dimensions[d] or 0) >= (before.dimensions[d] or 0)
    assert all(
        set(c.links) >= {e.link for e in made(first) if c.dimension in e.dimensions}
        for c in before.claims[1:]
    )


@given(
    st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 300)),
    st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 300)),
    st.integers(2, 9),
)
def test_the_model_depends_on_shares_not_on_volume(
    answers: dict[str, int], approvals: dict[str, int], k: int
) -> None:
    scaled = infer_model({d: n * k for d, n in answers.items()}, {d: n * k for d, n in approvals.items()})
    assert scaled.model is infer_model(answers, approvals).model


def test_the_organisations_own_evidence_names_the_stage_its_figures_show() -> None:
    from luister.organisation.maturity import Stage
    from luister.organisation.maturity_rules import knowledge, mentoring, policy, training

    assert policy(version=None, people=10, acknowledged=0)[0] is None
    assert policy(version=2, people=10, acknowledged=5)[0] is Stage.engagement
    assert policy(version=2, people=10, acknowledged=8)[0] is Stage.formalized
    assert policy(version=2, people=0, acknowledged=0)[0] is Stage.engagement  # nobody to acknowledge yet
    assert training(people=10, belted=0, green_or_higher=0, gates_on=True)[0] is None
    assert training(people=10, belted=3, green_or_higher=1, gates_on=True)[0] is Stage.engagement
    assert training(people=10, belted=8, green_or_higher=0, gates_on=True)[0] is Stage.formalized
    assert training(people=10, belted=8, green_or_higher=2, gates_on=False)[0] is Stage.formalized
    assert training(people=10, belted=9, green_or_higher=2, gates_on=True)[0] is Stage.strategic
    assert mentoring(active_pairs=0, executives_mentored=0, recent_sessions=0)[0] is None
    assert mentoring(active_pairs=1, executives_mentored=1, recent_sessions=0)[0] is Stage.engagement
    assert mentoring(active_pairs=1, executives_mentored=1, recent_sessions=2)[0] is Stage.formalized
    assert knowledge(articles={})[0] is None
    assert knowledge(articles={"policy_faq": 3})[0] is Stage.engagement
    core = {"playbook": 2, "holding_statement": 1, "lesson_learned": 1}
    assert knowledge(articles=core)[0] is Stage.formalized
    assert "80%" in policy(version=2, people=10, acknowledged=8)[1].en


@given(people=st.integers(0, 50), acked=st.integers(0, 50), belted=st.integers(0, 50))
def test_more_acknowledgements_or_belts_never_lower_the_suggested_stage(
    people: int, acked: int, belted: int
) -> None:
    from luister.organisation.maturity_rules import policy, training

    def rank(stage: object) -> int:
        return 0 if stage is None else int(stage)  # type: ignore[call-overload]

    acked, belted = min(acked, people), min(belted, people)
    if acked < people:
        assert rank(policy(version=1, people=people, acknowledged=acked)[0]) <= rank(
            policy(version=1, people=people, acknowledged=acked + 1)[0]
        )
    if belted < people:
        assert rank(training(people=people, belted=belted, green_or_higher=0, gates_on=True)[0]) <= rank(
            training(people=people, belted=belted + 1, green_or_higher=0, gates_on=True)[0]
        )
