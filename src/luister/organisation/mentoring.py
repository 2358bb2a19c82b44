"""Reverse mentoring, its pure rules: a pair (a social-savvy colleague mentors an executive) and its
sessions (date, topics, notes); what counts as an active pair on a day."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from luister.domain.said import Said


class MentoringProblem(Said, ValueError):
    """Input that cannot be saved; ``field`` names what is wrong (in English and Dutch)."""


def check_person(value: str, field: str) -> str:
    clean = " ".join(value.split())
    if not clean or len(clean) > 120:
        raise MentoringProblem(
            field,
            f"{field}: 1 to 120 characters (a name or an e-mail address)",
            f"{field}: 1 tot 120 tekens (een naam of een e-mailadres)",
        )
    return clean


def check_topics(values: Iterable[str]) -> list[str]:
    topics: list[str] = []
    for value in values:
        topic = " ".join(value.split())
        if not topic:
            continue
        if len(topic) > 80:
            raise MentoringProblem(
                "topics",
                f"topic {topic[:40]!r}…: at most 80 characters",
                f"onderwerp {topic[:40]!r}…: hoogstens 80 tekens",
            )
        if topic.lower() not in (t.lower() for t in topics):
            topics.append(topic)
    if not topics or len(topics) > 20:
        raise MentoringProblem(
            "topics", "topics: 1 to 20 short phrases", "onderwerpen: 1 tot 20 korte zinnen"
        )
    return topics


def active_on(day: date, started_on: date, ended_on: date | None) -> bool:
    """A pair is active from its start to its end day, both included; without an end it runs on."""
    return started_on <= day and (ended_on is None or day <= ended_on)
