"""``/analytics``: the dashboard figures of a topic (or all mentions) over a period, from the rollups."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from luister.api.auth import caller
from luister.api.mentions import Filter, utc, visible_topic_id
from luister.api.problems import ApiError, invalid, responses
from luister.api.schemas import NO_CONTROL, Sentiment
from luister.domain.accounts import Permission
from luister.domain.addressing import unknown_as_empty
from luister.domain.periods import (
    MAX_DAYS,
    PeriodError,
    RangeError,
    checked_period,
    local_today,
    picked_range,
)
from luister.domain.rollups import ALL_TOPICS
from luister.runtime import Runtime
from luister.services import analytics
from luister.services.accounts import UserRead

SENTIMENT_COUNTS = "Mentions per sentiment: negative, neutral, positive, and '' for not analysed."


class TotalsRead(BaseModel):
    mentions: int
    duplicates: int = Field(description="Near-duplicates among them.")
    reach: int = Field(description="Authors' followers, summed per mention.")
    engagement: int = Field(description="Likes, shares and replies.")
    sentiment: dict[str, int] = Field(description=SENTIMENT_COUNTS)
    net_sentiment: float | None = Field(description="(positive − negative) / (positive + negative), −1…+1.")


class PointRead(BaseModel):
    start: datetime = Field(description="The bucket's start: an hour, or a UTC day.")
    mentions: int
    sentiment: dict[str, int] = Field(description=SENTIMENT_COUNTS)
    net_sentiment: float | None
    partial: bool = Field(description="The bucket is still filling: it ends after `counted_until`.")


class VoiceRead(BaseModel):
    topic: str
    kind: str = Field(description="brand or competitor")
    mentions: int
    share: float = Field(description="Of all brand and competitor mentions, 0–1.")
    sentiment: dict[str, int] = Field(description=SENTIMENT_COUNTS)
    net_sentiment: float | None
    positive_share: float | None = Field(description="Positive among the analysed mentions, 0–1.")


class CountRead(BaseModel):
    key: str = Field(description="'' when unknown.")
    mentions: int


class ChannelCountryRead(BaseModel):
    channel: str
    country: str = Field(description="'' when unknown.")
    mentions: int


class PreviousRead(BaseModel):
    since: datetime
    until: datetime = Field(
        description="While this period is still going on: as far into the previous one "
        "as this one has gone (like with like)."
    )
    totals: TotalsRead


class OverviewRead(BaseModel):
    since: datetime
    until: datetime
    zone: str | None = Field(None, description="With `from`/`to`: the time zone whose whole days these are.")
    days: int = Field(0, description="Days the period spans (local days with `from`/`to`).")
    bucket: str = Field(description="`hour` for periods up to three days, else `day`.")
    topic: str | None = Field(description="null: all mentions.")
    totals: TotalsRead
    counted_until: datetime = Field(
        description="How far the figures count: `until`, or the end of the newest counted hour while the "
        "period is still going on (then the last bucket is partial)."
    )
    previous_mentions: int = Field(
        description="Mentions in the period of the same length just before; while this one is still going "
        "on, in as much of it as has passed of this one (like with like)."
    )
    series: list[PointRead] = Field(description="Volume and sentiment per bucket, empty buckets included.")
    share_of_voice: list[VoiceRead] = Field(description="Brand and competitor topics side by side.")
    channels: list[CountRead]
    channel_country: list[ChannelCountryRead]
    languages: list[CountRead]
    intents: list[CountRead] = Field(description="A mention counts once per intent.")
    previous: PreviousRead | None = Field(
        None,
        description="The period of the same length just before (as many whole local days with "
        "`from`/`to`), with the same figures: compare each headline figure with it.",
    )
    undated: int = Field(
        0,
        description="Mentions of the topic (with the filters, at any time) whose date is unknown: the "
        "source gave none. They lie in no period, so none of the figures above counts them.",
    )

    @classmethod
    def of(cls, o: analytics.Overview, topic: str | None) -> "OverviewRead":
        t = o.totals
        before = o.scope.previous()
        return cls(
            since=o.scope.since,
            until=o.scope.until,
            zone=o.scope.zone,
            days=o.scope.days,
            previous=PreviousRead(since=before.since, until=before.until, totals=_totals(o.previous))
            if o.previous is not None
            else None,
            bucket=o.scope.bucket,
            topic=topic,
            totals=_totals(t),
            counted_until=o.scope.counted_until,
            previous_mentions=o.previous_mentions,
            series=[
                PointRead(
                    start=p.start,
                    mentions=p.mentions,
                    sentiment=p.sentiment,
                    net_sentiment=p.net_sentiment,
                    partial=p.partial,
                )
                for p in o.series
            ],
            share_of_voice=[
                VoiceRead(
                    topic=v.name,
                    kind=v.kind,
                    mentions=v.mentions,
                    share=v.share,
                    sentiment=v.sentiment,
                    net_sentiment=v.net_sentiment,
                    positive_share=v.positive_share,
                )
                for v in o.share_of_voice
            ],
            channels=[CountRead(key=str(k), mentions=n) for k, n in o.channels],
            channel_country=[
                ChannelCountryRead(channel=str(c), country=str(k), mentions=n)
                for c, k, n in o.channel_country
            ],
            languages=[CountRead(key=str(k), mentions=n) for k, n in o.languages],
            intents=[CountRead(key=k, mentions=n) for k, n in o.intents],
            undated=o.undated,
        )


def _totals(t: analytics.Totals) -> TotalsRead:
    return TotalsRead(mentions=t.mentions, duplicates=t.duplicates, reach=t.reach, engagement=t.engagement,
                      sentiment=t.sentiment, net_sentiment=t.net_sentiment)  # fmt: skip


DATE_TEXT = (
    "a date (YYYY-MM-DD) in the time zone of the people listened to (`zone` in the answer); "
    "`from` … `to` are whole days, both included, at most two years; not with since/until"
)


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["analytics"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]

    @router.get("/analytics/overview", response_model=OverviewRead, responses=responses(400, 403))
    def analytics_overview(
        user: Reader,
        topic: Annotated[
            str | None,
            Query(max_length=120, pattern=NO_CONTROL, description="A topic's name; else all mentions."),
        ] = None,
        since: Annotated[datetime | None, Query(description="Period start (ISO 8601); with `until`.")] = None,
        until: Annotated[datetime | None, Query(description="Period end, exclusive (ISO 8601).")] = None,
        days: Annotated[
            int,
            Query(
                ge=1,
                le=MAX_DAYS,
                description="Without since/until: the last `days` days up to the newest counted hour.",
            ),
        ] = 30,
        channel: Filter = None,
        country: Filter = None,
        language: Filter = None,
        sentiment: Sentiment | None = None,
        first: Annotated[
            str | None,
            Query(alias="from", max_length=40, pattern=NO_CONTROL, description="First day: " + DATE_TEXT),
        ] = None,
        last: Annotated[
            str | None,
            Query(alias="to", max_length=40, pattern=NO_CONTROL, description="Last day: " + DATE_TEXT),
        ] = None,
    ) -> OverviewRead:
        """Totals, volume and sentiment over time, share of voice against competitors, channel × country,
        languages and intents: the overview dashboard's figures (read from the rollups, fast at any size)."""
        topic_id = visible_topic_id(engine, topic, user) if topic else ALL_TOPICS
        start, end = utc(since, "since"), utc(until, "until")
        if (start is None) != (end is None):
            raise invalid(
                "give both since and until, or neither (then `days` counts back from the newest data)"
            )
        period = analytics.default_scope(engine=engine, days=days)  # also: how far the data runs
        zone = None
        if first or last:
            if start is not None:
                raise ApiError(400, "give from/to (dates) or since/until (moments), not both")
            zone = runtime.settings.zone
            try:
                today = local_today(period.now or period.until, zone)
                start, end = picked_range(first or "", last or "", days=days, today=today, zone=zone)
            except RangeError as exc:
                raise ApiError(400, str(exc)) from None
        elif start is None or end is None:
            start, end = period.since, period.until
        else:
            try:
                start, end = checked_period(start, end)
            except PeriodError as exc:
                raise invalid(str(exc)) from None
        filters = {"channel": channel or None, "country": unknown_as_empty(country),
                   "language": unknown_as_empty(language)}  # fmt: skip
        scope = analytics.Scope(since=start, until=end, topic_id=topic_id, sentiment=sentiment,
                                now=period.now, zone=runtime.settings.time_zone if zone else None,
                                **filters)  # fmt: skip
        return OverviewRead.of(analytics.overview(engine=engine, scope=scope), topic)

    return router
