"""``/organisation/maturity``: the social business maturity assessment — the questionnaire, the answers
scored, luister's own evidence beside them with the stage it suggests and a link to its figures, the
organisation model, next steps and the history month by month (docs/organisation-maturity.md)."""

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from luister.api.auth import caller
from luister.api.problems import VALIDATION, ApiError, responses
from luister.api.schemas import NO_NUL
from luister.domain.accounts import Permission
from luister.organisation import maturity_actions as actions
from luister.organisation import maturity_read as read
from luister.organisation.maturity import (
    MAX_MONTHS,
    STAGE_NAMES,
    AnswerProblem,
    Claim,
    Stage,
    Text,
    moment_problem,
)
from luister.organisation.maturity_model import MODEL_NAMES
from luister.organisation.maturity_questions import CURRENT, VERSIONS
from luister.runtime import Runtime
from luister.services.accounts import UserRead

StageNumber = Annotated[int, Field(ge=1, le=6)]


class TextRead(BaseModel):
    en: str
    nl: str


class QuestionRead(BaseModel):
    key: str
    dimension: str
    text: TextRead
    statements: list[TextRead] = Field(description="One per stage, planning (1) first.")


class QuestionnaireRead(BaseModel):
    version: str
    stages: list[TextRead]
    questions: list[QuestionRead]


class AnswersCreate(BaseModel):
    answers: dict[Annotated[str, Field(max_length=40)], StageNumber] = Field(
        max_length=50, description="Question key → the stage (1-6) whose statement fits."
    )
    version: str = Field(CURRENT.version, max_length=20)
    note: str | None = Field(None, max_length=4000, pattern=NO_NUL)


class FigureRead(BaseModel):
    key: str
    label: TextRead
    value: float
    unit: str


class EvidenceRead(BaseModel):
    key: str
    title: TextRead
    dimensions: list[str]
    figures: list[FigureRead]
    link: str = Field(description="The page that shows the figures.")
    stage: int | None = Field(description="The stage the figures demonstrate; null: they say nothing yet.")
    reason: TextRead


class ClaimRead(BaseModel):
    dimension: str | None = Field(description="null: the overall stage.")
    stage: int | None
    stage_name: TextRead | None
    links: list[str] = Field(description="The evidence behind the claim.")
    evidence: list[str]


class ModelRead(BaseModel):
    model: str = Field(description="centralised, hub_and_spoke, dandelion, honeycomb or unknown.")
    name: TextRead
    reason: TextRead
    answers: int
    approvals: int
    answering: list[str]
    approving: list[str]
    top_answer_share: float
    top_approval_share: float


class StepRead(BaseModel):
    dimension: str
    towards: int
    text: TextRead


class AnsweredRead(BaseModel):
    id: int
    version: str
    answers: dict[str, int]
    note: str | None
    answered_by: str
    answered_at: datetime


class AssessmentRead(BaseModel):
    at: datetime
    answered: AnsweredRead | None
    claims: list[ClaimRead] = Field(description="The answers' stages, overall first, with their evidence.")
    suggested: list[ClaimRead] = Field(description="The stages the evidence suggests, overall first.")
    evidence: list[EvidenceRead]
    model: ModelRead
    next_steps: list[StepRead]


class MonthRead(BaseModel):
    month: date
    stored: bool = Field(description="A snapshot was taken; else computed from the data as it stood then.")
    as_of: datetime
    answered: dict[str, int] | None
    answered_overall: int | None
    suggested: dict[str, int | None]
    suggested_overall: int | None
    model: str
    links: list[str]


def _text(text: Text) -> TextRead:
    return TextRead(en=text.en, nl=text.nl)


def _claim(claim: Claim) -> ClaimRead:
    return ClaimRead(
        dimension=claim.dimension.value if claim.dimension else None,
        stage=int(claim.stage) if claim.stage else None,
        stage_name=_text(STAGE_NAMES[claim.stage]) if claim.stage else None,
        links=list(claim.links),
        evidence=list(claim.evidence),
    )


def assessment_read(found: read.Assessment) -> AssessmentRead:
    a, m = found.answered, found.model
    return AssessmentRead(
        at=found.at,
        answered=AnsweredRead(
            id=a.id,
            version=a.version,
            answers=a.answers,
            note=a.note,
            answered_by=a.answered_by,
            answered_at=a.answered_at,
        )
        if a
        else None,
        claims=[_claim(c) for c in found.claims],
        suggested=[_claim(c) for c in found.suggested.claims],
        evidence=[
            EvidenceRead(
                key=e.key,
                title=_text(e.title),
                dimensions=[d.value for d in e.dimensions],
                figures=[
                    FigureRead(key=f.key, label=_text(f.label), value=f.value, unit=f.unit) for f in e.figures
                ],
                link=e.link,
                stage=int(e.stage) if e.stage else None,
                reason=_text(e.reason),
            )
            for e in found.evidence
        ],
        model=ModelRead(
            model=m.model.value,
            name=_text(MODEL_NAMES[m.model]),
            reason=_text(m.reason),
            answers=m.answers,
            approvals=m.approvals,
            answering=list(m.answering),
            approving=list(m.approving),
            top_answer_share=m.top_answer_share,
            top_approval_share=m.top_approval_share,
        ),
        next_steps=[
            StepRead(dimension=s.dimension.value, towards=int(s.towards), text=_text(s.text))
            for s in found.steps
        ],
    )


def _month(m: read.MonthRead) -> MonthRead:
    return MonthRead(
        month=m.month,
        stored=m.stored,
        as_of=m.as_of,
        answered={d.value: int(s) for d, s in m.answered.items()} if m.answered is not None else None,
        answered_overall=int(m.answered_overall) if m.answered_overall else None,
        suggested={d.value: int(s) if s else None for d, s in m.suggested.items()},
        suggested_overall=int(m.suggested_overall) if m.suggested_overall else None,
        model=m.model,
        links=list(m.links),
    )


def _answer_problem(exc: AnswerProblem) -> ApiError:
    where = ["body", "version"] if exc.field == "version" else ["body", "answers", exc.field]
    if exc.field == "note":
        where = ["body", "note"]
    return ApiError(
        422,
        str(exc),
        type=VALIDATION,
        title="Invalid input",
        errors=[{"loc": where, "msg": str(exc), "type": "value_error"}],
    )


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["organisation"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Manager = Annotated[UserRead, Depends(caller(engine, Permission.manage))]

    @router.get(
        "/organisation/maturity/questionnaire",
        response_model=QuestionnaireRead,
        responses=responses(403, 404),
    )
    def maturity_questionnaire(
        user: Reader, version: Annotated[str, Query(max_length=20)] = CURRENT.version
    ) -> QuestionnaireRead:
        """The questionnaire (a released version; the current one by default), in English and Dutch."""
        if version not in VERSIONS:
            raise ApiError(404, f"no questionnaire version {version!r}: known are {', '.join(VERSIONS)}")
        asked = VERSIONS[version]
        return QuestionnaireRead(
            version=asked.version,
            stages=[_text(STAGE_NAMES[s]) for s in Stage],
            questions=[
                QuestionRead(
                    key=q.key,
                    dimension=q.dimension.value,
                    text=_text(q.text),
                    statements=[_text(s) for s in q.statements],
                )
                for q in asked.questions
            ],
        )

    @router.get("/organisation/maturity", response_model=AssessmentRead, responses=responses(403))
    def maturity_assessment(
        user: Reader,
        at: Annotated[
            datetime | None,
            Query(description="A moment in the past (UTC unless a zone is given); default now."),
        ] = None,
    ) -> AssessmentRead:
        """The assessment: the latest answers scored per dimension and overall, each stage claim with the
        links of its evidence; the stages the evidence suggests; the organisation model; next steps."""
        now = datetime.now(UTC)
        moment = now if at is None else (at if at.tzinfo else at.replace(tzinfo=UTC))
        problem = moment_problem(moment, now)
        if problem:
            raise ApiError(
                422,
                problem,
                type=VALIDATION,
                title="Invalid input",
                errors=[{"loc": ["query", "at"], "msg": problem, "type": "value_error"}],
            )
        return assessment_read(read.assessment(engine=engine, at=moment))

    @router.post(
        "/organisation/maturity/answers",
        response_model=AssessmentRead,
        status_code=201,
        responses=responses(400, 403),
    )
    def maturity_answer(user: Manager, body: AnswersCreate) -> AssessmentRead:
        """Answer the questionnaire (every question: the stage whose statement fits); the month's snapshot
        is taken again. The assessment is the company's: someone across departments answers it."""
        now = datetime.now(UTC)
        try:
            actions.answer(
                engine=engine,
                actor=user.email,
                answers=body.answers,
                version=body.version,
                note=body.note,
                now=now,
                scope=user.scope,
            )
        except AnswerProblem as exc:
            raise _answer_problem(exc) from None
        except actions.NotAcrossDepartments as exc:
            raise ApiError(403, str(exc)) from None
        return assessment_read(read.assessment(engine=engine, at=now))

    @router.post(
        "/organisation/maturity/snapshots",
        response_model=MonthRead,
        status_code=201,
        responses=responses(403),
    )
    def maturity_snapshot(user: Manager) -> MonthRead:
        """Take this month's snapshot now (the latest answers and the evidence as it stands)."""
        now = datetime.now(UTC)
        try:
            actions.take_snapshot(engine=engine, actor=user.email, now=now, scope=user.scope)
        except actions.NotAcrossDepartments as exc:
            raise ApiError(403, str(exc)) from None
        return _month(read.history(engine=engine, now=now, months=1)[-1])

    @router.get("/organisation/maturity/history", response_model=list[MonthRead], responses=responses(403))
    def maturity_history(
        user: Reader, months: Annotated[int, Query(ge=1, le=MAX_MONTHS)] = 6
    ) -> list[MonthRead]:
        """Month by month, oldest first: the stored snapshot, or the month computed from the data as it stood
        at its end."""
        return [_month(m) for m in read.history(engine=engine, now=datetime.now(UTC), months=months)]

    return router
