"""The centre of excellence's knowledge base (search in Dutch and English, the list, one article rendered
from Markdown with its versions, translations and links, forms to write and edit) and reverse mentoring
(pairs, sessions, the evidence count). The pages only call :mod:`luister.organisation`'s knowledge and
mentoring modules."""

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from luister.alerts.read import AlertRead, AlertRuleError, get_rule
from luister.domain.accounts import Permission
from luister.organisation import (
    knowledge,
    knowledge_actions,
    knowledge_read,
    mentoring_actions,
    mentoring_read,
)
from luister.organisation.knowledge import ArticleKind, ArticleProblem, Language, Target, TargetKind
from luister.organisation.mentoring import MentoringProblem
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, RowId, Web

PATH = "/organisation/knowledge"
MENTORING = "/organisation/mentoring"
# CommonMark without raw HTML (it is shown as text) and without images; links keep to safe schemes
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable("image")


def _outside(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    """Links open outside luister, without a referrer and nofollow (as :func:`luister.web.context.linked`)."""
    tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
    tokens[idx].attrSet("target", "_blank")
    return str(renderer.renderToken(tokens, idx, options, env))


_MARKDOWN.add_render_rule("link_open", _outside)


def markdown(text: str) -> Markup:
    """An article's Markdown as HTML: CommonMark, raw HTML shown as text, no images, safe link schemes."""
    return Markup(_MARKDOWN.render(text))


def _tags(text: str) -> list[str]:
    return [t for t in text.replace(",", " ").split() if t]


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise MentoringProblem(
            field, f"{field}: {text[:20]!r} is not a date (YYYY-MM-DD)",
            f"{field}: {text[:20]!r} is geen datum (JJJJ-MM-DD)",
        ) from None  # fmt: skip


def related_to(
    web: Web, request: Request, session: Session, targets: list[Target]
) -> list[knowledge_read.Article]:
    """The articles to show as "related playbooks" on another page, in the reader's language."""
    language = web.language(request, session)
    return knowledge_read.related(engine=web.engine, targets=targets, language=language)


def related_to_alert(
    web: Web, request: Request, session: Session, alert: AlertRead
) -> list[knowledge_read.Article]:
    """An alert's related playbooks: its rule's, its kind's, then its intent's for an intent rule (a
    deleted rule's alert: its kind's)."""
    try:
        rule = get_rule(engine=web.engine, name=alert.rule)
    except AlertRuleError:
        return related_to(web, request, session, knowledge.alert_targets(rule_id=None, rule_kind=alert.kind))
    targets = knowledge.alert_targets(rule_id=rule.id, rule_kind=alert.kind, intent=rule.intent)
    return related_to(web, request, session, targets)


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine
    Reader = Annotated[Session, Depends(web.allowed(Permission.view))]
    Manager = Annotated[Session, Depends(web.allowed(Permission.manage))]
    Writer = Annotated[FormPost, Depends(web.form(Permission.manage))]
    choices = {
        "kinds": [k.value for k in ArticleKind],
        "languages": [lang.value for lang in Language],
        "target_kinds": [t.value for t in TargetKind],
    }

    def listing(
        request: Request,
        session: Session,
        *,
        error: str | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        q = request.query_params.get("q", "")[:500]
        kind = request.query_params.get("kind", "")
        language = request.query_params.get("language", "")
        kind = kind if kind in choices["kinds"] else ""
        language = language if language in choices["languages"] else ""
        hits = (
            knowledge_read.search(
                engine=engine, text=q, limit=10, language=language or None, kind=kind or None
            )
            if q.strip()
            else None
        )
        articles = (
            []
            if hits is not None
            else knowledge_read.list_articles(engine=engine, kind=kind or None, language=language or None)
        )
        context = {
            "q": q,
            "kind": kind,
            "language": language,
            "hits": hits,
            "articles": articles,
            "error": error,
            "form": form or {},
            **choices,
        }
        return web.render(request, "organisation_knowledge.html", context, session=session, status=status)

    @router.get(PATH, response_class=HTMLResponse)
    def knowledge_page(request: Request, session: Reader) -> Response:
        return listing(request, session)

    @router.post(PATH)
    def knowledge_add(request: Request, post: Writer) -> Response:
        original = post.text("translation_of")
        try:
            new = knowledge_actions.create_article(
                engine=engine,
                actor=post.session.user.email,
                now=datetime.now(UTC),
                kind=post.text("kind"),
                language=post.text("language"),
                title=post.text("title"),
                body=post.text("body"),
                tags=_tags(post.text("tags")),
                slug=post.text("slug") or None,
                translation_of=int(original) if original.isdigit() and len(original) < 18 else None,
            )
        except ArticleProblem as exc:
            form = {k: post.text(k) for k in ("kind", "language", "title", "body", "tags", "slug")}
            return listing(
                request,
                post.session,
                error=exc.said(web.language(request, post.session)),
                status=400,
                form=form,
            )
        return RedirectResponse(f"{PATH}/{new}", status_code=303)

    def article_page(
        request: Request, session: Session, article_id: int, *, error: str | None = None, status: int = 200
    ) -> Response:
        try:
            shown = knowledge_read.detail(engine=engine, article_id=article_id)
        except knowledge_read.UnknownArticle:
            raise Refused("No such article.", status=404) from None
        wanted = request.query_params.get("version", "")
        old = None
        if wanted.isdigit() and int(wanted) != shown.article.version:
            old = next((v for v in shown.versions if str(v.version) == wanted), None)
        body = old.body if old else shown.article.body
        context = {
            "shown": shown,
            "a": shown.article,
            "old": old,
            "rendered": markdown(body),
            "error": error,
            **choices,
        }
        return web.render(
            request, "organisation_knowledge_article.html", context, session=session, status=status
        )

    @router.get(PATH + "/{article_id:int}", response_class=HTMLResponse)
    def knowledge_article(request: Request, session: Reader, article_id: RowId) -> Response:
        return article_page(request, session, article_id)

    @router.post(PATH + "/{article_id:int}")
    def knowledge_edit(request: Request, post: Writer, article_id: RowId) -> Response:
        expected = post.text("expected_version")
        try:
            knowledge_actions.edit_article(
                engine=engine,
                actor=post.session.user.email,
                now=datetime.now(UTC),
                article_id=article_id,
                title=post.text("title"),
                body=post.text("body"),
                tags=_tags(post.text("tags")),
                kind=post.text("kind"),
                note=post.text("note"),
                expected_version=int(expected) if expected.isdigit() and len(expected) < 10 else None,
            )
        except knowledge_read.UnknownArticle:
            raise Refused("No such article.", status=404) from None
        except ArticleProblem as exc:
            return article_page(
                request,
                post.session,
                article_id,
                error=exc.said(web.language(request, post.session)),
                status=409 if exc.field == "version" else 400,
            )
        return RedirectResponse(f"{PATH}/{article_id}", status_code=303)

    @router.post(PATH + "/{article_id:int}/links")
    def knowledge_link(request: Request, post: Writer, article_id: RowId) -> Response:
        change = knowledge_actions.unlink if post.text("remove") else knowledge_actions.link
        extra: dict[str, Any] = {} if post.text("remove") else {"now": datetime.now(UTC)}
        try:
            change(
                engine=engine,
                actor=post.session.user.email,
                article_id=article_id,
                target_kind=post.text("target_kind"),
                target_key=post.text("target_key"),
                **extra,
            )
        except knowledge_read.UnknownArticle:
            raise Refused("No such article.", status=404) from None
        except ArticleProblem as exc:
            return article_page(
                request,
                post.session,
                article_id,
                error=exc.said(web.language(request, post.session)),
                status=400,
            )
        return RedirectResponse(f"{PATH}/{article_id}", status_code=303)

    # --- reverse mentoring -------------------------------------------------------------------------------

    def mentoring_page(
        request: Request, session: Session, *, error: str | None = None, status: int = 200
    ) -> Response:
        with engine.connect() as conn:
            evidence = mentoring_read.evidence(conn, datetime.now(UTC))
        context = {
            "pairs": mentoring_read.pairs(engine=engine),
            "evidence": evidence,
            "error": error,
            "today": datetime.now(UTC).date(),
        }
        return web.render(request, "organisation_mentoring.html", context, session=session, status=status)

    @router.get(MENTORING, response_class=HTMLResponse)
    def mentoring(request: Request, session: Manager) -> Response:
        return mentoring_page(request, session)

    @router.post(MENTORING + "/pairs")
    def mentoring_pair_add(request: Request, post: Writer) -> Response:
        try:
            mentoring_actions.create_pair(
                engine=engine,
                actor=post.session.user.email,
                now=datetime.now(UTC),
                mentor=post.text("mentor"),
                mentee=post.text("mentee"),
                mentor_role=post.text("mentor_role"),
                mentee_role=post.text("mentee_role"),
                goal=post.text("goal"),
                started_on=_day(post.text("started_on"), "started_on"),
            )
        except MentoringProblem as exc:
            return mentoring_page(
                request, post.session, error=exc.said(web.language(request, post.session)), status=400
            )
        return RedirectResponse(MENTORING, status_code=303)

    @router.post(MENTORING + "/pairs/{pair_id:int}/sessions")
    def mentoring_session_add(request: Request, post: Writer, pair_id: RowId) -> Response:
        minutes = post.text("minutes")
        try:
            mentoring_actions.record_session(
                engine=engine,
                actor=post.session.user.email,
                now=datetime.now(UTC),
                pair_id=pair_id,
                held_on=_day(post.text("held_on"), "held_on"),
                topics=post.text("topics").split(","),
                notes=post.text("notes"),
                minutes=int(minutes) if minutes.isdigit() and len(minutes) < 5 else None,
            )
        except mentoring_read.UnknownPair:
            raise Refused("No such mentoring pair.", status=404) from None
        except MentoringProblem as exc:
            return mentoring_page(
                request, post.session, error=exc.said(web.language(request, post.session)), status=400
            )
        return RedirectResponse(MENTORING, status_code=303)

    return router
