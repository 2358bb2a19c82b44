"""The knowledge base's and mentoring's pure rules: checks with their messages, slugs, Dutch and English
stems without stop words, link targets, what a page links to, and when a mentoring pair is active."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from luister.organisation.knowledge import (
    ArticleProblem,
    Language,
    TargetKind,
    alert_targets,
    check_tags,
    check_target,
    check_text,
    conversation_targets,
    project_targets,
    query_stems,
    query_words,
    slug_of,
    stems,
)
from luister.organisation.mentoring import MentoringProblem, active_on, check_topics


def test_checks_say_what_is_wrong() -> None:
    with pytest.raises(ArticleProblem, match="title: 1 to 200") as caught:
        check_text(title="   ", body="x", tags=())
    assert caught.value.field == "title"
    with pytest.raises(ArticleProblem, match="NUL"):
        check_text(title="t", body="a\x00b", tags=())
    assert check_text(title=" Storing \n  Zwolle ", body="a\r\nb", tags=["#Storing", "storing"]).tags == (
        "storing",
    )
    assert check_tags(["privéaccount", "data-breach"]) == ("privéaccount", "data-breach")
    with pytest.raises(ArticleProblem, match="at most 20 tags"):
        check_tags([f"t{n}" for n in range(21)])
    with pytest.raises(ArticleProblem, match="positive number"):
        check_target("alert_rule", "Crisis")
    assert check_target("intent", " Churn ") == (TargetKind.intent, "churn")
    with pytest.raises(MentoringProblem, match="1 to 20"):
        check_topics([" ", ""])
    assert check_topics(["TikTok", "tiktok", " LinkedIn "]) == ["TikTok", "LinkedIn"]


def test_slugs_and_search_words() -> None:
    assert slug_of("Storing: wat zeggen we? (AVG/privé)") == "storing-wat-zeggen-we-avg-prive"
    assert slug_of("???") == "article"
    assert stems("Wat zeggen we bij storingen?", Language.nl) == stems("zeggen storing", Language.nl)
    assert stems("How do I answer journalists?", Language.en) == ["answer", "journalist"]
    assert query_words("Wat zeggen we bij een storing, en how do we answer?") == [
        "zeggen",
        "storing",
        "answer",
    ]
    assert "journalist" in query_stems("journalisten") or "journalist" in query_stems("journalists")
    assert query_stems("de het een the a ?!") == []


def test_what_a_page_links_to() -> None:
    assert alert_targets(rule_id=3, rule_kind="intent", intent="Crisis") == [
        (TargetKind.alert_rule, "3"),
        (TargetKind.alert_kind, "intent"),
        (TargetKind.intent, "crisis"),
    ]
    assert alert_targets(rule_id=None, rule_kind="volume_spike") == [(TargetKind.alert_kind, "volume_spike")]
    assert conversation_targets(intent="churn", department=None, tags=["Zonnedeal"], process="billing") == [
        (TargetKind.process, "billing"),
        (TargetKind.intent, "churn"),
        (TargetKind.tag, "zonnedeal"),
    ]
    assert project_targets(project_id=7, project_kind="campaign")[0] == (TargetKind.project, "7")


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(-400, 400),
       st.one_of(st.none(), st.integers(0, 400)))  # fmt: skip
def test_a_pair_is_active_from_its_start_to_its_end_day(start: date, offset: int, length: int | None) -> None:
    day, end = start + timedelta(days=offset), None if length is None else start + timedelta(days=length)
    running = {start + timedelta(days=n) for n in range((length if length is not None else 400) + 1)}
    assert active_on(day, start, end) == (day in running)  # without an end it runs on (400 days is enough)
