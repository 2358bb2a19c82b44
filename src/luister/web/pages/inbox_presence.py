"""The conversation page's presence ping (``POST /inbox/{id}/presence``, a form post with the session's
CSRF token, answered with JSON): the signed-in person has the conversation open, typing or not; the
answer says who else has it open and who of them is typing (see :mod:`luister.inbox.presence`)."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from luister.domain.accounts import Permission
from luister.inbox import presence
from luister.inbox.model import UnknownConversation
from luister.web.context import FormPost, Refused, RowId, Web


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    Reader = Annotated[FormPost, Depends(web.form(Permission.view))]

    @router.post("/inbox/{conversation_id}/presence")
    def presence_ping(conversation_id: RowId, post: Reader) -> JSONResponse:
        user = post.session.user
        try:
            found = presence.ping(
                engine=web.engine,
                conversation_id=conversation_id,
                user_id=user.id,
                typing=post.text("typing") in ("1", "true", "on"),
                now=web.runtime.clock(),
                scope=user.scope,
            )
        except UnknownConversation:
            raise Refused("No such conversation.", status=404) from None
        return JSONResponse(
            {"viewing": found.viewing, "typing": found.typing}, headers={"Cache-Control": "no-store"}
        )

    return router
