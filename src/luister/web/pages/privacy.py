"""Privacy requests (administrators only): find what luister holds about one person, download it as an
archive, erase it. The page only calls ``luister.privacy``; see docs/privacy.md."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from luister.domain.accounts import Permission
from luister.privacy import Subject, SubjectError, archive, erase, find
from luister.web.auth import Session
from luister.web.context import FormPost, Web

PATH = "/privacy"
FIELDS = ("channel", "handle", "name", "mention")


def _subject(values: dict[str, str]) -> Subject:
    mention = values.get("mention", "").strip()
    if mention and not mention.isdigit():
        raise SubjectError("a mention id is a positive number")
    return Subject.of(
        channel=values.get("channel") or None,
        handle=values.get("handle") or None,
        name=values.get("name") or None,
        mention_id=int(mention) if mention else None,
    )


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine
    Admin = Annotated[Session, Depends(web.allowed(Permission.admin))]

    def page(request: Request, session: Session, values: dict[str, str], *, erased: object = None,
             status: int = 200) -> Response:  # fmt: skip
        context: dict[str, object] = {"values": values, "erased": erased, "findings": None, "error": None}
        if any(values.get(f) for f in FIELDS):
            try:
                context["findings"] = find(engine=engine, subject=_subject(values))
            except SubjectError as exc:
                context["error"], status = str(exc), 400
        response = web.render(request, "privacy.html", context, session=session, status=status)
        response.headers["Cache-Control"] = "no-store"  # a person's data: never kept by a browser or proxy
        return response

    @router.get(PATH, response_class=HTMLResponse)
    def privacy_page(request: Request, session: Admin) -> Response:
        return page(request, session, {f: request.query_params.get(f, "") for f in FIELDS})

    @router.get(PATH + "/export")
    def privacy_export(request: Request, _session: Admin) -> Response:
        try:
            subject = _subject({f: request.query_params.get(f, "") for f in FIELDS})
        except SubjectError as exc:
            return Response(str(exc), status_code=400, media_type="text/plain")
        return Response(archive(find(engine=engine, subject=subject), now=datetime.now(UTC)),
                        media_type="application/zip", headers={
                            "Content-Disposition": 'attachment; filename="luister-privacy-export.zip"',
                            "Cache-Control": "no-store"})  # fmt: skip

    @router.post(PATH + "/erase", response_class=HTMLResponse)
    def privacy_erase(
        request: Request, post: Annotated[FormPost, Depends(web.form(Permission.admin))]
    ) -> Response:
        values = {f: post.text(f) for f in FIELDS}
        if post.text("confirm") != "yes":
            return page(request, post.session, values, status=400)
        try:
            subject = _subject(values)
        except SubjectError:
            return page(request, post.session, values, status=400)
        done = erase(engine=engine, subject=subject, actor=post.session.user.email,
                     reference=post.text("reference")[:254] or None, now=datetime.now(UTC))  # fmt: skip
        return page(request, post.session, values, erased=done)

    return router
