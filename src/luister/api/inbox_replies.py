"""Replies over REST, under ``/inbox``: propose a reply on a conversation (``/conversations/{id}/drafts``),
approve, reject or withdraw a draft (``/drafts/{id}/…``), the approval queue (``/approvals``) and the
approval rules (``/approval-rules``).

Proposing and withdrawing take ``correct`` (agents); approving and rejecting take ``manage`` and are
checked again by :mod:`luister.inbox.replies` (four-eyes: nobody approves their own reply, 403). The
send-time guard answers 409 with the conversation's ``reply_seq`` now; a text too long for the platform
422 naming the limit."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import BaseModel, Field, StringConstraints

from luister.api.auth import acting, caller
from luister.api.problems import ApiError, invalid, responses
from luister.api.schemas import NO_NUL, Name
from luister.domain.accounts import Permission
from luister.domain.addressing import MAX_ID
from luister.inbox import approval_rules, replies
from luister.inbox.approval import ApprovalRuleProblem
from luister.inbox.model import Conflict, InboxError, NotYours, UnknownConversation
from luister.inbox.read import conversation_detail
from luister.inbox.replies import Answered, Measure, NotAllowed
from luister.inbox.replies_read import ApprovalQueue, DraftRead, approval_queue, drafts_of
from luister.runtime import Runtime
from luister.services.accounts import UserRead
from luister.services.events import EventBus

Id = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1])]
Body = Annotated[str, StringConstraints(min_length=1, max_length=replies.MAX_BODY, pattern=NO_NUL)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=NO_NUL)]
DECIDED = responses(400, 403, 404, 409)
RuleKindName = Literal["all", "topic", "intent", "department", "priority", "new_agent"]


class DraftCreate(BaseModel):
    voice_id: int = Field(ge=1, le=MAX_ID, description="The voice it goes out from.")
    body: Body
    seen_reply_seq: int = Field(
        ge=0, le=MAX_ID, description="The conversation's reply_seq the composer showed."
    )
    mention_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The post replied to (else the newest)."
    )
    confirm: bool = Field(False, description="Send even though someone answered since (after a 409).")


class DraftApprove(BaseModel):
    body: Body | None = Field(None, description="The approver's edit (the author's text is kept).")
    confirm: bool = False


class DraftReject(BaseModel):
    reason: Reason


class DraftOut(BaseModel):
    id: int
    conversation_id: int
    subject: str
    channel: str
    voice_id: int
    voice: str
    author: str | None
    body: str
    original_body: str | None = Field(description="The author's text, when an approver edited it.")
    state: str = Field(description="approval, sending, sent, failed, rejected, superseded or withdrawn.")
    reasons: list[str] = Field(description="Why it waits for approval: the approval rules that held.")
    approver: str | None
    decided_at: datetime | None
    note: str | None
    seen_reply_seq: int
    effect_state: str | None
    error: str | None = Field(description="Why it was not sent, in plain words.")
    url: str | None = Field(description="Where the reply is, once sent.")
    created_at: datetime

    @classmethod
    def of(cls, d: DraftRead) -> "DraftOut":
        return cls(**{name: getattr(d, name) for name in cls.model_fields})


class ApprovalQueueRead(BaseModel):
    count: int
    drafts: list[DraftOut]

    @classmethod
    def of(cls, q: ApprovalQueue) -> "ApprovalQueueRead":
        return cls(count=q.count, drafts=[DraftOut.of(d) for d in q.drafts])


class ApprovalRuleCreate(BaseModel):
    name: Name
    kind: RuleKindName
    value: Annotated[str, StringConstraints(max_length=255, pattern=NO_NUL)] | None = None
    active: bool = True


class ApprovalRuleOut(BaseModel):
    id: int
    name: str
    kind: str
    value: str | None
    active: bool


@contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except UnknownConversation as exc:
        raise ApiError(404, str(exc)) from None
    except (NotAllowed, NotYours) as exc:  # NotYours: a gate of the organisation refused the person
        raise ApiError(403, str(exc)) from None
    except Answered as exc:
        raise ApiError(409, str(exc), reply_seq=exc.reply_seq) from None
    except Conflict as exc:
        raise ApiError(409, str(exc)) from None
    except (InboxError, ApprovalRuleProblem) as exc:
        raise invalid(str(exc)) from None
    except approval_rules.UnknownRule as exc:
        raise ApiError(404, str(exc)) from None


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/inbox", tags=["inbox"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Worker = Annotated[UserRead, Depends(acting(engine, Permission.correct, lambda: runtime.clock()))]
    Manager = Annotated[UserRead, Depends(acting(engine, Permission.manage, lambda: runtime.clock()))]
    buses: list[EventBus] = []

    def bus() -> EventBus:
        if not buses:
            buses.append(runtime.event_bus())
        return buses[0]

    def measure(voice_id: int) -> Measure | None:
        """The voice's length and limit, from its Replier, where the runtime can make one."""
        return runtime.reply_measure(voice_id)

    def draft(user: UserRead, conversation_id: int, draft_id: int) -> DraftOut:
        found = drafts_of(engine=engine, conversation_id=conversation_id, scope=user.scope)
        return DraftOut.of(next(d for d in found if d.id == draft_id))

    def conversation_of(user: UserRead, draft_id: int) -> int:
        with refusals():
            return replies.conversation_of(engine, draft_id, user.scope)

    @router.post(
        "/conversations/{conversation_id}/drafts", response_model=DraftOut,
        status_code=status.HTTP_201_CREATED, responses=responses(400, 403, 404, 409),
    )  # fmt: skip
    def draft_create(conversation_id: Id, body: DraftCreate, user: Worker) -> DraftOut:
        """Propose a reply. It waits for an approver when approval rules hold (state ``approval``), else it
        is planned at once (``sending``). 409: someone answered since ``seen_reply_seq`` (the problem's
        ``reply_seq`` is the number now; send again with ``confirm``); 422: too long for the platform."""
        with refusals():
            done = replies.propose(
                engine, conversation_id=conversation_id, voice_id=body.voice_id, body=body.body,
                actor=user.email, seen_reply_seq=body.seen_reply_seq, now=runtime.clock(), scope=user.scope,
                confirm=body.confirm, measure=measure(body.voice_id), mention_id=body.mention_id, bus=bus(),
            )  # fmt: skip
        return draft(user, conversation_id, done.draft_id)

    @router.get(
        "/conversations/{conversation_id}/drafts",
        response_model=list[DraftOut],
        responses=responses(403, 404),
    )
    def drafts_list(conversation_id: Id, user: Reader) -> list[DraftOut]:
        """The conversation's drafts, oldest first, with their state, reasons, author, approver and both
        versions of an edited one."""
        with refusals():
            conversation_detail(engine=engine, conversation_id=conversation_id, scope=user.scope, messages=1)
        return [
            DraftOut.of(d)
            for d in drafts_of(engine=engine, conversation_id=conversation_id, scope=user.scope)
        ]

    def decided(user: UserRead, draft_id: int, work: Callable[[dict[str, Any]], object]) -> DraftOut:
        conversation_id = conversation_of(user, draft_id)
        common = {"engine": engine, "draft_id": draft_id, "actor": user.email, "now": runtime.clock(),
                  "scope": user.scope, "bus": bus()}  # fmt: skip
        with refusals():
            work(common)
        return draft(user, conversation_id, draft_id)

    @router.post(
        "/drafts/{draft_id}/approve", response_model=DraftOut, responses=responses(400, 403, 404, 409)
    )
    def draft_approve(draft_id: Id, body: DraftApprove, user: Manager) -> DraftOut:
        """Approve (and optionally edit) a draft waiting for approval: 403 for its own author; the
        conversation's other waiting drafts are superseded; 409 when someone answered since it was written."""

        def work(c: dict[str, Any]) -> object:
            voice_id = replies.voice_of(engine, draft_id)
            return replies.approve(body=body.body, confirm=body.confirm, measure=measure(voice_id), **c)

        return decided(user, draft_id, work)

    @router.post(
        "/drafts/{draft_id}/reject", response_model=DraftOut, responses=responses(400, 403, 404, 409)
    )
    def draft_reject(draft_id: Id, body: DraftReject, user: Manager) -> DraftOut:
        """Turn a draft down with a reason its author is told."""
        return decided(user, draft_id, lambda c: replies.reject(reason=body.reason, **c))

    @router.post("/drafts/{draft_id}/withdraw", response_model=DraftOut, responses=responses(403, 404, 409))
    def draft_withdraw(draft_id: Id, user: Worker) -> DraftOut:
        """The author takes a draft back before it is sent (409 once it is on its way)."""
        return decided(user, draft_id, lambda c: replies.withdraw(**c))

    @router.get("/approvals", response_model=ApprovalQueueRead, responses=responses(403))
    def approvals(user: Reader) -> ApprovalQueueRead:
        """Drafts waiting for an approver in the caller's departments, oldest first, with their count."""
        return ApprovalQueueRead.of(approval_queue(engine=engine, scope=user.scope))

    @router.get("/approval-rules", response_model=list[ApprovalRuleOut], responses=responses(403))
    def rules_list(user: Manager) -> list[ApprovalRuleOut]:
        """When replies wait for an approver."""
        return [ApprovalRuleOut(**vars_of(r)) for r in approval_rules.list_rules(engine=engine)]

    @router.post(
        "/approval-rules", response_model=ApprovalRuleOut, status_code=status.HTTP_201_CREATED,
        responses=responses(400, 403),
    )  # fmt: skip
    def rule_create(body: ApprovalRuleCreate, user: Manager) -> ApprovalRuleOut:
        """A rule: every reply (``all``), a topic (value: its id), an intent, a department (its key), a
        priority, or the first N replies of an agent (``new_agent``, value: N)."""
        with refusals():
            made = approval_rules.add_rule(
                engine, name=body.name, kind=body.kind, value=body.value, active=body.active,
                actor=user.email, now=runtime.clock(),
            )  # fmt: skip
        return ApprovalRuleOut(**vars_of(made))

    @router.delete("/approval-rules/{rule_id}", status_code=204, responses=responses(403, 404))
    def rule_remove(rule_id: Id, user: Manager) -> Response:
        with refusals():
            approval_rules.remove_rule(engine, rule_id=rule_id, actor=user.email)
        return Response(status_code=204)

    return router


def vars_of(rule: approval_rules.ApprovalRuleRead) -> dict[str, Any]:
    return {"id": rule.id, "name": rule.name, "kind": rule.kind, "value": rule.value, "active": rule.active}
