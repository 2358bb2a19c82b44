"""``/training``: the curriculum (modules and their quizzes, without the answers), quiz attempts scored on
the server, someone's belt and certificates, the report per department, and the belt gates (docs/training.md).
"""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from luister.api.auth import caller
from luister.api.problems import ApiError, invalid, responses
from luister.domain.accounts import Permission
from luister.organisation import belts, training
from luister.organisation.training_actions import set_gates, submit_attempt
from luister.organisation.training_read import (
    NO_DEPARTMENT,
    UnknownPerson,
    department_report,
    gates_on,
    standing,
)
from luister.runtime import Runtime
from luister.services.accounts import UserRead

Language = Literal["nl", "en"]
BeltName = Literal["white", "yellow", "orange", "green", "blue", "black"]
Slug = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[a-z0-9-]+$")]


class QuestionRead(BaseModel):
    text: str
    options: list[str]


class ModuleSummary(BaseModel):
    slug: str
    title: str
    belt: BeltName
    minutes: int = Field(description="Reading time, rounded up.")
    questions: int


class ModuleRead(ModuleSummary):
    language: Language
    body: str = Field(description="The module's text, Markdown.")
    pass_mark: int = Field(description="Percent of the questions to answer right.")
    quiz: list[QuestionRead]


class AttemptCreate(BaseModel):
    language: Language = "en"
    answers: list[int | None] = Field(
        max_length=100, description="The chosen option per question, from 0; null for unanswered."
    )


class AttemptOut(BaseModel):
    id: int
    module: str
    correct: int
    total: int
    percent: int
    passed: bool
    right: list[bool] = Field(description="Per question, whether it was answered right.")
    belt_before: BeltName | None
    belt_after: BeltName | None


class CertificateRead(BaseModel):
    belt: BeltName
    earned_at: datetime
    expires_at: datetime
    expiring_soon: bool


class ModuleStatusRead(BaseModel):
    slug: str
    title: str
    belt: BeltName
    passed_at: datetime | None
    expires_at: datetime | None
    attempts: int


class StandingRead(BaseModel):
    email: str
    department: str | None
    belt: BeltName | None
    next_belt: BeltName | None
    gates_on: bool
    certificates: list[CertificateRead]
    modules: list[ModuleStatusRead]


class DepartmentRead(BaseModel):
    department: str | None = Field(description="Null: people without a department.")
    people: int
    counts: dict[str, int] = Field(description="People per belt; 'none' for no belt yet.")
    shares: dict[str, float] = Field(description="Share of the department's people per belt, 0 to 1.")
    expiring: int = Field(description="People whose belt expires within 30 days.")


class GateRead(BaseModel):
    action: str
    ordinary: BeltName | None = Field(description="The belt needed in ordinary conversations; null: any.")
    sensitive: BeltName | None = Field(description="The belt needed in crisis and legal conversations.")


class GatesRead(BaseModel):
    on: bool
    gates: list[GateRead]


class GatesUpdate(BaseModel):
    on: bool


def _name(belt: belts.Belt | None) -> BeltName | None:
    return None if belt is None else belt.name  # type: ignore[return-value]


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["training"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Admin = Annotated[UserRead, Depends(caller(engine, Permission.admin))]

    def gates() -> GatesRead:
        with engine.connect() as conn:
            on = gates_on(conn)
        table = [GateRead(action=a.value, ordinary=_name(g.ordinary), sensitive=_name(g.sensitive))
                 for a, g in belts.GATES.items()]  # fmt: skip
        return GatesRead(on=on, gates=table)

    @router.get("/training/modules", response_model=list[ModuleSummary], responses=responses(403))
    def modules_list(user: Reader, language: Language | None = None) -> list[ModuleSummary]:
        """The curriculum, by belt."""
        return [
            ModuleSummary(slug=m.slug, title=m.title, belt=m.belt.name, minutes=m.minutes,  # type: ignore[arg-type]
                          questions=len(m.questions))
            for m in training.modules(language or user.language)
        ]  # fmt: skip

    @router.get("/training/modules/{slug}", response_model=ModuleRead, responses=responses(403, 404))
    def module_get(user: Reader, slug: Slug, language: Language | None = None) -> ModuleRead:
        """One module's text and quiz (the right answers stay on the server)."""
        try:
            m = training.module(slug, language or user.language)
        except training.UnknownModule as exc:
            raise ApiError(404, str(exc)) from None
        return ModuleRead(
            slug=m.slug, title=m.title, belt=m.belt.name, minutes=m.minutes, questions=len(m.questions),  # type: ignore[arg-type]
            language=m.language, body=m.body, pass_mark=m.pass_mark,  # type: ignore[arg-type]
            quiz=[QuestionRead(text=q.text, options=list(q.options)) for q in m.questions],
        )  # fmt: skip

    @router.post(
        "/training/modules/{slug}/attempts", response_model=AttemptOut, status_code=201,
        responses=responses(400, 403, 404, 422),
    )  # fmt: skip
    def attempt_create(user: Reader, slug: Slug, body: AttemptCreate) -> AttemptOut:
        """Answer a module's quiz: scored here (80 % passes), stored, and your belt recomputed."""
        try:
            done = submit_attempt(engine=engine, actor=user.email, module=slug, language=body.language,
                                  answers=body.answers, now=runtime.clock())  # fmt: skip
        except training.UnknownModule as exc:
            raise ApiError(404, str(exc)) from None
        except (training.BadAnswers, UnknownPerson) as exc:
            raise invalid(f"answers: {exc}") from None
        return AttemptOut(
            id=done.attempt_id, module=done.module, correct=done.correct, total=done.total,
            percent=done.percent, passed=done.passed, right=list(done.right),
            belt_before=_name(done.belt_before), belt_after=_name(done.belt_after),
        )  # fmt: skip

    @router.get("/training/me", response_model=StandingRead, responses=responses(403))
    def me(user: Reader, language: Language | None = None) -> StandingRead:
        """Your belt, your certificates with when they expire, and every module with your newest pass."""
        now = runtime.clock()
        found = standing(engine=engine, email=user.email, now=now, language=language or user.language)
        return StandingRead(
            email=found.email, department=found.department, belt=_name(found.belt),
            next_belt=_name(found.next_belt), gates_on=found.gates_on,
            certificates=[
                CertificateRead(belt=c.belt.name, earned_at=c.earned_at, expires_at=c.expires_at,  # type: ignore[arg-type]
                                expiring_soon=c.expiring(now))
                for c in found.certificates
            ],
            modules=[
                ModuleStatusRead(slug=m.slug, title=m.title, belt=m.belt.name, passed_at=m.passed_at,  # type: ignore[arg-type]
                                 expires_at=m.expires_at, attempts=m.attempts)
                for m in found.modules
            ],
        )  # fmt: skip

    @router.get("/training/report", response_model=list[DepartmentRead], responses=responses(403))
    def report(user: Reader) -> list[DepartmentRead]:
        """Per department (yours, or all for admins and people without one): the share of people per belt."""
        return [
            DepartmentRead(
                department=r.department if r.department != NO_DEPARTMENT else None, people=r.people,
                counts={(b.name if b else "none"): n for b, n in r.counts.items()},
                shares={(b.name if b else "none"): v for b, v in r.shares.items()}, expiring=r.expiring,
            )
            for r in department_report(engine=engine, now=runtime.clock(), scope=user.scope)
        ]  # fmt: skip

    @router.get("/training/gates", response_model=GatesRead, responses=responses(403))
    def gates_get(user: Reader) -> GatesRead:
        """Whether belts gate permissions, and the belt each action needs."""
        return gates()

    @router.put("/training/gates", response_model=GatesRead, responses=responses(400, 403))
    def gates_put(user: Admin, body: GatesUpdate) -> GatesRead:
        """Switch the belt gates on or off (admins)."""
        set_gates(engine=engine, actor=user.email, on=body.on, now=runtime.clock())
        return gates()

    return router
