"""The inbox's pure parts: the status machine, routing rule conditions, threading and assignment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from luister.domain.queries import MatchDoc
from luister.domain.query_syntax import parse_query
from luister.domain.query_tree import QuerySyntaxError
from luister.inbox.assignment import Agent, Availability, Strategy, choose_agent, parse_languages
from luister.inbox.rules import Candidate, Conditions, RoutingRule, RuleProblem, clean_tags, first_rule
from luister.inbox.status import Move, Status, TransitionForbidden, next_status
from luister.inbox.threading import Open, conversation_to_join, thread_key

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


# --- the status machine -------------------------------------------------------------------------------


def test_the_happy_path_and_a_reopen() -> None:
    status = Status.new
    for move, expected in [
        (Move.open, Status.open),
        (Move.wait_customer, Status.waiting_customer),
        (Move.customer_wrote, Status.open),
        (Move.wait_department, Status.waiting_department),
        (Move.resolve, Status.resolved),
        (Move.customer_wrote, Status.reopened),
        (Move.agent_replied, Status.open),
    ]:
        status = next_status(status, move)
        assert status is expected


@pytest.mark.parametrize(
    ("status", "move"),
    [
        (Status.resolved, Move.resolve),
        (Status.resolved, Move.snooze),
        (Status.resolved, Move.wait_customer),
        (Status.open, Move.reopen),
        (Status.open, Move.wake),
        (Status.open, Move.open),
        (Status.resolved, Move.agent_replied),
    ],
)
def test_forbidden_moves_say_what_and_from_where(status: Status, move: Move) -> None:
    with pytest.raises(TransitionForbidden, match=status.value):
        next_status(status, move)


@given(st.sampled_from(Status), st.sampled_from(Move))
def test_every_move_ends_in_a_status_or_is_refused(status: Status, move: Move) -> None:
    try:
        after = next_status(status, move)
    except TransitionForbidden:
        assert status is Status.resolved or move in (
            Move.reopen,
            Move.wake,
            Move.open,
            Move.wait_customer,
            Move.wait_department,
        )
        return
    assert after in Status
    if move is Move.customer_wrote:
        assert after is not Status.resolved  # the customer writing never leaves it resolved


# --- routing rule conditions --------------------------------------------------------------------------


def _rule(position: int, department: str, **conditions: object) -> RoutingRule:
    parsed = Conditions.from_json(conditions)
    return RoutingRule(
        id=position,
        name=f"r{position}",
        position=position,
        conditions=parsed,
        department=department,
        query=parse_query(parsed.query) if parsed.query else None,
    )


def test_the_first_rule_whose_conditions_all_hold_routes() -> None:
    doc = MatchDoc(
        text="Mijn laadpaal geeft vonken",
        language="nl",
        channel="mastodon",
        sentiment="negative",
        intents=("complaint",),
        followers=120,
    )
    rules = [
        _rule(30, "customer-service", intents=["complaint"]),
        _rule(10, "legal", intents=["complaint"], languages=["en"]),  # wrong language
        _rule(20, "product", query="laadpaal AND vonken", min_followers=100),
    ]
    found = first_rule(rules, Candidate(doc=doc, topics=("Voltaro",)), topic_queries={})
    assert found is not None and found.department == "product"
    assert first_rule(rules[1:2], Candidate(doc=doc), topic_queries={}) is None


def test_a_rule_on_topics_matches_any_of_them_case_blind() -> None:
    rule = _rule(1, "sales", topics=["Campagne Winter"])
    assert first_rule([rule], Candidate(MatchDoc(text="x"), ("campagne winter",)), topic_queries={})
    assert not first_rule([rule], Candidate(MatchDoc(text="x"), ("Voltaro",)), topic_queries={})


def test_rule_problems_name_the_condition() -> None:
    with pytest.raises(RuleProblem, match="intents"):
        Conditions.from_json({"intents": ["anger"]}).check(topic_names={})
    with pytest.raises(RuleProblem, match="topics"):
        Conditions.from_json({"topics": ["Nope"]}).check(topic_names={"Voltaro": None})
    with pytest.raises(RuleProblem, match="colour"):
        Conditions.from_json({"colour": "red"})
    with pytest.raises(RuleProblem, match="at least one condition"):
        Conditions.from_json({}).check(topic_names={})
    with pytest.raises(QuerySyntaxError) as found:
        Conditions.from_json({"query": "laadpaal AND (storing"}).check(topic_names={})
    assert found.value.position >= 0


def test_tags_are_cleaned_and_bounded() -> None:
    assert clean_tags(" Storing ,storing, Laadpaal  kapot") == ("storing", "laadpaal kapot")
    with pytest.raises(RuleProblem):
        clean_tags([f"t{n}" for n in range(11)])


# --- threading ----------------------------------------------------------------------------------------


def test_a_reply_joins_its_thread_whatever_its_age() -> None:
    old = Open(1, "root-1", "anna", T0 - timedelta(days=30))
    assert conversation_to_join([old], keys=["root-1", "m-9"], author_handle="piet", posted_at=T0) == 1


def test_the_same_author_joins_within_the_window_only() -> None:
    recent = Open(2, "a", "anna", T0 - timedelta(days=2))
    assert conversation_to_join([recent], keys=["b"], author_handle="anna", posted_at=T0) == 2
    assert (
        conversation_to_join([recent], keys=["b"], author_handle="anna", posted_at=T0 + timedelta(days=2))
        is None
    )
    merged = Open(3, "b", "anna", T0, merged_into=2)
    assert conversation_to_join([merged], keys=["b"], author_handle="anna", posted_at=T0) is None


def test_thread_key_prefers_the_thread() -> None:
    assert thread_key(thread_id="t", parent_id="p", external_id="e") == "t"
    assert thread_key(thread_id=None, parent_id=None, external_id="e") == "e"


# --- assignment ---------------------------------------------------------------------------------------


def _agent(
    uid: int,
    *,
    open_count: int = 0,
    languages: tuple[str, ...] = ("nl", "en"),
    availability: Availability = Availability.available,
    capacity: int = 5,
    last: datetime | None = None,
) -> Agent:
    return Agent(uid, languages, availability, capacity, open_count, last)


def test_least_loaded_respects_availability_capacity_and_language() -> None:
    agents = [
        _agent(1, open_count=0, availability=Availability.away),
        _agent(2, open_count=5),  # full
        _agent(3, open_count=2, languages=("en",)),
        _agent(4, open_count=3),
    ]
    assert choose_agent(agents, language="nl", strategy=Strategy.least_loaded) == 4
    assert choose_agent(agents, language="en", strategy=Strategy.least_loaded) == 3
    assert choose_agent(agents, language="und", strategy=Strategy.least_loaded) == 3
    assert choose_agent(agents, language="nl", strategy=Strategy.manual) is None
    assert choose_agent(agents[:2], language="nl", strategy=Strategy.least_loaded) is None


def test_round_robin_takes_who_waited_longest() -> None:
    agents = [_agent(1, last=T0), _agent(2, last=T0 - timedelta(hours=1)), _agent(3, open_count=4, last=T0)]
    assert choose_agent(agents, language="nl", strategy=Strategy.round_robin) == 2
    assert choose_agent([*agents, _agent(9)], language="nl", strategy=Strategy.round_robin) == 9


def test_languages_parse() -> None:
    assert parse_languages(" NL, en,nl") == ("nl", "en")
    with pytest.raises(ValueError, match="two-letter"):
        parse_languages("dutch")
