"""Mention search, a mention's detail, and correcting its labels."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.domain.accounts import Permission, can
from luister.domain.analysis import INTENT_LABELS, SENTIMENT_LABELS, parse_intents
from luister.domain.queries import QueryReferenceError, QuerySyntaxError
from luister.services.corrections import CorrectionError, correct_mention
from luister.services.mentions import mention_detail, search_mentions
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, RowId, Web
from luister.web.drill import Drill, DrillError, read_drill
from luister.web.i18n import translations
from luister.web.query_errors import explain, explain_reference


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine

    @router.get("/mentions", response_class=HTMLResponse)
    def mentions_page(
        request: Request, session: Annotated[Session, Depends(web.signed_in)], q: str = "",
        before: str | None = None,
    ) -> Response:  # fmt: skip
        topics = web.topics_for(session)
        gettext = translations(web.language(request, session)).gettext
        error = None
        page = None
        drill = Drill()
        try:
            drill = read_drill(dict(request.query_params))
            topic_id = next((t.id for t in topics if t.name == drill.topic), None)
            if drill.topic and topic_id is None:
                raise DrillError(f"there is no topic {drill.topic!r}")
            page = search_mentions(engine=engine, query=q or None, topic_id=topic_id, before=before,
                                   topics={t.name: t.query for t in topics},
                                   **drill.search_filters())  # type: ignore[arg-type]  # fmt: skip
        except QuerySyntaxError as exc:
            error = f"{explain(exc, gettext)}\n{exc.caret()}"
        except QueryReferenceError as exc:
            error = explain_reference(str(exc), gettext)
        except DrillError as exc:
            error = str(exc)
        except ValueError:
            error = "That page of the list no longer exists; start from the newest mentions."
        filters = {"q": q, **drill.params()}
        more = urlencode({**filters, "before": page.next_before}) if page and page.next_before else None
        chips = [(name, value, urlencode({k: v for k, v in filters.items() if k != name}))
                 for name, value in drill.params().items()
                 if name not in ("topic", "sentiment", "intent")]  # fmt: skip
        context = {
            "page": page, "error": error, "filters": {"topic": "", "sentiment": "", "intent": "", **filters},
            "topics": topics, "sentiments": SENTIMENT_LABELS, "intents": INTENT_LABELS, "next_query": more,
            "chips": chips,
        }  # fmt: skip
        return web.render(request, "mentions.html", context, session=session, status=400 if error else 200)

    @router.get("/mentions/{mention_id}", response_class=HTMLResponse)
    def mention_page(
        request: Request, mention_id: RowId, session: Annotated[Session, Depends(web.signed_in)]
    ) -> Response:
        names = {t.name for t in web.topics_for(session)}
        detail = mention_detail(engine=engine, mention_id=mention_id, topics_seen=names)
        if detail is None:
            raise Refused("No such mention.", status=404)
        return web.render(request, "mention.html", {
            "d": detail, "sentiments": SENTIMENT_LABELS, "intents": INTENT_LABELS,
            "may_correct": can(session.user.role, Permission.correct),
            "current_intents": parse_intents(detail.mention.intents),
        }, session=session)  # fmt: skip

    @router.post("/mentions/{mention_id}/correct")
    def correct_page(
        mention_id: RowId, post: Annotated[FormPost, Depends(web.form(Permission.correct))]
    ) -> Response:
        intents = tuple(post.texts("intent")) or None
        try:
            correct_mention(engine=engine, mention_id=mention_id, corrected_by=post.session.user.email,
                            sentiment=post.text("sentiment") or None, intents=intents)  # fmt: skip
        except CorrectionError as exc:
            return Response(str(exc), status_code=400)
        return RedirectResponse(f"/mentions/{mention_id}?corrected=1", status_code=303)

    return router
