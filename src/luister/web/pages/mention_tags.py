"""``/mentions/tags``: the tags people put on mentions, with their counts; rename, merge and delete them
(deleting asks first). Everyone who reads the mention list reads its tags; changing them needs the
permission to correct (as tagging does)."""

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.domain.accounts import Permission, can
from luister.listening.actions import delete_tag, merge_tags, rename_tag
from luister.listening.read import tag_count, tag_counts
from luister.listening.saved import MAX_TAG, SavedSearchError
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, Web

NO_SUCH_TAG = "No mention has this tag (any more)."
PROBLEMS = {  # why a change was not made, as the page says it
    "no_tag": "Type the tag's new name.",
    "bad_tag": "A tag has at most 40 printable characters.",
    "same_tag": "Choose another tag than this one.",
    "tag_taken": "That tag is in use: merge into it instead.",
}
DONE = {"renamed": "The tag is renamed on all its mentions.", "merged": "The tags are merged.",
        "deleted": "The tag is taken off all its mentions."}  # fmt: skip


def _answer(done: str | None = None, problem: str | None = None) -> Response:
    query = urlencode({k: v for k, v in (("done", done), ("problem", problem)) if v})
    return RedirectResponse(f"/mentions/tags?{query}" if query else "/mentions/tags", status_code=303)


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine
    Changer = Annotated[FormPost, Depends(web.form(Permission.correct))]

    @router.get("/mentions/tags", response_class=HTMLResponse)
    def tags_page(
        request: Request, session: Annotated[Session, Depends(web.signed_in)], delete: str | None = None
    ) -> Response:
        confirm = None
        if delete is not None:  # the confirm step of a delete (only for who may delete)
            if not can(session.user.role, Permission.correct):
                raise Refused("Your role may not do this.")
            count = tag_count(engine=engine, tag=delete)
            if not count:
                raise Refused(NO_SUCH_TAG, status=404)
            confirm = (delete, count)
        context = {
            "tags": tag_counts(engine=engine), "confirm": confirm, "max_tag": MAX_TAG,
            "may_change": can(session.user.role, Permission.correct),
            "problem": PROBLEMS.get(request.query_params.get("problem", "")),
            "done": DONE.get(request.query_params.get("done", "")),
        }  # fmt: skip
        return web.render(request, "mention_tags.html", context, session=session)

    def change(run: Callable[[], int], done: str) -> Response:
        try:
            run()
        except SavedSearchError as exc:
            if exc.code == "unknown_tag":
                raise Refused(NO_SUCH_TAG, status=404) from None
            return _answer(problem=exc.code)
        return _answer(done=done)

    @router.post("/mentions/tags/rename")
    def rename_page(post: Changer) -> Response:
        tag, to, actor = post.text("tag"), post.text("to"), post.session.user.email
        return change(lambda: rename_tag(engine=engine, tag=tag, to=to, actor=actor), "renamed")

    @router.post("/mentions/tags/merge")
    def merge_page(post: Changer) -> Response:
        tag, into, actor = post.text("tag"), post.text("into"), post.session.user.email
        return change(lambda: merge_tags(engine=engine, tag=tag, into=into, actor=actor), "merged")

    @router.post("/mentions/tags/delete")
    def delete_page(post: Changer) -> Response:
        tag = post.text("tag")
        if post.text("confirm") != "yes":  # asked first: the page says how many mentions lose it
            return RedirectResponse(f"/mentions/tags?{urlencode({'delete': tag})}", status_code=303)
        return change(lambda: delete_tag(engine=engine, tag=tag, actor=post.session.user.email), "deleted")

    return router
