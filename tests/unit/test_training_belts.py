"""Belts, quizzes and certificates (pure): the ladder, the gate table, scoring at the 80 % pass mark, and
certificates that expire twelve months after the pass they rest on (property-tested against brute force
with a controlled clock). Also the shipped curriculum: both languages, short, a quiz each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from luister.organisation import belts, training
from luister.organisation.belts import GATES, Action, Belt, belt_at, certificates, expires, plus_months

T0 = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
MODULES = {Belt.white: ["a", "b"], Belt.yellow: ["c"], Belt.orange: ["d"], Belt.green: ["e"],
           Belt.blue: ["f"], Belt.black: ["g"]}  # fmt: skip
moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


def test_twelve_months_is_the_same_day_a_year_later_or_the_month_end() -> None:
    assert expires(datetime(2026, 3, 15, 8, tzinfo=UTC)) == datetime(2027, 3, 15, 8, tzinfo=UTC)
    assert expires(datetime(2028, 2, 29, tzinfo=UTC)) == datetime(2029, 2, 28, tzinfo=UTC)
    assert plus_months(T0, 1) == datetime(2026, 2, 28, 9, 30, tzinfo=UTC)


@given(moments)
def test_a_certificate_lasts_a_year(at: datetime) -> None:
    end = expires(at)
    assert timedelta(days=365) <= end - at <= timedelta(days=366)
    assert end.time() == at.time()


def _brute_belt(passes: list[tuple[str, datetime]], now: datetime) -> Belt | None:
    """The definition, spelled out: the highest belt whose modules, and all modules below, each have a pass
    at or before now whose twelve months have not ended."""
    best = None
    for belt in Belt:
        wanted = [m for b in Belt if b <= belt for m in MODULES[b]]
        if all(any(m == name and at <= now < expires(at) for name, at in passes) for m in wanted):
            best = belt
        else:
            break
    return best


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("abcdefgh"), moments), max_size=14),
    moments,
)
def test_the_belt_held_is_a_pure_function_of_the_passes_and_now(
    passes: list[tuple[str, datetime]], now: datetime
) -> None:
    assert belt_at(MODULES, passes, now) == _brute_belt(passes, now)
    for cert in certificates(MODULES, passes, now):
        assert cert.earned_at <= now < cert.expires_at


@settings(max_examples=200, deadline=None)
@given(moments, st.integers(min_value=0, max_value=400 * 24 * 60))
def test_the_belt_drops_the_moment_its_certificate_expires(start: datetime, minutes: int) -> None:
    """Everything passed at ``start`` (white a month earlier): the clock moves, the belt falls with it."""
    white_at = start - timedelta(days=30)
    passes = [("a", white_at), ("b", white_at)] + [(m, start) for m in "cdefg"]
    now = start + timedelta(minutes=minutes)
    held = belt_at(MODULES, passes, now)
    if now < expires(white_at):
        assert held is Belt.black
    else:
        assert held is None  # white expired, and every belt rests on white
    renewed = [*passes, ("a", now), ("b", now)]
    assert belt_at(MODULES, renewed, now) is (Belt.black if now < expires(start) else Belt.white)


def test_a_certificate_expiring_soon_is_flagged() -> None:
    passes = [("a", T0), ("b", T0)]
    [cert] = certificates(MODULES, passes, T0 + timedelta(days=340))
    assert cert.belt is Belt.white and cert.expires_at == expires(T0)
    assert cert.expiring(T0 + timedelta(days=340))
    assert not cert.expiring(T0 + timedelta(days=100))


def test_a_pass_in_the_future_does_not_count() -> None:
    assert belt_at(MODULES, [("a", T0), ("b", T0 + timedelta(hours=1))], T0) is None


def test_the_gate_table_white_drafts_green_sends_black_approves() -> None:
    plain: dict[str, object] = {"intent": "complaint", "department": "customer-service"}
    crisis: dict[str, object] = {"intent": "crisis", "department": "customer-service"}
    legal: dict[str, object] = {"intent": "question", "department": "legal"}
    tagged: dict[str, object] = {"intent": "question", "tags": ["datalek"]}
    assert not belts.allows(None, Action.reply_draft, plain)
    assert belts.allows(Belt.white, Action.reply_draft, plain)
    assert not belts.allows(Belt.white, Action.reply_draft, crisis)
    assert not belts.allows(Belt.orange, Action.reply_send, plain)
    assert belts.allows(Belt.green, Action.reply_send, plain)
    for sensitive in (crisis, legal, tagged):
        assert not belts.allows(Belt.green, Action.reply_send, sensitive)
        assert belts.allows(Belt.blue, Action.reply_send, sensitive)
    assert not belts.allows(Belt.blue, Action.reply_approve, plain)
    assert belts.allows(Belt.black, Action.reply_approve, crisis)
    assert belts.allows(None, Action.inbox_work, crisis)


@given(st.sampled_from(list(Action)), st.booleans())
def test_a_higher_belt_never_allows_less(action: Action, sensitive: bool) -> None:
    context: dict[str, object] = {"intent": "crisis" if sensitive else "praise"}
    allowed = [belts.allows(b, action, context) for b in [None, *Belt]]
    assert allowed == sorted(allowed)  # False … then True
    assert GATES[action].sensitive is None or GATES[action].ordinary is not None


def test_scoring_at_the_pass_mark() -> None:
    key = [0, 1, 2, 0, 1]
    assert belts.score([0, 1, 2, 0, 0], key).passed  # 4 of 5 is 80 %
    assert not belts.score([0, 1, 2, 1, 0], key).passed  # 3 of 5
    assert belts.score([0, 1, 2, 0, 1], key).percent == 100
    assert belts.score([None] * 5, key).right == (False,) * 5


def test_shares_per_belt_add_up() -> None:
    found = belts.shares([None, Belt.white, Belt.white, Belt.black])
    assert found == {None: 0.25, Belt.white: 0.5, Belt.black: 0.25}
    assert belts.shares([]) == {}


# --- the shipped curriculum -------------------------------------------------------------------------


def test_every_module_exists_in_both_languages_with_the_same_quiz_key() -> None:
    found = training.curriculum()
    slugs = {slug for slug, _ in found}
    assert {"listening-basics", "tone-of-voice", "escalation", "crisis", "privacy", "the-policy"} <= slugs
    for slug in slugs:
        nl, en = found[(slug, "nl")], found[(slug, "en")]
        assert nl.belt is en.belt
        assert [q.answer for q in nl.questions] == [q.answer for q in en.questions]
        assert [len(q.options) for q in nl.questions] == [len(q.options) for q in en.questions]
        for module in (nl, en):
            assert module.minutes <= training.MAX_MINUTES, f"{slug}.{module.language} reads too long"
            assert len(module.questions) >= 4 and module.pass_mark == belts.PASS_MARK
    assert set(training.by_belt()) == set(Belt)  # every belt can be earned


def test_answers_are_checked_on_the_server() -> None:
    module = training.module("crisis", "nl")
    key = [q.answer for q in module.questions]
    assert training.passes(training.check("crisis", "nl", key), "crisis", "nl")
    wrong = [(a + 1) % len(q.options) for a, q in zip(key, module.questions, strict=True)]
    assert training.check("crisis", "nl", wrong).correct == 0
    with pytest.raises(training.BadAnswers, match="has 5 questions"):
        training.check("crisis", "nl", key[:2])
    with pytest.raises(training.BadAnswers, match="question 1"):
        training.check("crisis", "nl", [9, *key[1:]])
    with pytest.raises(training.UnknownModule):
        training.module("nope", "en")


@pytest.mark.parametrize(
    ("name", "text", "why"),
    [
        ("x.de.md", "+++\n+++\n", "named"),
        ("x.en.md", "no front matter", "front matter between"),
        ("x.en.md", '+++\nbelt = "purple"\ntitle = "t"\nquestions = []\n+++\nbody', "front matter"),
        ("x.en.md", '+++\nbelt = "white"\ntitle = "t"\nquestions = []\n+++\nbody', "needs quiz questions"),
        (
            "x.en.md",
            '+++\nbelt = "white"\ntitle = "t"\n[[questions]]\ntext = "q"\noptions = ["a"]\nanswer = 0\n'
            "+++\nb",
            "question 1",
        ),
    ],
)
def test_a_bad_module_file_says_where_and_why(name: str, text: str, why: str) -> None:
    with pytest.raises(training.CurriculumProblem, match=why) as caught:
        training.parse(name, text)
    assert str(caught.value).startswith(name)
