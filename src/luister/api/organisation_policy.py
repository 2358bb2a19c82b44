"""``/organisation/policy`` and ``/organisation/processes``: the social media policy (versions, the diff
between two, publishing, acknowledging, who acknowledged) and the processes with their RACI matrix
(docs/organisation-policy.md). Reading takes ``view``; acknowledging is everyone's own; writing and
publishing a version ``admin``; the processes ``manage``."""

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from luister.api.auth import caller
from luister.api.problems import ApiError, invalid, responses
from luister.api.schemas import NO_CONTROL, NO_NUL
from luister.domain.accounts import Permission
from luister.inbox.model import InboxError
from luister.organisation import policy_actions, policy_read, processes_actions, processes_read
from luister.organisation.policy import MAX_BODY, PolicyProblem
from luister.organisation.processes import ProcessProblem
from luister.runtime import Runtime
from luister.services.accounts import UserRead

Number = Annotated[int, Path(ge=1, le=100_000, description="The version's number.")]
ProcessKey = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="The process's key.")]


class ApprovalRuleIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, pattern=NO_CONTROL)
    kind: str = Field(max_length=12, description="all, topic, intent, department, priority or new_agent.")
    value: str | None = Field(None, max_length=255, pattern=NO_CONTROL)


class PolicyVersionCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200, pattern=NO_CONTROL)
    body: str = Field(min_length=1, max_length=MAX_BODY, pattern=NO_NUL, description="Markdown.")
    approval_rules: list[ApprovalRuleIn] = Field(
        default_factory=list, max_length=50, description="The inbox's approval rules while it is in force."
    )
    grace_days: int = Field(0, ge=0, le=365, description="Days people have to acknowledge it.")


class PolicyVersionRead(BaseModel):
    number: int
    title: str
    state: str
    published_at: datetime | None
    published_by: str | None
    grace_days: int
    approval_rules: list[dict[str, Any]]
    acknowledged: int


class PolicyVersionDetailRead(PolicyVersionRead):
    body: str
    html: str = Field(description="The Markdown rendered, with any HTML in it escaped.")


class StandingRead(BaseModel):
    number: int | None = Field(description="The version in force (null: none).")
    pending: bool = Field(description="The caller has not acknowledged it yet.")
    due: datetime | None
    refusal: str | None = Field(description="Why the caller may not reply or publish now (null: they may).")


class PolicyRead(BaseModel):
    versions: list[PolicyVersionRead]
    me: StandingRead


class DiffLineRead(BaseModel):
    kind: str
    old: int | None
    new: int | None
    text: str


class AckRead(BaseModel):
    email: str
    name: str
    department: str | None
    acknowledged_at: datetime | None
    due: datetime | None


class ProcessUpdate(BaseModel):
    name_nl: str = Field(min_length=1, max_length=120, pattern=NO_CONTROL)
    name_en: str = Field(min_length=1, max_length=120, pattern=NO_CONTROL)
    conditions: dict[str, Any] = Field(description="The inbox routing conditions that recognise it.")
    matrix: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=1)]] = Field(
        description="Department key → R, A, C or I (one R, at most one A).", max_length=50
    )


class ProcessRead(BaseModel):
    key: str
    name_nl: str
    name_en: str
    conditions: dict[str, Any]
    matrix: dict[str, str]


def _problem(exc: PolicyProblem | ProcessProblem) -> ApiError:
    problem = invalid(str(exc))
    problem.extra["errors"] = [{"loc": ["body", exc.field], "msg": exc.problem, "type": "value_error"}]
    return problem


def _across(user: UserRead) -> None:
    if not user.scope.owns(None):
        raise ApiError(403, "the matrix spans departments: only people across departments change it")


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/organisation", tags=["organisation"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Manager = Annotated[UserRead, Depends(caller(engine, Permission.manage))]
    Admin = Annotated[UserRead, Depends(caller(engine, Permission.admin))]

    def version_read(number: int) -> PolicyVersionDetailRead:
        try:
            found = policy_read.version(engine=engine, number=number, now=runtime.clock())
        except policy_actions.UnknownVersion as exc:
            raise ApiError(404, str(exc)) from None
        return PolicyVersionDetailRead(**asdict(found.version), body=found.body, html=found.html)

    @router.get("/policy", response_model=PolicyRead, responses=responses(403))
    def policy(user: Reader) -> PolicyRead:
        """Every version (newest first) and the caller's standing: whether they still have to acknowledge
        the version in force, and whether they are refused for it."""
        now = runtime.clock()
        me = policy_read.standing(engine=engine, user_id=user.id, now=now)
        return PolicyRead(
            versions=[
                PolicyVersionRead(**asdict(v)) for v in policy_read.list_versions(engine=engine, now=now)
            ],
            me=StandingRead(**asdict(me)),
        )

    @router.post(
        "/policy/versions",
        status_code=201,
        response_model=PolicyVersionDetailRead,
        responses=responses(400, 403),
    )
    def policy_write(body: PolicyVersionCreate, user: Admin) -> PolicyVersionDetailRead:
        """A new draft version (the next number), with the approval rules it sets when published."""
        try:
            number = policy_actions.write_version(
                engine=engine, title=body.title, body=body.body, actor=user.email, now=runtime.clock(),
                approval_rules=[r.model_dump() for r in body.approval_rules], grace_days=body.grace_days,
            )  # fmt: skip
        except PolicyProblem as exc:
            raise _problem(exc) from None
        return version_read(number)

    @router.get(
        "/policy/versions/{number}", response_model=PolicyVersionDetailRead, responses=responses(403, 404)
    )
    def policy_version(number: Number, user: Reader) -> PolicyVersionDetailRead:
        return version_read(number)

    @router.post(
        "/policy/versions/{number}/publish", response_model=PolicyVersionDetailRead,
        responses=responses(403, 404),
    )  # fmt: skip
    def policy_publish(number: Number, user: Admin) -> PolicyVersionDetailRead:
        """Put the draft in force now: everyone is asked to acknowledge it, and its approval rules become
        the inbox's (422 when it was published already or a newer version is in force)."""
        try:
            policy_actions.publish(engine=engine, number=number, actor=user.email, now=runtime.clock())
        except policy_actions.UnknownVersion as exc:
            raise ApiError(404, str(exc)) from None
        except PolicyProblem as exc:
            raise _problem(exc) from None
        return version_read(number)

    @router.post(
        "/policy/versions/{number}/acknowledge", response_model=StandingRead, responses=responses(403)
    )
    def policy_acknowledge(number: Number, user: Reader) -> StandingRead:
        """The caller acknowledges the version in force (recorded in the audit log; once is enough)."""
        now = runtime.clock()
        try:
            policy_actions.acknowledge(engine=engine, email=user.email, number=number, now=now)
        except PolicyProblem as exc:
            raise _problem(exc) from None
        return StandingRead(**asdict(policy_read.standing(engine=engine, user_id=user.id, now=now)))

    @router.get("/policy/diff", response_model=list[DiffLineRead], responses=responses(403, 404))
    def policy_diff(
        user: Reader,
        old: Annotated[int, Query(ge=1, le=100_000)],
        new: Annotated[int, Query(ge=1, le=100_000)],
    ) -> list[DiffLineRead]:
        """What changed from version ``old`` to ``new``, line by line, with two lines of context."""
        try:
            lines = policy_read.version_diff(engine=engine, old=old, new=new)
        except policy_actions.UnknownVersion as exc:
            raise ApiError(404, str(exc)) from None
        return [DiffLineRead(**asdict(d)) for d in lines]

    @router.get("/policy/acknowledgements", response_model=list[AckRead], responses=responses(403))
    def policy_acknowledgements(user: Manager) -> list[AckRead]:
        """Every active person and whether they acknowledged the version in force (pending first); within
        the caller's department unless they work across departments."""
        found = policy_read.acknowledgements(engine=engine, now=runtime.clock(), scope=user.scope)
        return [AckRead(**asdict(a)) for a in found]

    @router.get("/processes", response_model=list[ProcessRead], responses=responses(403))
    def processes(user: Reader) -> list[ProcessRead]:
        """The processes with their matrix: department → R (routed there), A, C or I."""
        return [ProcessRead(**asdict(p)) for p in processes_read.list_processes(engine=engine)]

    @router.put("/processes/{key}", response_model=ProcessRead, responses=responses(400, 403))
    def process_save(key: ProcessKey, body: ProcessUpdate, user: Manager) -> ProcessRead:
        """Create or replace a process and its matrix; its mentions are routed to its R department. The
        matrix spans departments: only people who work across departments change it."""
        _across(user)
        try:
            processes_actions.save_process(
                engine=engine, key=key, name_nl=body.name_nl, name_en=body.name_en,
                conditions=body.conditions, matrix=body.matrix, actor=user.email, now=runtime.clock(),
            )  # fmt: skip
        except ProcessProblem as exc:
            raise _problem(exc) from None
        except (InboxError, ValueError) as exc:  # the routing conditions the inbox refuses
            raise invalid(f"conditions: {exc}") from None
        [found] = [p for p in processes_read.list_processes(engine=engine) if p.key == key]
        return ProcessRead(**asdict(found))

    @router.delete("/processes/{key}", status_code=204, responses=responses(403, 404))
    def process_remove(key: ProcessKey, user: Manager) -> None:
        _across(user)
        try:
            processes_actions.remove_process(engine=engine, key=key, actor=user.email)
        except processes_actions.UnknownProcess as exc:
            raise ApiError(404, str(exc)) from None

    return router
