"""A deterministic demo data set: two months of social-media mentions of a fictional energy supplier.

Pure: no I/O, no clock, no global random state. The same ``seed``, ``end`` and arguments give the same
records, byte for byte. Each record is a raw import record with the keys in ``RECORD_KEYS``. This module
plans the story (who says what, where, when); ``render`` writes the records; ``texts`` holds
the templates and the story's weights.

The story, for the defaults (``days=60``). Day *d* starts *d* days after UTC midnight of the first day;
story days scale with ``days``; times are CET (UTC+1):

* Share of voice: Voltaro ~45 %, Stroomwijs ~30 %, Enerlux ~20 %, talk naming several suppliers ~5 %.
  Dutch ~60 % (NL, BE), English ~40 % (GB, US). Quiet nights, busy late mornings and evenings (19-22);
  news is quiet at weekends, Mondays are busiest.
* Days 15-25: Voltaro's **Zonnedeal** solar campaign. Launch on day 15 at 09:00, bumps on day 20 and on
  the last day (25): leads, questions, praise, some scepticism, press.
* Day 30 from 07:00: **Stroomwijs** raises its fixed charges; complaints and churn for ~4 days.
* Day 40 from 07:00: **outage** of the Voltaro app and smart-meter gateway. 08:00-13:00 run at 10-20x the
  usual hourly volume, decaying over ~2 days: complaints, churn threats, press, a few crisis texts (smoke
  at the meter cupboard, data-leak rumours). Voltaro posts status updates (resolved after ~25 hours) and
  its webcare answers in hours instead of minutes.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from luister.demo import texts as tx
from luister.demo.render import DAY, HOUR, MICRO, THREADED, Draft, Renderer, Weighted

CHANNELS: Final = ("mastodon", "bluesky", "reddit", "hackernews", "rss", "discourse", "review")
RECORD_KEYS: Final = (
    "channel",
    "external_id",
    "url",
    "author_handle",
    "author_name",
    "author_followers",
    "title",
    "text",
    "language",
    "country",
    "published_at",
    "parent_id",
    "thread_id",
    "like_count",
    "share_count",
    "reply_count",
)
BRAND: Final = tx.BRAND
RIVALS: Final = tx.RIVALS

DEMO_TOPICS: list[dict[str, str]] = [
    {
        "name": "Voltaro",
        "kind": "brand",
        "query": "voltaro OR #voltaro OR @voltaro",
        "description": "Our brand: a Dutch-Flemish energy supplier (electricity, gas, solar panels, home "
        "batteries, the Voltaro app) with a webcare team at @voltaro; also sells solar in the UK.",
    },
    {
        "name": "Stroomwijs",
        "kind": "competitor",
        "query": "stroomwijs OR #stroomwijs OR @stroomwijs",
        "description": "Dutch budget supplier with dynamic contracts; raises its fixed charges mid-period.",
    },
    {
        "name": "Enerlux",
        "kind": "competitor",
        "query": "enerlux OR #enerlux OR @enerlux",
        "description": "Belgian supplier, also active in the UK; known for its app and home batteries.",
    },
    {
        "name": "Voltaro Zonnedeal",
        "kind": "campaign",
        "query": "zonnedeal OR #zonnedeal",
        "description": "Voltaro's solar campaign: discounted panels including installation, for a few weeks.",
    },
]

_OUTAGE_RAMP: Final = (0.45, 0.9, 1.0, 1.0, 0.95, 0.9)
_EVENT_INTENTS: Final = {stream: Weighted(intents) for stream, (_, _, intents) in tx.EVENTS.items()}
_REVIEW_INTENTS: Final = {stream: Weighted(w) for stream, w in tx.REVIEW_INTENTS.items()}
_SOCIAL_INTENTS: Final = Weighted(tx.SOCIAL_INTENTS)
_BRANDS: Final = {lang: Weighted(w) for lang, w in tx.BRAND_MIX.items()}
_CHANNELS: Final = {
    f"{stream}.{lang}": Weighted(
        {ch: w * tx.CHANNEL_TILT.get(stream, {}).get(ch, 1.0) for ch, w in mix.items()}
    )
    for stream in ("base", "multi", *tx.EVENTS)
    for lang, mix in tx.CHANNEL_MIX.items()
}


@dataclass(frozen=True, slots=True)
class _Story:
    lo: int  # first allowed second (epoch)
    hi: int  # first second past the end
    anchor: int  # UTC midnight on or before lo: the start of day 0
    outage: int
    campaign: tuple[int, int, int]  # first day, last day, first second
    price: int

    @property
    def buckets(self) -> int:
        return (self.hi - self.anchor + HOUR - 1) // HOUR


def generate_demo_mentions(
    *, seed: int = 42, end: datetime, days: int = 60, count: int = 24_000
) -> Iterator[dict[str, Any]]:
    """Yield ``count`` raw mention records in [end - days, end), oldest first; see the module docstring."""
    if end.tzinfo is None or end.utcoffset() is None:
        raise ValueError("end must be timezone-aware")
    if days < 1:
        raise ValueError("days must be at least 1")
    if count < 0:
        raise ValueError("count must not be negative")
    rng = random.Random(seed)
    story = _make_story(end.astimezone(UTC), days)
    drafts = _Planner(rng, story).plan(count)
    renderer = Renderer(rng, count)
    for draft in drafts:
        renderer.render(draft)
    for draft in drafts:
        yield renderer.record(draft)


def _epoch_ceil(moment: datetime) -> int:
    elapsed = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return elapsed // timedelta(seconds=1) + (1 if elapsed % timedelta(seconds=1) else 0)


def _make_story(end: datetime, days: int) -> _Story:
    lo, hi = _epoch_ceil(end - timedelta(days=days)), _epoch_ceil(end)
    anchor = lo - lo % DAY
    first, last = round(days / 4), round(days * 5 / 12)
    return _Story(
        lo=lo,
        hi=hi,
        anchor=anchor,
        outage=anchor + round(days * 2 / 3) * DAY + 6 * HOUR,
        campaign=(first, last, anchor + first * DAY + 8 * HOUR),
        price=anchor + days // 2 * DAY + 6 * HOUR,
    )


def _shape(story: _Story, stream: str, start: int) -> float:
    """What an event adds to the hour starting at ``start`` (1.0 throughout for everyday talk)."""
    if stream == "outage":
        k = (start - story.outage) // HOUR
        if k < 0 or k > 60:
            return 0.0
        return _OUTAGE_RAMP[k] if k < len(_OUTAGE_RAMP) else 0.9 * math.exp(-(k - 5) / 8)
    if stream == "price":
        k = (start - story.price) // HOUR
        return 0.0 if k < 0 or k > 120 else math.exp(-k / 30)
    if stream == "campaign":
        first, last, begin = story.campaign
        day = (start - story.anchor) // DAY
        if start < begin or day > last:
            return 0.0
        return {first: 1.8, first + 1: 1.3, (first + last) // 2: 1.6, last: 1.5}.get(day, 1.0)
    return 1.0


class _Sampler:
    """Draws a second in [lo, hi) from hourly weights."""

    __slots__ = ("cum", "story")

    def __init__(self, story: _Story, weights: list[float]) -> None:
        self.story, self.cum = story, list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> int:
        story = self.story
        while True:
            bucket = bisect.bisect_right(self.cum, rng.random() * self.cum[-1])
            ts = story.anchor + bucket * HOUR + int(rng.random() * HOUR)
            if story.lo <= ts < story.hi:
                return ts


class _Planner:
    """Decides who says what, where and when; the words come later."""

    def __init__(self, rng: random.Random, story: _Story) -> None:
        self.rng, self.story = rng, story
        self.noise = [rng.lognormvariate(0, 0.12) for _ in range(story.buckets // 24 + 2)]
        self.samplers: dict[tuple[str, str, bool], _Sampler] = {}
        self.drafts: list[Draft] = []

    def plan(self, count: int) -> list[Draft]:
        for stream, (share, _, _) in tx.EVENTS.items():
            for _ in range(round(count * share)):
                self._event(stream)
        if count >= 500:
            self._status_updates()
        n_care, n_follow = round(count * 0.02), round(count * 0.008)
        for _ in range(count - len(self.drafts) - n_care - n_follow):
            self._everyday()
        self._webcare(n_care, n_follow)
        while len(self.drafts) < count:
            self._everyday()
        del self.drafts[count:]
        self.drafts.sort(key=lambda d: (d.ts, d.seq))
        hostile = [
            d for d in self.drafts if d.stream in ("base", "outage") and d.channel in (*MICRO, "reddit")
        ]
        for draft in self.rng.sample(hostile, min(len(hostile), round(count * 0.005))):
            draft.intent = "hostile"
        return self.drafts

    def _add(self, stream: str, brand: str, intent: str, lang: str, channel: str) -> Draft:
        roll = self.rng.random()
        country = ("NL" if roll < 0.7 else "BE") if lang == "nl" else ("GB" if roll < 0.6 else "US")
        draft = Draft(len(self.drafts), 0, stream, brand, intent, lang, country, channel)
        if channel in THREADED:
            draft.wants_reply = self.rng.random() < THREADED[channel]
        self.drafts.append(draft)
        return draft

    def _when(self, draft: Draft) -> int:
        key = (draft.stream if draft.stream in tx.EVENTS else "base", draft.country, draft.channel == "rss")
        if key not in self.samplers:
            self.samplers[key] = self._sampler(*key)
        return self.samplers[key].draw(self.rng)

    def _sampler(self, stream: str, country: str, news: bool) -> _Sampler:
        story, offset = self.story, tx.UTC_OFFSET[country] * HOUR
        diurnal, weekly, n = tx.DIURNAL[news], tx.WEEKLY[news], story.buckets
        weights = []
        for i in range(n):
            start = story.anchor + i * HOUR
            local = start + offset
            weight = diurnal[local // HOUR % 24] * weekly[(local // DAY + 3) % 7] * self.noise[i // 24]
            weight *= (1 + 0.12 * i / n) * _shape(story, stream, start)
            weights.append(weight if start + HOUR > story.lo and start < story.hi else 0.0)
        if sum(weights) <= 0:  # the event falls outside the window: spread it like everyday talk
            return self._sampler("base", country, news)
        return _Sampler(story, weights)

    def _event(self, stream: str) -> None:
        rng = self.rng
        lang = "nl" if rng.random() < tx.EVENTS[stream][1] else "en"
        channel = _CHANNELS[f"{stream}.{lang}"].pick(rng)
        if channel == "rss":
            intent = "news"
        else:
            intent = (_REVIEW_INTENTS[stream] if channel == "review" else _EVENT_INTENTS[stream]).pick(rng)
        draft = self._add(stream, "Stroomwijs" if stream == "price" else BRAND, intent, lang, channel)
        draft.ts = self._when(draft)

    def _everyday(self) -> None:
        rng = self.rng
        lang = "nl" if rng.random() < tx.DUTCH_EVERYDAY else "en"
        brand = _BRANDS[lang].pick(rng)
        stream = "multi" if brand == "multi" else "base"
        channel = _CHANNELS[f"{stream}.{lang}"].pick(rng)
        if channel == "rss":
            intent = "news"
        elif stream == "multi":
            intent = "talk"
        else:
            intent = (_REVIEW_INTENTS["base"] if channel == "review" else _SOCIAL_INTENTS).pick(rng)
        draft = self._add(stream, "" if stream == "multi" else brand, intent, lang, channel)
        draft.ts = self._when(draft)

    def _status_updates(self) -> None:
        previous: dict[tuple[str, str], Draft] = {}
        for hours, dutch, english in tx.STATUS_UPDATES:
            for channel in MICRO:
                for lang, text in (("nl", dutch), ("en", english)):
                    ts = self.story.outage + int(hours * HOUR) + self.rng.randrange(300)
                    if self.story.lo <= ts < self.story.hi:
                        draft = self._add("status", BRAND, "status", lang, channel)
                        draft.ts, draft.text, draft.country = ts, text, "NL" if lang == "nl" else "GB"
                        draft.parent = previous.get((channel, lang))
                        previous[(channel, lang)] = draft

    def _webcare(self, n_care: int, n_follow: int) -> None:
        """Brand replies to a sample of questions and complaints; some customers answer back."""
        rng, hi = self.rng, self.story.hi
        asked = [
            d
            for d in self.drafts
            if d.brand == BRAND and d.channel in MICRO and f"{d.stream}.{d.intent}" in tx.CARE
        ]
        urgent = [d for d in asked if d.intent == "crisis"]
        rest = [d for d in asked if d.intent != "crisis"]
        replies: list[Draft] = []
        for parent in (urgent + rng.sample(rest, min(len(rest), max(0, n_care - len(urgent)))))[:n_care]:
            ts = _reply_time(rng, parent)
            if ts < hi:
                care = tx.CARE[f"{parent.stream}.{parent.intent}"]
                reply = self._add("webcare", BRAND, care, parent.lang, parent.channel)
                reply.ts, reply.country, reply.parent = ts, parent.country, parent
                replies.append(reply)
        for reply in rng.sample(replies, min(len(replies), n_follow)):
            ts = reply.ts + int(rng.lognormvariate(math.log(20), 0.9) * 60) + 30
            if ts < hi:
                follow = self._add("followup", BRAND, "followup", reply.lang, reply.channel)
                follow.ts, follow.country, follow.parent = ts, reply.country, reply


def _reply_time(rng: random.Random, parent: Draft) -> int:
    """Webcare answers within minutes in office hours (08-22 local); within hours during the outage."""
    if parent.intent == "crisis":
        return parent.ts + int(rng.uniform(4, 35) * 60)
    minutes = rng.uniform(35, 380) if parent.stream == "outage" else rng.lognormvariate(math.log(25), 0.7)
    ts = parent.ts + int(minutes * 60) + 60
    offset = tx.UTC_OFFSET[parent.country] * HOUR
    local = ts + offset
    hour = local // HOUR % 24
    if 8 <= hour < 22:
        return ts
    morning = local - local % DAY + 8 * HOUR + (DAY if hour >= 22 else 0)
    return morning - offset + rng.randrange(3000)
