"""The inbox API's request and response bodies (``XBase``/``XCreate``/``XUpdate``/``XRead``, as in
:mod:`luister.api.schemas`): conversations and their work, departments with their people, routing rules,
SLA policies and canned responses. Each ``XRead`` has ``of()`` to build it from :mod:`luister.inbox.read`.

Text fields say what they take (length, no control characters, no NUL) so that what the schema allows is
what the database stores, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from luister.api.schemas import NO_CONTROL, NO_NUL, Intent, Name
from luister.inbox import read as inbox_read
from luister.inbox import setup as inbox_setup
from luister.inbox.assignment import Availability, Strategy
from luister.inbox.model import Route
from luister.inbox.rules import MAX_TAGS
from luister.inbox.status import Priority, Status

DepartmentKey = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=NO_CONTROL)]
_EMAIL = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$"
Email = Annotated[str, StringConstraints(min_length=3, max_length=254, pattern=_EMAIL)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=NO_CONTROL)]
Word = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=NO_CONTROL)]
SlaState = Literal["none", "ok", "warning", "breached", "paused", "met"]
HandMove = Literal["open", "wait_customer", "wait_department", "snooze", "wake", "resolve", "reopen"]
Language = Literal["nl", "en"]
Country = Annotated[str, StringConstraints(min_length=2, max_length=3, pattern=r"^[A-Z]+$")]
Minutes = Annotated[int, Field(ge=1, le=60 * 24 * 60)]

# Conversations


class RouteRead(BaseModel):
    """Why the conversation is where it is."""

    by: str = Field(
        description="rule (a routing rule), model (the triage's suggestion), transfer (someone moved it), "
        "or none (no department yet)."
    )
    department: str | None
    because: str = Field(
        description="The reason in words: the rule's name, the model's evidence, the transfer's reason."
    )
    evidence: list[str] = Field(description="Words of the mention the model went by.")
    score: float | None = Field(description="The model's confidence (0-1).")
    rule_id: int | None
    rule_name: str | None
    actor: str | None = Field(description="Who transferred it.")

    @classmethod
    def of(cls, r: Route) -> RouteRead:
        return cls(
            by=r.by,
            department=r.department,
            because=r.because,
            evidence=list(r.evidence),
            score=r.score,
            rule_id=r.rule_id,
            rule_name=r.rule_name,
            actor=r.actor,
        )


class ConversationRead(BaseModel):
    id: int
    subject: str = Field(description="The start of the first message.")
    channel: str
    author_handle: str | None
    author_name: str | None
    language: str | None
    intent: str | None = Field(description="The primary intent of the first mention.")
    sentiment: str | None
    department: str | None = Field(description="The department that owns it; none until it is routed.")
    assignee: str | None = Field(
        description="The e-mail of whoever works it; none: in the department's queue."
    )
    status: Status
    priority: Priority
    sla_state: SlaState = Field(
        description="Where the SLA clock stands: ok, warning, breached, paused "
        "(waiting on the customer), met, or none (no policy)."
    )
    sla_due_at: datetime | None = Field(description="When the next SLA target is due.")
    last_customer_at: datetime
    message_count: int
    snoozed_until: datetime | None
    route: RouteRead

    @classmethod
    def of(cls, r: inbox_read.ConversationRow) -> ConversationRead:
        return cls(
            id=r.id,
            subject=r.subject,
            channel=r.channel,
            author_handle=r.author_handle,
            author_name=r.author_name,
            language=r.language,
            intent=r.intent,
            sentiment=r.sentiment,
            department=r.department,
            assignee=r.assignee,
            status=Status(r.status),
            priority=Priority(r.priority),
            sla_state=r.sla_state,  # type: ignore[arg-type]
            sla_due_at=r.sla_due_at,
            last_customer_at=r.last_customer_at,
            message_count=r.message_count,
            snoozed_until=r.snoozed_until,
            route=RouteRead.of(r.route),
        )


class ConversationPage(BaseModel):
    items: list[ConversationRead] = Field(
        description="Most urgent first (priority, then the nearest SLA "
        "deadline, then the oldest customer message); resolved: newest."
    )
    counts: dict[str, int] = Field(
        description="How many conversations each view holds (for tabs), with these filters left out; "
        "resolved has no count.",
        examples=[{"mine": 3, "unassigned": 1, "departments": 12, "all": 12, "breaching": 2, "snoozed": 1}],
    )
    total: int = Field(description="How many conversations this view holds with these filters.")
    page: int
    per_page: int
    next_after: str | None = Field(
        default=None,
        description="Pass as `after` for the next page (keyset paging); null on the last page.",
    )

    @classmethod
    def of(cls, p: inbox_read.Page, per_page: int) -> ConversationPage:
        return cls(
            items=[ConversationRead.of(r) for r in p.rows],
            counts=p.counts,
            total=p.total,
            page=p.page,
            per_page=per_page,
            next_after=p.next_after,
        )


class MessageRead(BaseModel):
    id: int
    kind: str = Field(
        description="customer (a mention), agent (our reply), note (internal), or elsewhere (answered by "
        "phone, e-mail or in person)."
    )
    author: str | None
    body: str = Field(description="As written: text from mentions is the public's, never markup.")
    at: datetime
    mention_id: int | None
    url: str | None = Field(description="Where the mention was published.")
    date_known: bool = Field(
        True, description="False when the source gave no date: `at` is then when the mention was fetched."
    )


class ConversationEventRead(BaseModel):
    at: datetime
    actor: str = Field(description="Who: an e-mail, cli, router or system.")
    kind: str = Field(
        description="created, routed, assigned, status, transferred, noted, tagged, priority, "
        "merged, answered_elsewhere, sla_warning, sla_breached, …"
    )
    detail: dict[str, Any]


class AuthorMentionRead(BaseModel):
    id: int
    channel: str
    text: str
    published_at: datetime
    url: str | None


class AuthorHistoryRead(BaseModel):
    """The same author's other conversations (in the caller's departments) and latest mentions."""

    conversations: list[ConversationRead]
    mentions: list[AuthorMentionRead]


class OutcomeRead(BaseModel):
    """What a department decided on a digest item this conversation's mentions were part of."""

    department: str
    kind: str
    theme: str
    decision: str | None
    outcome: str | None
    decided_by: str | None
    decided_at: datetime | None


class ConversationDetailRead(ConversationRead):
    messages: list[MessageRead] = Field(description="Oldest first (the newest 500).")
    events: list[ConversationEventRead] = Field(description="The timeline: who did what, when.")
    tags: list[str]
    cycle: int = Field(description="1, then one more each time the customer writes again after resolved.")
    first_response_at: datetime | None
    resolved_at: datetime | None
    answered_elsewhere: str | None = Field(description="phone, email or in_person, when answered so.")
    merged_into: int | None = Field(description="The conversation this one was merged into.")
    author: AuthorHistoryRead
    outcomes: list[OutcomeRead]
    reply_seq: int = Field(
        0, description="The send-time guard's number: propose a reply with it as seen_reply_seq."
    )

    @classmethod
    def of_detail(cls, d: inbox_read.ConversationDetail) -> ConversationDetailRead:
        history = AuthorHistoryRead(
            conversations=[ConversationRead.of(c) for c in d.author.conversations],
            mentions=[
                AuthorMentionRead(id=i, channel=c, text=t, published_at=p, url=u)
                for i, c, t, p, u in d.author.mentions
            ],
        )
        return cls(
            **ConversationRead.of(d.conversation).model_dump(),
            messages=[
                MessageRead(
                    id=m.id,
                    kind=m.kind,
                    author=m.author,
                    body=m.body,
                    at=m.at,
                    mention_id=m.mention_id,
                    url=m.url,
                    date_known=m.date_known,
                )
                for m in d.messages
            ],
            events=[
                ConversationEventRead(at=e.at, actor=e.actor, kind=e.kind, detail=e.detail) for e in d.events
            ],
            tags=d.tags,
            cycle=d.cycle,
            first_response_at=d.first_response_at,
            resolved_at=d.resolved_at,
            answered_elsewhere=d.answered_elsewhere,
            merged_into=d.merged_into,
            author=history,
            reply_seq=d.reply_seq,
            outcomes=[
                OutcomeRead(
                    department=o.department,
                    kind=o.kind,
                    theme=o.theme,
                    decision=o.decision,
                    outcome=o.outcome,
                    decided_by=o.decided_by,
                    decided_at=o.decided_at,
                )
                for o in d.outcomes
            ],
        )


class StatusUpdate(BaseModel):
    """A move of the conversation's status (what a customer's message or an agent's reply does is not
    done by hand)."""

    move: HandMove = Field(
        description="open, wait_customer, wait_department, snooze (until a time), wake, "
        "resolve or reopen. A move the status does not allow answers 409."
    )
    snooze_until: datetime | None = Field(
        None, description="With snooze: when it wakes (in the future; with a time zone)."
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"move": "snooze", "snooze_until": "2026-12-08T09:00:00+01:00"}, {"move": "resolve"}]
        }
    )


class AssignmentUpdate(BaseModel):
    assignee: Email | None = Field(
        description="A member of the conversation's department (422 otherwise); "
        "null puts it back in the department's queue.",
        examples=["anouk@voltaro.nl"],
    )


class TransferCreate(BaseModel):
    department: DepartmentKey = Field(
        description="The department it goes to (422 when there is none).", examples=["sales"]
    )
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=NO_NUL)] = Field(
        description="Why, for everyone to see.", examples=["Wil een offerte voor een laadpaal"]
    )
    priority: Priority | None = Field(None, description="A new priority with it.")


class NoteCreate(BaseModel):
    body: Annotated[str, StringConstraints(min_length=1, max_length=10_000, pattern=NO_NUL)] = Field(
        description="An internal note, never sent to the customer; colleagues named @e-mail or @first-name "
        "are notified.",
        examples=["@bob is dit een verkoopkans?"],
    )


class TagsUpdate(BaseModel):
    add: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS, examples=[["laadpaal"]])
    remove: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)


class PriorityUpdate(BaseModel):
    priority: Priority


class AnsweredElsewhereCreate(BaseModel):
    how: Literal["phone", "email", "in_person"]
    note: Annotated[str, StringConstraints(max_length=10_000, pattern=NO_NUL)] = Field(
        "", description="What was said.", examples=["Gebeld, monteur komt morgen"]
    )
    resolve: bool = Field(True, description="Resolve the conversation with it.")


class MergeCreate(BaseModel):
    into: int = Field(
        ge=1,
        le=2**63 - 1,
        description="The conversation that takes this one's messages (the same customer wrote twice).",
    )


class BulkCreate(BaseModel):
    ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(min_length=1, max_length=500)
    operation: Literal["assign", "resolve", "tag"]
    assignee: Email | None = Field(None, description="assign: whom to (null: back to the queue).")
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS, description="tag: the tags to add.")


class BulkProblemRead(BaseModel):
    id: int
    problem: str


class BulkRead(BaseModel):
    done: list[int] = Field(description="The conversations changed.")
    problems: list[BulkProblemRead] = Field(
        description="Those that could not be changed, with why (one "
        "outside your departments: as if it did not exist)."
    )


# Departments


class Calendar(BaseModel):
    """Business hours; leave out shifts for around the clock."""

    model_config = ConfigDict(extra="forbid")

    zone: Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=NO_CONTROL)] = Field(
        "Europe/Amsterdam", description="An IANA time zone."
    )
    holidays: list[Country] = Field(
        default_factory=list, max_length=5, description="Countries whose public holidays are closed (NL, BE)."
    )
    shifts: list[tuple[Annotated[int, Field(ge=0, le=6)], str, str]] | None = Field(
        None, max_length=70, description="[weekday (0 = Monday), 'HH:MM', 'HH:MM'] (end 24:00 for midnight)."
    )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"zone": self.zone, "holidays": self.holidays}
        if self.shifts is not None:
            data["shifts"] = [list(s) for s in self.shifts]
        return data


class DepartmentBase(BaseModel):
    name_en: Name = Field(examples=["Customer service"])
    name_nl: Name | None = Field(
        None, description="Dutch name (the English one when left out).", examples=["Klantenservice"]
    )
    calendar: Calendar | None = Field(
        None, description="Business hours (left out: unchanged, or around the clock for a new department)."
    )
    digest_every: Literal["daily", "weekly", "monthly"] = "weekly"
    assignment: Strategy = Field(Strategy.least_loaded, description="How a conversation finds its agent.")
    reclaim_minutes: int | None = Field(
        None,
        ge=1,
        le=10_080,
        description="An assigned conversation without a reply this long goes back to the queue.",
    )


class DepartmentUpdate(DepartmentBase):
    """Create or change a department (PUT with its key)."""


class MemberBase(BaseModel):
    languages: list[Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]] = Field(
        default_factory=lambda: ["nl", "en"],
        min_length=1,
        max_length=10,
        description="Two-letter codes of the languages they answer in.",
    )
    capacity: int = Field(20, ge=0, le=500, description="Most open conversations at once.")
    availability: Availability = Availability.available


class MemberUpdate(MemberBase):
    pass


class MemberRead(MemberBase):
    email: str
    name: str
    open_count: int = Field(description="Open conversations assigned to them (every department).")

    @classmethod
    def of(cls, m: inbox_read.MemberRead) -> MemberRead:
        return cls(
            email=m.email,
            name=m.name,
            languages=[c for c in m.languages.split(",") if c],
            capacity=m.capacity,
            availability=Availability(m.availability),
            open_count=m.open_count,
        )


class DepartmentRead(BaseModel):
    id: int
    key: str
    name_en: str
    name_nl: str
    calendar: dict[str, Any]
    digest_every: str
    assignment: str
    reclaim_minutes: int | None
    members: list[MemberRead]
    open_count: int = Field(description="Its conversations that are not resolved.")

    @classmethod
    def of(cls, d: inbox_read.DepartmentRead) -> DepartmentRead:
        return cls(
            id=d.id,
            key=d.key,
            name_en=d.name_en,
            name_nl=d.name_nl,
            calendar=d.calendar,
            digest_every=d.digest_every,
            assignment=d.assignment,
            reclaim_minutes=d.reclaim_minutes,
            members=[MemberRead.of(m) for m in d.members],
            open_count=d.open_count,
        )


# Routing rules


class RuleConditions(BaseModel):
    """All given conditions must hold (each list: any of its items)."""

    model_config = ConfigDict(extra="forbid")

    topics: list[Name] = Field(default_factory=list, max_length=50)
    query: Annotated[str, StringConstraints(max_length=5000, pattern=NO_NUL)] | None = Field(
        None, description="In the topic query language (docs/queries.md).", examples=["laadpas*"]
    )
    intents: list[Intent] = Field(default_factory=list)
    sentiments: list[Literal["negative", "neutral", "positive"]] = Field(default_factory=list)
    languages: list[Word] = Field(default_factory=list, max_length=50)
    channels: list[Word] = Field(default_factory=list, max_length=50)
    countries: list[Word] = Field(default_factory=list, max_length=50)
    min_followers: int | None = Field(None, ge=0, le=2**62)
    max_followers: int | None = Field(None, ge=0, le=2**62)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(exclude_defaults=True)


class RoutingRuleBase(BaseModel):
    conditions: RuleConditions = Field(examples=[{"query": "laadpas*", "topics": ["Voltaro"]}])
    department: DepartmentKey = Field(description="Where a mention it holds for goes.", examples=["product"])
    priority: Priority | None = Field(None, description="The conversation's priority (none: by intent).")
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    enabled: bool = True


class RoutingRuleUpdate(RoutingRuleBase):
    """Create or replace a rule (PUT with its name)."""

    position: int | None = Field(
        None,
        ge=0,
        le=1_000_000,
        description="Rules are tried by position, lowest first; a new rule goes last when left out.",
    )


class RoutingRuleRead(RoutingRuleBase):
    id: int
    name: str
    position: int
    created_by: str

    @classmethod
    def of(cls, r: inbox_read.RuleRead) -> RoutingRuleRead:
        return cls(
            id=r.id,
            name=r.name,
            position=r.position,
            conditions=RuleConditions(**r.conditions),
            department=r.department,
            priority=Priority(r.priority) if r.priority else None,
            tags=r.tags,
            enabled=r.enabled,
            created_by=r.created_by,
        )


class RuleSimulationCreate(BaseModel):
    conditions: RuleConditions
    department: DepartmentKey = Field(examples=["sales"])
    days: int = Field(30, ge=1, le=90, description="How far back to look.")


class SimulationExample(BaseModel):
    mention_id: int
    text: str
    went_to: str | None = Field(description="The department it went to without the rule.")


class RuleSimulationRead(BaseModel):
    days: int
    considered: int = Field(description="Mentions of the period looked at.")
    matched: int = Field(description="How many the rule holds for.")
    taken_from: dict[str, int] = Field(description="Where those went without the rule (none: nowhere).")
    examples: list[SimulationExample]

    @classmethod
    def of(cls, s: inbox_setup.Simulation) -> RuleSimulationRead:
        return cls(
            days=s.days,
            considered=s.considered,
            matched=s.matched,
            taken_from=s.taken_from,
            examples=[SimulationExample(mention_id=i, text=t, went_to=w) for i, t, w in s.examples],
        )


# SLA policies and canned responses


class SlaPolicyBase(BaseModel):
    first_response_minutes: Minutes | None = Field(
        description="Time to the first response (none: no target)."
    )
    next_response_minutes: Minutes | None = Field(description="Time to answer each later customer message.")
    resolution_minutes: Minutes | None = Field(description="Time to resolve.")
    warn_minutes: int = Field(15, ge=0, le=24 * 60, description="Warn this long before a target is due.")
    business_hours: bool = Field(
        True, description="Count in the department's business hours (false: the wall clock)."
    )


class SlaPolicyUpdate(SlaPolicyBase):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "first_response_minutes": 60,
                    "next_response_minutes": 240,
                    "resolution_minutes": 2880,
                    "warn_minutes": 15,
                    "business_hours": True,
                }
            ]
        }
    )


class SlaPolicyRead(SlaPolicyBase):
    department: str
    priority: Priority

    @classmethod
    def of(cls, p: inbox_read.PolicyRead) -> SlaPolicyRead:
        return cls(
            department=p.department,
            priority=Priority(p.priority),
            first_response_minutes=p.first_response_minutes,
            next_response_minutes=p.next_response_minutes,
            resolution_minutes=p.resolution_minutes,
            warn_minutes=p.warn_minutes,
            business_hours=p.business_hours,
        )


class CannedResponseBase(BaseModel):
    body: Annotated[str, StringConstraints(min_length=1, max_length=5000, pattern=NO_NUL)] = Field(
        description="May use {first_name}, {case_number} and {agent_name}.",
        examples=["Hoi {first_name}, wat vervelend! Stuur je je klantnummer via DM? Groet, {agent_name}"],
    )
    department: DepartmentKey | None = Field(None, description="Whose it is (none: everyone's).")


class CannedResponseUpdate(CannedResponseBase):
    pass


class CannedResponseRead(CannedResponseBase):
    id: int
    name: str
    language: Language

    @classmethod
    def of(cls, c: inbox_read.CannedRead) -> CannedResponseRead:
        return cls(
            id=c.id,
            name=c.name,
            language=c.language,  # type: ignore[arg-type]
            body=c.body,
            department=c.department,
        )
