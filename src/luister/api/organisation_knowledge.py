"""``/organisation/kb`` and ``/organisation/mentoring``: the centre of excellence's knowledge base
(articles in Dutch and English with their versions and links, search, the articles related to an alert,
a conversation or a project) and reverse mentoring (pairs, sessions, the evidence count)
(docs/knowledge.md)."""

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from luister.api.auth import caller
from luister.api.problems import ApiError, invalid, responses
from luister.api.schemas import NO_CONTROL, NO_NUL
from luister.domain.accounts import Permission
from luister.domain.addressing import MAX_ID
from luister.organisation import knowledge_actions, knowledge_read, mentoring_actions, mentoring_read
from luister.organisation.knowledge import ArticleProblem, check_target
from luister.organisation.mentoring import MentoringProblem
from luister.runtime import Runtime
from luister.services.accounts import UserRead

Kind = Literal["playbook", "holding_statement", "lesson_learned", "project_evaluation", "policy_faq"]
Language = Literal["nl", "en"]
TargetKind = Literal[
    "alert_rule", "alert_kind", "intent", "department", "tag", "project", "project_kind", "process"
]
ArticleId = Annotated[int, Path(ge=1, le=MAX_ID)]
PairId = Annotated[int, Path(ge=1, le=MAX_ID)]
Tag = Annotated[str, Field(min_length=1, max_length=40, pattern=NO_CONTROL)]
KEY = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
Key = Annotated[str, Field(min_length=1, max_length=80, pattern=KEY)]


class ArticleCreate(BaseModel):
    kind: Kind
    language: Language
    title: str = Field(min_length=1, max_length=200, pattern=NO_CONTROL)
    body: str = Field(min_length=1, max_length=50_000, pattern=NO_NUL, description="Markdown.")
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    slug: str | None = Field(None, max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*$",
                             description="Made from the title when left out.")  # fmt: skip
    translation_of: int | None = Field(None, ge=1, le=MAX_ID, description="The article this one translates.")


class ArticleUpdate(BaseModel):
    """Only the fields sent change; every change is a new version."""

    title: str | None = Field(None, min_length=1, max_length=200, pattern=NO_CONTROL)
    body: str | None = Field(None, min_length=1, max_length=50_000, pattern=NO_NUL)
    tags: list[Tag] | None = Field(None, max_length=20)
    kind: Kind | None = None
    note: str = Field("", max_length=500, pattern=NO_CONTROL, description="Why it changed.")
    expected_version: int | None = Field(
        None, ge=1, le=2**31 - 1, description="Refused (409) when another version was saved since."
    )


class ArticleRead(BaseModel):
    id: int
    slug: str
    kind: Kind
    language: Language
    translation_of: int | None
    title: str
    body: str
    tags: list[str]
    version: int
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


class VersionRead(BaseModel):
    version: int
    title: str
    body: str
    tags: list[str]
    note: str
    edited_by: str
    edited_at: datetime


class LinkBody(BaseModel):
    target_kind: TargetKind
    target_key: Key


class LinkRead(LinkBody):
    created_by: str
    created_at: datetime


class ArticleDetail(ArticleRead):
    translations: list[ArticleRead]
    versions: list[VersionRead]
    links: list[LinkRead]


class HitRead(BaseModel):
    article: ArticleRead
    rank: float = Field(description="Higher is better; comparable within one search only.")


class PairCreate(BaseModel):
    mentor: str = Field(min_length=1, max_length=120, pattern=NO_CONTROL)
    mentee: str = Field(min_length=1, max_length=120, pattern=NO_CONTROL, description="The executive.")
    mentor_role: str = Field("", max_length=120, pattern=NO_CONTROL)
    mentee_role: str = Field("", max_length=120, pattern=NO_CONTROL)
    goal: str = Field("", max_length=5000, pattern=NO_NUL)
    started_on: date


class PairEnd(BaseModel):
    ended_on: date


class SessionCreate(BaseModel):
    held_on: date
    topics: list[Annotated[str, Field(min_length=1, max_length=80, pattern=NO_CONTROL)]] = Field(
        min_length=1, max_length=20
    )
    notes: str = Field("", max_length=20_000, pattern=NO_NUL)
    minutes: int | None = Field(None, ge=1, le=600)


class SessionRead(BaseModel):
    id: int
    held_on: date
    topics: list[str]
    notes: str
    minutes: int | None
    recorded_by: str


class PairRead(BaseModel):
    id: int
    mentor: str
    mentor_role: str
    mentee: str
    mentee_role: str
    goal: str
    started_on: date
    ended_on: date | None
    sessions: list[SessionRead]


class EvidenceRead(BaseModel):
    pairs: int
    active_pairs: int
    executives_mentored: int
    sessions: int
    recent_sessions: int = Field(description="Sessions in the last 90 days.")
    last_session_on: date | None


def _article(a: knowledge_read.Article) -> ArticleRead:
    return ArticleRead(**asdict(a))


def _pair(p: mentoring_read.Pair) -> PairRead:
    return PairRead(**asdict(p))


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["knowledge"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Manager = Annotated[UserRead, Depends(caller(engine, Permission.manage))]

    def shown(article_id: int) -> ArticleDetail:
        try:
            found = knowledge_read.detail(engine=engine, article_id=article_id)
        except knowledge_read.UnknownArticle as exc:
            raise ApiError(404, str(exc)) from None
        return ArticleDetail(
            **asdict(found.article), translations=[_article(t) for t in found.translations],
            versions=[VersionRead(**asdict(v)) for v in found.versions],
            links=[LinkRead(**asdict(link)) for link in found.links],
        )  # fmt: skip

    @router.get("/organisation/kb/articles", response_model=list[ArticleRead], responses=responses(403))
    def kb_articles(
        user: Reader, kind: Kind | None = None, language: Language | None = None,
        tag: Annotated[str | None, Query(max_length=40, pattern=NO_CONTROL)] = None,
    ) -> list[ArticleRead]:  # fmt: skip
        """The knowledge base's articles: playbooks first, then holding statements, policy FAQs, lessons
        learned and project evaluations; by title."""
        found = knowledge_read.list_articles(engine=engine, kind=kind, language=language, tag=tag)
        return [_article(a) for a in found]

    @router.get("/organisation/kb/search", response_model=list[HitRead], responses=responses(403))
    def kb_search(
        user: Reader, q: Annotated[str, Query(min_length=1, max_length=500, pattern=NO_CONTROL)],
        language: Language | None = None, kind: Kind | None = None,
        limit: Annotated[int, Query(ge=1, le=50)] = 10,
    ) -> list[HitRead]:  # fmt: skip
        """Search in Dutch and English: any word of the question, stemmed by language; the best first."""
        hits = knowledge_read.search(engine=engine, text=q, limit=limit, language=language, kind=kind)
        return [HitRead(article=_article(h.article), rank=h.rank) for h in hits]

    @router.get("/organisation/kb/related", response_model=list[ArticleRead], responses=responses(403))
    def kb_related(
        user: Reader, target_kind: TargetKind,
        target_key: Annotated[str, Query(min_length=1, max_length=80, pattern=KEY)],
        language: Language = "en",
    ) -> list[ArticleRead]:  # fmt: skip
        """The articles tied to one target (an alert rule, an intent, a project …), in ``language`` where
        a translation exists."""
        try:
            target = check_target(target_kind, target_key)
        except ArticleProblem as exc:
            raise invalid(str(exc)) from None
        found = knowledge_read.related(engine=engine, targets=[target], language=language)
        return [_article(a) for a in found]

    @router.post("/organisation/kb/articles", response_model=ArticleDetail, status_code=201,
                 responses=responses(400, 403, 409, 422))  # fmt: skip
    def kb_create(user: Manager, body: ArticleCreate) -> ArticleDetail:
        """A new article (version 1); ``translation_of`` makes it the translation of another."""
        try:
            new = knowledge_actions.create_article(engine=engine, actor=user.email, now=datetime.now(UTC),
                                                   **body.model_dump())  # fmt: skip
        except knowledge_actions.Taken as exc:
            raise ApiError(409, str(exc)) from None
        except ArticleProblem as exc:
            raise invalid(str(exc)) from None
        return shown(new)

    @router.get("/organisation/kb/articles/{article_id}", response_model=ArticleDetail,
                responses=responses(403, 404))  # fmt: skip
    def kb_article(user: Reader, article_id: ArticleId) -> ArticleDetail:
        """One article with its translations, its versions (newest first) and its links."""
        return shown(article_id)

    @router.patch("/organisation/kb/articles/{article_id}", response_model=ArticleDetail,
                  responses=responses(400, 403, 404, 409, 422))  # fmt: skip
    def kb_edit(user: Manager, article_id: ArticleId, body: ArticleUpdate) -> ArticleDetail:
        """A new version with the fields sent."""
        try:
            knowledge_actions.edit_article(engine=engine, actor=user.email, now=datetime.now(UTC),
                                           article_id=article_id, **body.model_dump())  # fmt: skip
        except knowledge_read.UnknownArticle as exc:
            raise ApiError(404, str(exc)) from None
        except ArticleProblem as exc:
            raise (ApiError(409, str(exc)) if exc.field == "version" else invalid(str(exc))) from None
        return shown(article_id)

    @router.delete("/organisation/kb/articles/{article_id}", status_code=204, responses=responses(403, 404))
    def kb_delete(user: Manager, article_id: ArticleId) -> Response:
        """The article with its versions and links; its translations stay."""
        try:
            knowledge_actions.delete_article(engine=engine, actor=user.email, article_id=article_id)
        except knowledge_read.UnknownArticle as exc:
            raise ApiError(404, str(exc)) from None
        return Response(status_code=204)

    @router.get("/organisation/kb/articles/{article_id}/versions/{number}", response_model=VersionRead,
                responses=responses(403, 404))  # fmt: skip
    def kb_version(
        user: Reader, article_id: ArticleId, number: Annotated[int, Path(ge=1, le=2**31 - 1)]
    ) -> VersionRead:
        """One earlier (or the current) version of an article."""
        try:
            return VersionRead(**asdict(knowledge_read.version(engine=engine, article_id=article_id,
                                                               number=number)))  # fmt: skip
        except knowledge_read.UnknownArticle as exc:
            raise ApiError(404, str(exc)) from None

    @router.post("/organisation/kb/articles/{article_id}/links", response_model=ArticleDetail,
                 responses=responses(400, 403, 404, 422))  # fmt: skip
    def kb_link(user: Manager, article_id: ArticleId, body: LinkBody) -> ArticleDetail:
        """Tie the article to an alert rule or kind, an intent, a department, a tag, a project or a kind
        of project: it is shown there as a related playbook."""
        try:
            knowledge_actions.link(engine=engine, actor=user.email, now=datetime.now(UTC),
                                   article_id=article_id, **body.model_dump())  # fmt: skip
        except knowledge_read.UnknownArticle as exc:
            raise ApiError(404, str(exc)) from None
        except ArticleProblem as exc:
            raise invalid(str(exc)) from None
        return shown(article_id)

    @router.delete("/organisation/kb/articles/{article_id}/links/{target_kind}/{target_key}",
                   response_model=ArticleDetail, responses=responses(403, 404, 422))  # fmt: skip
    def kb_unlink(
        user: Manager, article_id: ArticleId, target_kind: TargetKind,
        target_key: Annotated[str, Path(min_length=1, max_length=80, pattern=KEY)],
    ) -> ArticleDetail:  # fmt: skip
        try:
            gone = knowledge_actions.unlink(engine=engine, actor=user.email, article_id=article_id,
                                            target_kind=target_kind, target_key=target_key)  # fmt: skip
        except knowledge_read.UnknownArticle as exc:
            raise ApiError(404, str(exc)) from None
        except ArticleProblem as exc:
            raise invalid(str(exc)) from None
        if not gone:
            raise ApiError(404, f"article #{article_id} is not linked to {target_kind} {target_key!r}")
        return shown(article_id)

    # --- reverse mentoring -------------------------------------------------------------------------------

    @router.get("/organisation/mentoring/pairs", response_model=list[PairRead], responses=responses(403))
    def mentoring_pairs(user: Manager) -> list[PairRead]:
        """Every pair with its sessions and notes (people who manage see the notes)."""
        return [_pair(p) for p in mentoring_read.pairs(engine=engine)]

    @router.post("/organisation/mentoring/pairs", response_model=PairRead, status_code=201,
                 responses=responses(400, 403, 422))  # fmt: skip
    def mentoring_pair_create(user: Manager, body: PairCreate) -> PairRead:
        """A reverse-mentoring pair: a social-savvy colleague mentors an executive."""
        try:
            new = mentoring_actions.create_pair(engine=engine, actor=user.email, now=datetime.now(UTC),
                                                **body.model_dump())  # fmt: skip
        except MentoringProblem as exc:
            raise invalid(str(exc)) from None
        return _pair(mentoring_read.pair(engine=engine, pair_id=new))

    @router.post("/organisation/mentoring/pairs/{pair_id}/sessions", response_model=PairRead, status_code=201,
                 responses=responses(400, 403, 404, 422))  # fmt: skip
    def mentoring_session_create(user: Manager, pair_id: PairId, body: SessionCreate) -> PairRead:
        """A session the pair held: date, topics, notes."""
        try:
            mentoring_actions.record_session(engine=engine, actor=user.email, now=datetime.now(UTC),
                                             pair_id=pair_id, **body.model_dump())  # fmt: skip
        except mentoring_read.UnknownPair as exc:
            raise ApiError(404, str(exc)) from None
        except MentoringProblem as exc:
            raise invalid(str(exc)) from None
        return _pair(mentoring_read.pair(engine=engine, pair_id=pair_id))

    @router.post("/organisation/mentoring/pairs/{pair_id}/end", response_model=PairRead,
                 responses=responses(400, 403, 404, 422))  # fmt: skip
    def mentoring_pair_end(user: Manager, pair_id: PairId, body: PairEnd) -> PairRead:
        try:
            mentoring_actions.end_pair(
                engine=engine, actor=user.email, pair_id=pair_id, ended_on=body.ended_on
            )
        except mentoring_read.UnknownPair as exc:
            raise ApiError(404, str(exc)) from None
        except MentoringProblem as exc:
            raise invalid(str(exc)) from None
        return _pair(mentoring_read.pair(engine=engine, pair_id=pair_id))

    @router.get("/organisation/mentoring/evidence", response_model=EvidenceRead, responses=responses(403))
    def mentoring_evidence(user: Reader) -> EvidenceRead:
        """Reverse mentoring as evidence for the maturity assessment: pairs, sessions, executives."""
        with engine.connect() as conn:
            found = mentoring_read.evidence(conn, datetime.now(UTC))
        return EvidenceRead(**asdict(found))

    return router
