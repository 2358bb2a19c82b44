"""``/inbox/reports`` and ``/digests``: the inbox's figures over a period with the conversations behind
every figure, and the departments' digests (list, detail, every mention behind an item, build, decide).
Department scope: someone of a department sees their department's figures and digests only."""

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from luister.api.auth import acting, caller
from luister.api.problems import ApiError, invalid, responses
from luister.domain.accounts import Permission
from luister.domain.addressing import MAX_ID
from luister.inbox import digest_actions, digest_read
from luister.inbox import reports as inbox_reports
from luister.inbox.digests import DigestError, UnknownDigest
from luister.inbox.model import UnknownDepartment
from luister.runtime import Runtime
from luister.services.accounts import UserRead

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
Seconds = float | None

FORMULAS = {
    "first_response": "Per cycle started in the period: from the customer's first message to our first reply "
    "(or answered elsewhere).",
    "next_response": "Per answered customer message after a reply: from that message to the reply after it.",
    "resolution": "Per cycle started in the period: from the customer's first message to resolving.",
    "business": "Counted business time: the department's business hours between the two moments, minus "
    "business time spent waiting on the customer.",
    "wall": "Wall clock: the plain difference of the two moments, waiting included.",
    "median": "The middle value (the mean of the two middle ones for an even count).",
    "p90": "Nearest rank: the smallest value that at least 90 % of the values do not exceed.",
    "attainment": "Decided SLA targets of cycles started in the period: met in time / (met in time + late "
    "or breached). Targets still running and not yet due are left out.",
    "volume": "Conversations whose first message falls in the period.",
    "backlog": "Conversations open at `now` (any period); age = now − start of the current cycle.",
}


def _s(value: timedelta | None) -> Seconds:
    return None if value is None else value.total_seconds()


class MeasuredRead(BaseModel):
    conversation_id: int
    started_at: datetime = Field(description="The start of the cycle that was measured.")
    business_seconds: float
    wall_seconds: float


class TimeFigureRead(BaseModel):
    count: int
    median_business_seconds: Seconds
    p90_business_seconds: Seconds
    median_wall_seconds: Seconds
    p90_wall_seconds: Seconds
    ids: list[int] = Field(description="The conversations behind the figure.")
    items: list[MeasuredRead] = Field(description="Every measured duration the figure is computed from.")

    @classmethod
    def of(cls, f: inbox_reports.TimeFigure) -> "TimeFigureRead":
        return cls(count=f.count, median_business_seconds=_s(f.median_business),
                   p90_business_seconds=_s(f.p90_business), median_wall_seconds=_s(f.median_wall),
                   p90_wall_seconds=_s(f.p90_wall), ids=f.ids,
                   items=[MeasuredRead(conversation_id=m.conversation_id, started_at=m.started_at,
                                       business_seconds=m.business.total_seconds(),
                                       wall_seconds=m.wall.total_seconds()) for m in f.items])  # fmt: skip


class TargetRead(BaseModel):
    conversation_id: int
    started_at: datetime
    target: str
    in_time: bool


class AttainmentRead(BaseModel):
    count: int = Field(description="Decided targets.")
    met: int = Field(description="Of them met in time.")
    share: float | None = Field(description="met / count, 0–1; null without decided targets.")
    ids: list[int]
    items: list[TargetRead]


class AgedRead(BaseModel):
    conversation_id: int
    age_seconds: float


class BacklogRead(BaseModel):
    count: int
    median_seconds: Seconds
    p90_seconds: Seconds
    max_seconds: Seconds
    ids: list[int]
    items: list[AgedRead]


class VolumeRead(BaseModel):
    count: int
    ids: list[int]


class GroupRead(BaseModel):
    key: str = Field(description="The department, agent, intent or channel; '' for none (unassigned, …).")
    volume: VolumeRead
    first_response: TimeFigureRead
    next_response: TimeFigureRead
    resolution: TimeFigureRead
    attainment: AttainmentRead
    backlog: BacklogRead

    @classmethod
    def of(cls, g: inbox_reports.Group) -> "GroupRead":
        a, b = g.attainment, g.backlog
        return cls(
            key=g.key,
            volume=VolumeRead(count=len(g.volume), ids=list(g.volume)),
            first_response=TimeFigureRead.of(g.first_response),
            next_response=TimeFigureRead.of(g.next_response),
            resolution=TimeFigureRead.of(g.resolution),
            attainment=AttainmentRead(
                count=a.count,
                met=a.met,
                share=a.share,
                ids=a.ids,
                items=[
                    TargetRead(
                        conversation_id=t.conversation_id,
                        started_at=t.started_at,
                        target=t.target,
                        in_time=t.in_time,
                    )
                    for t in a.items
                ],
            ),
            backlog=BacklogRead(
                count=b.count,
                median_seconds=_s(b.median),
                p90_seconds=_s(b.p90),
                max_seconds=_s(b.max),
                ids=b.ids,
                items=[
                    AgedRead(conversation_id=x.conversation_id, age_seconds=x.age.total_seconds())
                    for x in b.items
                ],
            ),
        )


class ReportRead(BaseModel):
    since: datetime
    until: datetime
    now: datetime
    formulas: dict[str, str] = Field(description="How each figure is computed.")
    total: GroupRead
    departments: list[GroupRead]
    agents: list[GroupRead]
    intents: list[GroupRead]
    channels: list[GroupRead]


class DigestSummary(BaseModel):
    id: int
    department: str
    period_start: datetime
    period_end: datetime = Field(description="Exclusive.")
    every: str
    created_at: datetime
    items: int
    decided: int

    @classmethod
    def of(cls, d: digest_read.DigestRead) -> "DigestSummary":
        return cls(id=d.id, department=d.department, period_start=d.period_start, period_end=d.period_end,
                   every=d.every, created_at=d.created_at, items=d.items, decided=d.decided)  # fmt: skip


class DigestMentionRead(BaseModel):
    mention_id: int
    conversation_id: int | None
    author: str | None
    text: str
    at: datetime
    url: str | None
    example: bool


class DigestItemRead(BaseModel):
    id: int
    kind: str = Field(description="complaint, idea or question.")
    theme: str = Field(description="The key term; '' for everything else of this kind.")
    count: int
    previous_count: int = Field(description="In the period of the same length just before.")
    trend: int
    decision: str | None
    outcome: str | None
    decided_by: str | None
    decided_at: datetime | None
    examples: list[DigestMentionRead]
    mentions_url: str = Field(description="Every mention behind the count.")

    @classmethod
    def of(cls, i: digest_read.ItemRead) -> "DigestItemRead":
        return cls(id=i.id, kind=i.kind, theme=i.theme, count=i.count, previous_count=i.previous_count,
                   trend=i.trend, decision=i.decision, outcome=i.outcome, decided_by=i.decided_by,
                   decided_at=i.decided_at, examples=[_mention(m) for m in i.examples],
                   mentions_url=f"/api/v1/digests/items/{i.id}/mentions")  # fmt: skip


def _mention(m: digest_read.MentionRead) -> DigestMentionRead:
    return DigestMentionRead(mention_id=m.mention_id, conversation_id=m.conversation_id, author=m.author,
                             text=m.text, at=m.at, url=m.url, example=m.example)  # fmt: skip


class DigestDetailRead(DigestSummary):
    themes: list[DigestItemRead] = Field(description="Complaints, ideas, questions; the biggest first.")


class DigestBuild(BaseModel):
    department: str = Field(max_length=40)
    period_start: datetime
    period_end: datetime = Field(description="Exclusive; must have passed.")


class DigestDecision(BaseModel):
    decision: Literal["taken_up", "declined"]
    outcome: str = Field("", max_length=digest_actions.MAX_OUTCOME)


class BuiltRead(BaseModel):
    digest_id: int
    created: bool = Field(description="false: this period's digest existed already (building is idempotent).")


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["inbox reports"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Worker = Annotated[UserRead, Depends(acting(engine, Permission.correct, lambda: runtime.clock()))]

    @router.get("/inbox/reports", response_model=ReportRead, responses=responses(403, 422))
    def inbox_report(
        user: Reader,
        period: Annotated[
            str,
            Query(
                max_length=60, description="`Nd` (the last N days) or `SINCE..UNTIL` (ISO, UNTIL exclusive)."
            ),
        ] = inbox_reports.DEFAULT_PERIOD,
    ) -> ReportRead:
        """Response and resolution times (business hours and wall clock), SLA attainment, volume and backlog
        age, in total and per department, agent, intent and channel; each figure with its conversations."""
        now = runtime.clock()
        try:
            since, until = inbox_reports.parse_period(period, now)
        except ValueError as exc:
            raise invalid(str(exc)) from None
        found = inbox_reports.report(engine=engine, since=since, until=until, now=now, scope=user.scope)
        per = {d: [GroupRead.of(g) for g in found.groups[d]] for d in inbox_reports.Dimension}
        D = inbox_reports.Dimension
        return ReportRead(
            since=since,
            until=until,
            now=now,
            formulas=FORMULAS,
            total=GroupRead.of(found.total),
            departments=per[D.department],
            agents=per[D.agent],
            intents=per[D.intent],
            channels=per[D.channel],
        )

    @router.get("/digests", response_model=list[DigestSummary], responses=responses(403))
    def digests_list(
        user: Reader, department: Annotated[str | None, Query(max_length=40)] = None
    ) -> list[DigestSummary]:
        """The newest digests first, of the caller's department (all for someone across departments)."""
        found = digest_read.list_digests(engine=engine, scope=user.scope, department_key=department)
        return [DigestSummary.of(d) for d in found]

    def detail(user: UserRead, digest_id: int) -> DigestDetailRead:
        try:
            found = digest_read.digest_detail(engine=engine, digest_id=digest_id, scope=user.scope)
        except UnknownDigest:
            raise ApiError(404, f"no digest with id {digest_id}") from None
        summary = DigestSummary.of(found.digest).model_dump()
        return DigestDetailRead(**summary, themes=[DigestItemRead.of(i) for i in found.items])

    @router.get("/digests/{digest_id}", response_model=DigestDetailRead, responses=responses(403, 404))
    def digest_get(digest_id: RowId, user: Reader) -> DigestDetailRead:
        """One digest: its themes per kind with counts, trend and examples, and the decisions taken."""
        return detail(user, digest_id)

    @router.get(
        "/digests/items/{item_id}/mentions",
        response_model=list[DigestMentionRead],
        responses=responses(403, 404),
    )
    def digest_item_mentions(item_id: RowId, user: Reader) -> list[DigestMentionRead]:
        """Every mention behind a theme's count, with the conversation it is in."""
        try:
            _item, found = digest_read.item_mentions(engine=engine, item_id=item_id, scope=user.scope)
        except UnknownDigest:
            raise ApiError(404, f"no digest item with id {item_id}") from None
        return [_mention(m) for m in found]

    @router.post("/digests", response_model=BuiltRead, responses=responses(400, 403, 404, 422))
    def digest_build(body: DigestBuild, user: Worker) -> BuiltRead:
        """Build a department's digest of a past period (or get the one built for it already)."""
        if user.scope.department not in (None, body.department):  # another department's: as unknown
            raise ApiError(404, f"no department {body.department!r}")
        try:
            built = digest_actions.build_digest(engine=engine, department=body.department,
                                                period_start=body.period_start, period_end=body.period_end,
                                                now=runtime.clock(), actor=user.email,
                                                base_url=runtime.settings.public_url)  # fmt: skip
        except UnknownDepartment as exc:
            raise ApiError(404, str(exc)) from None
        except DigestError as exc:
            raise invalid(str(exc)) from None
        return BuiltRead(digest_id=built.digest_id, created=built.created)

    @router.post(
        "/digests/items/{item_id}/decision",
        response_model=DigestItemRead,
        responses=responses(400, 403, 404, 422),
    )
    def digest_decide(item_id: RowId, body: DigestDecision, user: Worker) -> DigestItemRead:
        """Taken up or declined, with the outcome in words: shown on every conversation behind the theme."""
        try:
            digest_actions.decide_item(engine=engine, item_id=item_id, decision=body.decision,
                                       outcome=body.outcome, actor=user.email, now=runtime.clock(),
                                       scope=user.scope)  # fmt: skip
            item, found = digest_read.item_mentions(engine=engine, item_id=item_id, scope=user.scope)
        except UnknownDigest:
            raise ApiError(404, f"no digest item with id {item_id}") from None
        except DigestError as exc:
            raise invalid(str(exc)) from None
        return DigestItemRead.of(replace(item, examples=[m for m in found if m.example]))

    return router
