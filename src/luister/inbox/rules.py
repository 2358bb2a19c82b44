"""Routing rules: conditions on a mention, in order; the first enabled rule that holds routes (pure).

Conditions are all optional and all must hold: topics (any of), the topic query language itself, intents
(any of), sentiments, languages, channels, countries (any of each) and a reach (author followers) range.
A rule's query is parsed when the rule is saved, so an invalid one is refused with its position."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from luister.domain.analysis import INTENT_LABELS, SENTIMENT_LABELS
from luister.domain.queries import MatchDoc, Query, check_query_references, evaluate
from luister.domain.query_syntax import parse_query
from luister.inbox.status import Priority

MAX_TAGS = 10
_LISTS = ("topics", "intents", "sentiments", "languages", "channels", "countries")


class RuleProblem(ValueError):
    """A routing rule that cannot be saved; ``field`` names the condition."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Conditions:
    topics: tuple[str, ...] = ()
    query: str | None = None
    intents: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    min_followers: int | None = None
    max_followers: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Conditions:
        unknown = set(data) - {*_LISTS, "query", "min_followers", "max_followers"}
        if unknown:
            raise RuleProblem(sorted(unknown)[0], "is not a condition a routing rule knows")
        lists: dict[str, tuple[str, ...]] = {}
        for name in _LISTS:
            value = data.get(name) or ()
            if isinstance(value, str):
                value = value.split(",")
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise RuleProblem(name, "must be a list of words")
            lists[name] = tuple(v.strip() for v in value if v.strip())
        bounds: dict[str, int | None] = {}
        for name in ("min_followers", "max_followers"):
            value = data.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise RuleProblem(name, "must be a whole number of at least 0")
            bounds[name] = value
        query = data.get("query")
        if query is not None and not isinstance(query, str):
            raise RuleProblem("query", "must be text")
        return cls(query=(query or "").strip() or None, **lists, **bounds)  # type: ignore[arg-type]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: list(getattr(self, name)) for name in _LISTS if getattr(self, name)}
        if self.query:
            data["query"] = self.query
        for name in ("min_followers", "max_followers"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        return data

    def check(self, *, topic_names: Mapping[str, object]) -> Query | None:
        """Refuse what cannot hold; return the parsed query. ``QuerySyntaxError`` (with its position) for a
        query that does not parse."""
        if not self.to_json():
            raise RuleProblem("conditions", "a rule needs at least one condition")
        for label in self.intents:
            if label not in INTENT_LABELS:
                raise RuleProblem("intents", f"{label!r} is not an intent ({', '.join(INTENT_LABELS)})")
        for label in self.sentiments:
            if label not in SENTIMENT_LABELS:
                known = ", ".join(SENTIMENT_LABELS)
                raise RuleProblem("sentiments", f"{label!r} is not a sentiment ({known})")
        lowered = {name.casefold() for name in topic_names}
        for name in self.topics:
            if name.casefold() not in lowered:
                raise RuleProblem("topics", f"there is no topic called {name!r}")
        if (
            self.min_followers is not None
            and self.max_followers is not None
            and self.max_followers < self.min_followers
        ):
            raise RuleProblem("max_followers", "is below min_followers")
        if self.query is None:
            return None
        parsed = parse_query(self.query)
        check_query_references(parsed, topic_names)
        return parsed


@dataclass(frozen=True, slots=True)
class Candidate:
    """A mention as routing sees it: what a query looks at, and the names of the topics it matched."""

    doc: MatchDoc
    topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RoutingRule:
    id: int
    name: str
    position: int
    conditions: Conditions
    department: str
    priority: Priority | None = None
    tags: tuple[str, ...] = ()
    enabled: bool = True
    query: Query | None = field(default=None, compare=False)  # parsed once when the rules are loaded


def holds(rule: RoutingRule, candidate: Candidate, *, topic_queries: Mapping[str, Query]) -> bool:
    c, doc = rule.conditions, candidate.doc
    if c.topics and not {t.casefold() for t in c.topics} & {t.casefold() for t in candidate.topics}:
        return False
    if c.intents and not set(c.intents) & set(doc.intents):
        return False
    checks = (
        (c.sentiments, doc.sentiment),
        (c.languages, doc.language),
        (c.channels, doc.channel),
        (c.countries, doc.country),
    )
    for allowed, value in checks:
        if allowed and (value or "").casefold() not in {a.casefold() for a in allowed}:
            return False
    followers = doc.followers or 0
    if c.min_followers is not None and followers < c.min_followers:
        return False
    if c.max_followers is not None and followers > c.max_followers:
        return False
    return rule.query is None or evaluate(rule.query, doc, topics=topic_queries)


def first_rule(
    rules: Sequence[RoutingRule], candidate: Candidate, *, topic_queries: Mapping[str, Query]
) -> RoutingRule | None:
    """The first enabled rule, by position, whose conditions all hold."""
    for rule in sorted(rules, key=lambda r: (r.position, r.id)):
        if rule.enabled and holds(rule, candidate, topic_queries=topic_queries):
            return rule
    return None


def clean_tags(tags: Sequence[str] | str) -> tuple[str, ...]:
    """Lower-case, trimmed, without duplicates; at most ``MAX_TAGS`` of at most 60 characters."""
    items = tags.split(",") if isinstance(tags, str) else tags
    seen: dict[str, None] = {}
    for tag in items:
        cleaned = " ".join(tag.strip().casefold().split())[:60]
        if cleaned:
            seen.setdefault(cleaned)
    if len(seen) > MAX_TAGS:
        raise RuleProblem("tags", f"at most {MAX_TAGS} tags")
    return tuple(seen)
