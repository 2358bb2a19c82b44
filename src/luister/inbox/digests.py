"""Department digests (pure): what customers said in a period that concerns a department — complaints,
product ideas and questions — grouped into themes with counts, the trend against the previous period of
the same length, and example mentions. :mod:`luister.inbox.digest_actions` stores and decides them.

*Kind* of a mention, from its primary intent: complaint, churn and crisis are complaints; feedback is an
idea; question a question; other intents (praise, leads, …) are not in a digest.

*Themes* come from the key terms trend detection uses (:func:`luister.analysis.terms.mention_terms`:
content words, hashtags and adjacent word pairs, Dutch and English stop words, links, handles and numbers
left out), grouped greedily per kind: the term found in the most mentions not yet in a theme becomes the
next theme and takes all of those mentions (a word pair wins a tie with a word: it says more); until
``most`` themes or no term is shared by ``min_mentions``. The rest forms one theme ``""`` (everything
else). Words of the topics' names (the brand itself) never make a theme: they are in nearly every mention.

*Trend*: the previous period's mentions of the same kind are put in the same themes, in the same order,
by the same rule (the first theme whose term they contain), and counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from luister.analysis.terms import mention_terms

EVERY = ("daily", "weekly", "monthly")
OTHER = ""  # the theme of a kind's mentions that share no term with enough others
MOST_THEMES = 8
MIN_MENTIONS = 2
EXAMPLES = 3
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


class DigestError(ValueError):
    """A digest that cannot be built or decided; the message says why."""


class UnknownDigest(DigestError):
    """No such digest (item), or one of another department (as unknown: no probing)."""


class ItemKind(StrEnum):
    complaint = "complaint"
    idea = "idea"
    question = "question"


class Decision(StrEnum):
    taken_up = "taken_up"
    declined = "declined"


KIND_OF_INTENT = {
    "complaint": ItemKind.complaint,
    "churn": ItemKind.complaint,
    "crisis": ItemKind.complaint,
    "feedback": ItemKind.idea,
    "question": ItemKind.question,
}


@dataclass(frozen=True, slots=True)
class Said:
    """A customer's mention in one of the department's conversations."""

    mention_id: int
    conversation_id: int
    intent: str | None
    text: str
    at: datetime
    followers: int = 0

    @property
    def kind(self) -> ItemKind | None:
        return KIND_OF_INTENT.get(self.intent or "")


@dataclass(frozen=True, slots=True)
class Theme:
    kind: ItemKind
    theme: str  # a term, or OTHER
    mention_ids: tuple[int, ...]  # all of the theme's mentions in the period
    examples: tuple[int, ...]  # the ones shown: the most-followed authors first, then the newest
    previous_count: int

    @property
    def count(self) -> int:
        return len(self.mention_ids)

    @property
    def trend(self) -> int:
        return self.count - self.previous_count


def themes(
    current: Iterable[Said],
    previous: Iterable[Said] = (),
    *,
    ignore: Iterable[str] = (),
    most: int = MOST_THEMES,
    min_mentions: int = MIN_MENTIONS,
    examples: int = EXAMPLES,
) -> list[Theme]:
    """The themes per kind (complaints, ideas, questions), the biggest first; see the module's doc."""
    ignored = frozenset(word.lower() for word in ignore)
    now_said, before = _by_kind(current), _by_kind(previous)
    found: list[Theme] = []
    for kind in ItemKind:
        said = now_said.get(kind, [])
        if not said:
            continue
        terms = {s.mention_id: _terms(s.text, ignored) for s in said}
        left_before = list(before.get(kind, []))
        before_terms = {s.mention_id: _terms(s.text, ignored) for s in left_before}
        rest = list(said)
        grouped: list[Theme] = []
        while rest and len(grouped) < most:
            shared = Counter(term for s in rest for term in terms[s.mention_id])
            if not shared:
                break
            term, n = min(shared.items(), key=lambda pair: (-pair[1], -pair[0].count(" "), pair[0]))
            if n < min_mentions:
                break
            members = [s for s in rest if term in terms[s.mention_id]]
            rest = [s for s in rest if term not in terms[s.mention_id]]
            earlier = [s for s in left_before if term in before_terms[s.mention_id]]
            left_before = [s for s in left_before if term not in before_terms[s.mention_id]]
            grouped.append(_theme(kind, term, members, len(earlier), examples))
        if rest:
            grouped.append(_theme(kind, OTHER, rest, len(left_before), examples))
        found += sorted(grouped, key=lambda t: (t.theme == OTHER, -t.count, t.theme))
    return found


def _by_kind(said: Iterable[Said]) -> dict[ItemKind, list[Said]]:
    found: dict[ItemKind, list[Said]] = {}
    for s in said:
        if s.kind is not None:
            found.setdefault(s.kind, []).append(s)
    return found


def _terms(text: str, ignored: frozenset[str]) -> set[str]:
    return {term for term in mention_terms(text) if not ignored.intersection(term.lstrip("#").split())}


def _theme(kind: ItemKind, term: str, members: Sequence[Said], previous: int, examples: int) -> Theme:
    shown = sorted(members, key=lambda s: (-s.followers, -s.at.timestamp(), s.mention_id))[:examples]
    return Theme(kind, term, tuple(sorted(s.mention_id for s in members)),
                 tuple(s.mention_id for s in shown), previous)  # fmt: skip


def ignored_words(names: Iterable[str]) -> frozenset[str]:
    """The words of topic names (lower case), which :func:`themes` never makes a theme of."""
    return frozenset(word for name in names for word in mention_terms(name) if " " not in word)


# --- periods ------------------------------------------------------------------------------------------


def last_period(every: str, now: datetime, zone: str = "Europe/Amsterdam") -> tuple[datetime, datetime]:
    """The last whole day, week (Monday to Monday) or calendar month before ``now``, in the department's
    time zone, as UTC moments (``end`` exclusive)."""
    if every not in EVERY:
        raise DigestError(f"every: choose {', '.join(EVERY)}")
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    if every == "daily":
        end = today
        start = end - timedelta(days=1)
    elif every == "weekly":
        end = today - timedelta(days=today.weekday())
        start = end - timedelta(days=7)
    else:
        end = today.replace(day=1)
        start = (end - timedelta(days=1)).replace(day=1)
    return _midnight(start, tz), _midnight(end, tz)


def previous_period(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The period of the same length just before [start, end)."""
    return start - (end - start), start


def checked_period(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    if start.tzinfo is None or end.tzinfo is None:
        raise DigestError("give the period with a time zone")
    if end <= start:
        raise DigestError("the period must end after it starts")
    if end > now:
        raise DigestError("the period has not ended yet")
    if end - start > timedelta(days=366):
        raise DigestError("a digest covers at most a year")
    if start < EARLIEST:  # the period before it is counted too: keep far from datetime's first year
        raise DigestError("choose a period after 1970")
    return start.astimezone(UTC), end.astimezone(UTC)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
