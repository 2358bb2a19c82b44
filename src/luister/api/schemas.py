"""The API's request and response bodies (``XBase``/``XCreate``/``XUpdate``/``XRead``), separate from the
tables and from the services' dataclasses; each ``XRead`` has ``of()`` to build it from a service result.

Text fields say what they take in their schema (length, no control characters) so that what the
schema allows is what the database stores, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from luister.alerts import read as alert_service
from luister.alerts.model import AlertStatus
from luister.domain.analysis import INTENT_LABELS, SENTIMENT_LABELS, parse_intents
from luister.domain.sources import SourceStatus
from luister.domain.topics import TopicKind
from luister.services import ingest_push
from luister.services import mentions as mention_service
from luister.services import sources as source_service
from luister.services import topics as topic_service

Sentiment = Literal["negative", "neutral", "positive"]
Intent = Literal["complaint", "question", "praise", "lead", "churn", "feedback", "crisis", "other"]
assert get_args(Sentiment) == SENTIMENT_LABELS and get_args(Intent) == INTENT_LABELS

NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"  # one line of text
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
Name = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=NO_CONTROL)]
QueryText = Annotated[str, StringConstraints(min_length=1, max_length=5000, pattern=NO_NUL)]


def _no_nul(value: Any) -> Any:
    """Options are stored as JSON (JSONB on PostgreSQL, which refuses NUL anywhere)."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    elif isinstance(value, list):
        for item in value:
            _no_nul(item)
    return value


# Mentions


class MentionBase(BaseModel):
    channel: str
    url: str | None
    author_handle: str | None
    title: str | None
    text: str
    language: str | None
    country: str | None
    published_at: datetime = Field(
        description="When it was said; when `date_known` is false, when it was fetched (the source gave no "
        "date)."
    )


class MentionRead(MentionBase):
    id: int
    duplicate_of: int | None = Field(description="The earlier mention this one nearly copies.")
    sentiment: Sentiment | None
    intents: list[Intent]
    primary_intent: Intent | None = Field(
        description="The most urgent of `intents` (crisis > churn > lead > complaint > question > feedback > "
        "praise > other): the one routing goes by."
    )
    date_known: bool = Field(
        True,
        description="false: the source gave no date; `published_at` is when it was fetched, and the mention "
        "counts in no period's figures.",
    )

    @classmethod
    def of(cls, m: mention_service.MentionRead) -> MentionRead:
        return cls(
            id=m.id,
            channel=m.channel,
            url=m.url,
            author_handle=m.author_handle,
            title=m.title,
            text=m.text,
            language=m.language,
            country=m.country,
            published_at=m.published_at,
            duplicate_of=m.duplicate_of,
            sentiment=m.sentiment,  # type: ignore[arg-type]
            intents=list(parse_intents(m.intents)),  # type: ignore[arg-type]
            primary_intent=m.primary_intent,  # type: ignore[arg-type]
            date_known=m.date_known,
        )


class MentionPage(BaseModel):
    items: list[MentionRead] = Field(description="Newest first.")
    next: str | None = Field(description="Pass as `cursor` for the next (older) page; null on the last page.")
    scanned_out: bool = Field(
        description="`q` looked through its scan limit without filling the page; go on with `next`."
    )
    index_reason: str | None = Field(
        None, description="Why `q` could not use the search index and was scanned instead; null when it did."
    )


class MatchCountRead(BaseModel):
    count: int = Field(description="Mentions published in the period that match `q`.")
    exact: bool = Field(description="False: at least `count` (a query the index cannot serve stopped).")
    index_reason: str | None = Field(description="Why `q` could not use the search index; null when it did.")


class MentionDetail(MentionRead):
    author_name: str | None
    author_followers: int | None
    sentiment_score: float | None
    sentiment_confidence: float | None
    intent_scores: dict[str, float] | None
    analysis_model: str | None = Field(description="Which model set the labels; `human` after a correction.")
    raw: str = Field(description="The payload exactly as the platform sent it.")
    thread: list[MentionRead] = Field(description="Others in the same thread, oldest first.")
    topics: list[str] = Field(description="Names of the topics the mention matched, alphabetically.")

    @classmethod
    def of_detail(cls, d: mention_service.MentionDetail) -> MentionDetail:
        return cls(
            **MentionRead.of(d.mention).model_dump(),
            author_name=d.author_name,
            author_followers=d.author_followers,
            sentiment_score=d.sentiment_score,
            sentiment_confidence=d.sentiment_confidence,
            intent_scores=d.intent_scores,
            analysis_model=d.analysis_model,
            raw=d.raw,
            thread=[MentionRead.of(t) for t in d.thread],
            topics=d.topics,
        )


class LabelsUpdate(BaseModel):
    """A person's correction; the mention's labels then count as `human` and `luister train` learns them."""

    sentiment: Sentiment | None = None
    intents: list[Intent] | None = Field(None, min_length=1, max_length=len(INTENT_LABELS))


# Topics


class TopicBase(BaseModel):
    kind: TopicKind = TopicKind.other
    query: QueryText = Field(description="In the topic query language (docs/queries.md).")
    description: str | None = Field(None, max_length=2000, pattern=NO_NUL)
    department: str | None = Field(
        None, max_length=40, pattern=NO_CONTROL,
        description="Whose topic it is (none: the whole company's). People of another department do not "
        "see it; for someone who belongs to a department it is always their own.",
    )  # fmt: skip


class TopicCreate(TopicBase):
    name: Name


class TopicUpdate(TopicBase):
    pass


class TopicRead(TopicBase):
    id: int
    name: str
    enabled: bool
    mentions: int = Field(description="How many stored mentions it matches.")

    @classmethod
    def of(cls, t: topic_service.TopicRead) -> TopicRead:
        return cls(
            id=t.id,
            name=t.name,
            kind=t.kind,
            query=t.query,
            description=t.description,
            department=t.department,
            enabled=t.enabled,
            mentions=t.mentions,
        )


class QueryTest(BaseModel):
    query: QueryText
    sample: int = Field(
        5000, ge=1, le=50_000,
        description="How many of the newest mentions to try a query on that cannot use the search index.",
    )  # fmt: skip
    examples: int = Field(10, ge=0, le=100, description="How many matching mentions to return.")
    since: datetime | None = Field(None, description="Only mentions published at or after (ISO 8601).")
    until: datetime | None = Field(None, description="Only mentions published before (ISO 8601).")


class QueryExample(BaseModel):
    id: int
    text: str


class QueryTrialRead(BaseModel):
    sampled: int = Field(description="The mentions it was tried on: all of the period when `whole`.")
    matched: int
    examples: list[QueryExample] = Field(description="The newest matches.")
    whole: bool = Field(False, description="Tried on every mention of the period (through the search index).")
    index_reason: str | None = Field(
        None, description="Why the query could not use the search index (tried on the newest `sample`)."
    )

    @classmethod
    def of(cls, t: topic_service.QueryTrial) -> QueryTrialRead:
        return cls(
            sampled=t.sampled, matched=t.matched, whole=t.whole, index_reason=t.index_reason,
            examples=[QueryExample(id=i, text=x) for i, x in t.examples],
        )  # fmt: skip


# Sources


class SourceBase(BaseModel):
    connector: Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=NO_CONTROL)] = Field(
        description="An installed connector: rss, mastodon, bluesky, reddit, hackernews, file, webhook…"
    )
    options: Annotated[dict[str, Any], AfterValidator(_no_nul)] = Field(
        default_factory=dict, description="The connector's options (docs/connectors.md)."
    )
    poll_interval_s: int | None = Field(None, ge=10, le=30 * 24 * 3600, description="Seconds between polls.")
    department: Annotated[str, StringConstraints(max_length=40, pattern=NO_CONTROL)] | None = Field(
        None,
        description="Whose source it is (none: the whole company's). People of another department do not "
        "see it; for someone who belongs to a department it is always their own.",
    )


class SourceCreate(SourceBase):
    name: Name


class HealthRead(BaseModel):
    status: SourceStatus
    items_per_hour: float
    rejected_ratio: float = Field(description="Share of fetched items that could not be mapped (24 h).")
    detail: str
    undated: int = Field(
        0,
        description="Mentions stored in the last 24 hours whose date the source did not give: kept, dated "
        "when fetched. A warning, not a fault: the status does not change for it.",
    )
    warnings: list[str] = Field(
        default_factory=list,
        description='What is worth knowing without being a fault, e.g. "12 mentions '
        'without a date in the last 24 hours: dated when fetched".',
    )


class SourceRead(SourceBase):
    id: int
    name: str
    enabled: bool
    poll_interval_s: int | None
    last_success_at: datetime | None
    last_error: str | None
    next_run_at: datetime | None
    health: HealthRead

    @classmethod
    def of(cls, s: source_service.SourceRead) -> SourceRead:
        h = s.health
        return cls(
            id=s.id,
            name=s.name,
            connector=s.connector,
            options=s.options,
            enabled=s.enabled,
            poll_interval_s=int(s.poll_interval.total_seconds()),
            department=s.department,
            last_success_at=s.last_success_at,
            last_error=s.last_error,
            next_run_at=s.next_run_at,
            health=HealthRead(
                status=h.status,
                items_per_hour=h.items_per_hour,
                rejected_ratio=h.rejected_ratio,
                detail=h.detail,
                undated=h.undated,
                warnings=list(h.warnings),
            ),
        )


# Alerts


class AlertRead(BaseModel):
    id: int
    rule: str
    topic: str | None
    kind: str
    severity: str
    status: AlertStatus
    title: str
    summary: str
    opened_at: datetime
    last_seen_at: datetime
    mentions: int
    expected: float | None
    acknowledged_by: str | None
    resolved_by: str | None

    @classmethod
    def of(cls, a: alert_service.AlertRead) -> AlertRead:
        return cls(
            id=a.id,
            rule=a.rule,
            topic=a.topic,
            kind=a.kind,
            severity=a.severity,
            status=a.status,
            title=a.title,
            summary=a.summary,
            opened_at=a.opened_at,
            last_seen_at=a.last_seen_at,
            mentions=a.mentions,
            expected=a.expected,
            acknowledged_by=a.acknowledged_by,
            resolved_by=a.resolved_by,
        )


class StepRead(BaseModel):
    position: int
    title: str
    owner: str | None = Field(description="Who does it: a department or role.")
    due_at: datetime | None
    done_at: datetime | None
    done_by: str | None
    late_minutes: int | None = Field(description="How late it was done; none while open or without deadline.")
    statements: dict[str, str] = Field(description="Holding statements per language.")

    @classmethod
    def of(cls, s: alert_service.StepRead) -> StepRead:
        return cls(position=s.position, title=s.title, owner=s.owner, due_at=s.due_at, done_at=s.done_at,
                   done_by=s.done_by, late_minutes=s.late_minutes, statements=s.statements)  # fmt: skip


class AlertEventRead(BaseModel):
    at: datetime
    kind: str = Field(description="opened, updated, acknowledged, step_done or resolved.")
    detail: str | None
    by: str | None


class DeliveryRead(BaseModel):
    channel: str
    revision: int = Field(description="Which update of the alert this delivery carries (1: when it opened).")
    status: str = Field(description="pending, sent or failed.")
    attempts: int
    last_error: str | None
    sent_at: datetime | None


class SpikeWindowRead(BaseModel):
    since: datetime
    until: datetime = Field(description="Exclusive: the spike was counted in [since, until).")
    negative: bool = Field(description="Only the negative mentions count (a negative rule).")
    mentions: int = Field(description="How many mentions of the alert's topic made the spike.")


class AlertDetailRead(AlertRead):
    samples: list[MentionRead] = Field(
        description="Example mentions behind the alert: for a spike, those that made it (its topic, its "
        "hours, the negative ones for a negative rule), the most followed first."
    )
    window: SpikeWindowRead | None = Field(
        None, description="Spikes and negative shares: the hours and mentions they were counted in."
    )
    steps: list[StepRead] = Field(description="The playbook checklist, in order.")
    events: list[AlertEventRead] = Field(description="The timeline: who did what, when.")
    deliveries: list[DeliveryRead]

    @classmethod
    def of_detail(cls, d: alert_service.AlertDetail) -> AlertDetailRead:
        return cls(
            **AlertRead.of(d.alert).model_dump(),
            samples=[MentionRead.of(m) for m in d.samples],
            window=SpikeWindowRead(
                since=d.window.since,
                until=d.window.until,
                negative=d.window.negative,
                mentions=d.window.mentions,
            )
            if d.window
            else None,  # fmt: skip
            steps=[StepRead.of(s) for s in d.steps],
            events=[AlertEventRead(at=e.at, kind=e.kind, detail=e.detail, by=e.by) for e in d.events],
            deliveries=[
                DeliveryRead(
                    channel=x.channel,
                    revision=x.revision,
                    status=x.status,
                    attempts=x.attempts,
                    last_error=x.last_error,
                    sent_at=x.sent_at,
                )  # fmt: skip
                for x in d.deliveries
            ],
        )


class ResolveNote(BaseModel):
    note: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        default=None, description="What happened, for the after-action review."
    )


# Webhook push


class PushRejectionRead(BaseModel):
    position: int = Field(description="The item's index in the request (0 for a single object).")
    reason: str


class PushResultRead(BaseModel):
    received: int
    stored: int = Field(description="New mentions stored.")
    known: int = Field(description="Already stored before (a redelivery stores nothing new).")
    rejected: list[PushRejectionRead] = Field(description="Items quarantined, with why (`luister rejected`).")

    @classmethod
    def of(cls, r: ingest_push.PushResult) -> PushResultRead:
        return cls(
            received=r.received,
            stored=r.stored,
            known=r.known,
            rejected=[PushRejectionRead(position=x.position, reason=x.reason) for x in r.rejected],
        )
