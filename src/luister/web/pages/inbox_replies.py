"""Replying in the browser: the composer on a conversation (:func:`composer_context` for its partial),
sending a reply (to an approver when approval rules hold), deciding on drafts, and the approvals page.

Each form calls one :mod:`luister.inbox.replies` action. The send-time guard's refusal is a page of its own
(409) that keeps the text and offers "send anyway"; four-eyes is enforced by the action (403)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.domain.accounts import Permission
from luister.inbox import approval_rules, replies
from luister.inbox.approval import ApprovalRuleProblem, RuleKind
from luister.inbox.model import InboxError, UnknownConversation
from luister.inbox.read import ConversationDetail
from luister.inbox.replies import Answered, NotAllowed
from luister.inbox.replies_read import approval_queue, drafts_of, reply_voices
from luister.services.accounts import UserRead
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, RowId, Web

# what the counter shows before the voice's Replier is asked (Mastodon's default instance limit)
DEFAULT_LIMITS = {"bluesky": 300, "mastodon": 500, "reddit": 10_000, "discourse": 32_000, "youtube": 10_000}


def composer_context(web: Web, detail: ConversationDetail, user: UserRead) -> dict[str, Any]:
    """What the composer partial needs: the voices that can answer on the conversation's channel, the
    limit and its unit, the guard's number, the drafts, and where to answer at the source otherwise."""
    channel = detail.conversation.channel
    source = next((m.url for m in reversed(detail.messages) if m.kind == "customer" and m.url), None)
    voices = reply_voices(engine=web.engine, channel=channel, scope=user.scope)
    known = web.runtime.known_reply_limit(voices[0].id) if voices else None  # asked of the platform
    return {
        "reply": {
            "voices": voices,
            "limit": known or DEFAULT_LIMITS.get(channel, replies.MAX_BODY),
            "unit": replies.unit_of(channel),
            "seq": detail.reply_seq,
            "drafts": drafts_of(engine=web.engine, conversation_id=detail.conversation.id, scope=user.scope),
            "source": source,
        }
    }


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine
    Worker = Annotated[FormPost, Depends(web.form(Permission.correct))]
    Manager = Annotated[FormPost, Depends(web.form(Permission.manage))]

    def problem(
        request: Request, post: FormPost, *, status: int, message: str, again: dict[str, Any]
    ) -> Response:
        """The reply was not taken: say why, keep the text, offer to send (or approve) anyway."""
        context = {"message": message, "status": status, "again": again, "text": post.text("body")}
        return web.render(request, "inbox_reply_problem.html", context, session=post.session, status=status)

    @router.post("/inbox/{conversation_id}/reply")
    def reply_page(request: Request, conversation_id: RowId, post: Worker) -> Response:
        user = post.session.user
        voice, seen = post.text("voice_id"), post.text("seen_reply_seq")
        if not voice.isdigit() or not seen.isdigit():
            raise Refused("Choose a voice.", status=422)
        again = {
            "action": f"/inbox/{conversation_id}/reply",
            "voice_id": voice,
            "back": f"/inbox/{conversation_id}",
        }
        try:
            replies.propose(
                engine, conversation_id=conversation_id, voice_id=int(voice), body=post.text("body"),
                actor=user.email, seen_reply_seq=int(seen), now=web.runtime.clock(), scope=user.scope,
                confirm=post.text("confirm") == "1", measure=web.runtime.reply_measure(int(voice)),
            )  # fmt: skip
        except UnknownConversation:
            raise Refused("No such conversation.", status=404) from None
        except NotAllowed as exc:
            raise Refused(str(exc), status=403) from None
        except Answered as exc:
            return problem(request, post, status=409, message=str(exc), again=again | {"seq": exc.reply_seq})
        except InboxError as exc:
            return problem(request, post, status=422, message=str(exc), again=again | {"seq": int(seen)})
        return RedirectResponse(f"/inbox/{conversation_id}#drafts", status_code=303)

    def decide(request: Request, post: FormPost, draft_id: int, work: Any) -> Response:
        user = post.session.user
        try:
            conversation_id = replies.conversation_of(engine, draft_id, user.scope)
            work({"engine": engine, "draft_id": draft_id, "actor": user.email, "now": web.runtime.clock(),
                  "scope": user.scope})  # fmt: skip
        except UnknownConversation:
            raise Refused("No such reply.", status=404) from None
        except NotAllowed as exc:
            raise Refused(str(exc), status=403) from None
        except Answered as exc:
            again = {"action": f"/inbox/drafts/{draft_id}/approve", "back": "/inbox/approvals"}
            return problem(request, post, status=409, message=str(exc), again=again)
        except InboxError as exc:
            raise Refused(str(exc), status=409) from None
        back = "/inbox/approvals" if post.text("next") == "approvals" else f"/inbox/{conversation_id}#drafts"
        return RedirectResponse(back, status_code=303)

    @router.post("/inbox/drafts/{draft_id}/approve")
    def approve_page(request: Request, draft_id: RowId, post: Manager) -> Response:
        body = post.text("body") or None
        confirm = post.text("confirm") == "1"
        return decide(request, post, draft_id, lambda c: replies.approve(body=body, confirm=confirm, **c))

    @router.post("/inbox/drafts/{draft_id}/reject")
    def reject_page(request: Request, draft_id: RowId, post: Manager) -> Response:
        reason = post.text("reason")[:2000]
        return decide(request, post, draft_id, lambda c: replies.reject(reason=reason, **c))

    @router.post("/inbox/drafts/{draft_id}/withdraw")
    def withdraw_page(request: Request, draft_id: RowId, post: Worker) -> Response:
        return decide(request, post, draft_id, lambda c: replies.withdraw(**c))

    @router.get("/inbox/approvals", response_class=HTMLResponse)
    def approvals_page(request: Request, session: Annotated[Session, Depends(web.signed_in)]) -> Response:
        queue = approval_queue(engine=engine, scope=session.user.scope)
        rules = approval_rules.list_rules(engine=engine)
        context = {"queue": queue, "rules": rules, "kinds": [k.value for k in RuleKind], "problem": None}
        return web.render(request, "inbox_approvals.html", context, session=session)

    @router.post("/inbox/approval-rules")
    def rule_add_page(request: Request, post: Manager) -> Response:
        try:
            approval_rules.add_rule(
                engine, name=post.text("name"), kind=post.text("kind"), value=post.text("value") or None,
                actor=post.session.user.email, now=web.runtime.clock(),
            )  # fmt: skip
        except ApprovalRuleProblem as exc:
            raise Refused(exc.said(web.language(request, post.session)), status=422) from None
        return RedirectResponse("/inbox/approvals#rules", status_code=303)

    @router.post("/inbox/approval-rules/{rule_id}/remove")
    def rule_remove_page(request: Request, rule_id: RowId, post: Manager) -> Response:
        try:
            approval_rules.remove_rule(engine, rule_id=rule_id, actor=post.session.user.email)
        except approval_rules.UnknownRule:
            raise Refused("No such rule.", status=404) from None
        return RedirectResponse("/inbox/approvals#rules", status_code=303)

    return router
