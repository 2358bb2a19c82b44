"""Mention search, a mention's detail, and correcting its labels."""

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.domain.accounts import Permission, can
from luister.domain.addressing import MAX_ID
from luister.domain.analysis import INTENT_LABELS, SENTIMENT_LABELS, parse_intents
from luister.domain.queries import QueryReferenceError, QuerySyntaxError
from luister.listening.actions import delete_search, save_search, tag_mentions
from luister.listening.counting import COUNT_CAP, count_list
from luister.listening.read import saved_searches, tags_of
from luister.listening.saved import SavedSearchError, clean_query
from luister.services.corrections import CorrectionError, correct_mention
from luister.services.mentions import SORTS, mention_detail, mentions_by_id, mentions_csv, search_mentions
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, RowId, Web
from luister.web.drill import DateError, Drill, DrillError, read_drill
from luister.web.highlight import highlight_terms
from luister.web.i18n import translations
from luister.web.query_errors import explain, explain_reference

DATES = ("since", "until")
IN_FORM = ("topic", "sentiment", "intent", "channel", "country", "language", "since", "until", "tag")


def _date_field(value: str) -> tuple[str, str]:
    """What a date field shows and its type: the date of a ``YYYY-MM-DD[THH:MM]`` value at midnight (a
    dashboard's periods start there), else the text as typed in a text field (so it can be corrected)."""
    value = value.strip()
    head, _, tail = value.partition("T")
    if not value or (re.fullmatch(r"\d{4}-\d{2}-\d{2}", head) and tail in ("", "00:00")):
        return head, "date"
    return value, "text"


MAX_BULK = 500  # mentions one bulk action takes (a page shows 50)
PROBLEMS = {  # what went wrong with a saved search or a bulk action, as the list says it
    "no_name": "Give the search a name.",
    "bad_name": "A name has at most 120 printable characters.",
    "too_long": "This search is too long to save.",
    "too_many": "You have 100 saved searches; delete one first.",
    "none_selected": "Select one or more mentions first.",
    "no_label": "Choose a sentiment or an intent to apply.",
    "no_tag": "Type the tag to put on the selected mentions.",
    "bad_tag": "A tag has at most 40 printable characters.",
}


DONE = {"saved": "The search is saved.", "deleted": "The saved search is deleted.",
        "corrected": "The correction is applied to the selected mentions.",
        "tagged": "The tag is on the selected mentions."}  # fmt: skip


def _back(query_string: str) -> str:
    """The list's address to return to (its filters only: the answer stays on /mentions)."""
    try:
        return clean_query(query_string)
    except SavedSearchError:
        return ""


def _joined(query: str, **extra: str) -> str:
    return "&".join(part for part in (query, urlencode(extra)) if part)


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine

    @router.get("/mentions", response_class=HTMLResponse)
    def mentions_page(
        request: Request, session: Annotated[Session, Depends(web.signed_in)], q: str = "",
        before: str | None = None, sort: str = "newest",
    ) -> Response:  # fmt: skip
        topics = web.topics_for(session)
        gettext = translations(web.language(request, session)).gettext
        error = None
        page = count = None
        drill = Drill()
        invalid: set[str] = set()  # the form's fields to mark
        sort = sort if sort in SORTS else "newest"
        try:
            drill = read_drill(dict(request.query_params))
            if drill.since and drill.until and drill.since >= drill.until:
                invalid.add("until")
                raise DrillError(gettext("The end of the period must come after its start."))
            topic_id = next((t.id for t in topics if t.name == drill.topic), None)
            if drill.topic and topic_id is None:
                raise DrillError(f"there is no topic {drill.topic!r}")
            listed = {"engine": engine, "query": q or None, "filters": drill.mention_filter(topic_id),
                      "topics": {t.name: t.query for t in topics}}  # fmt: skip
            page = search_mentions(before=before, sort=sort, **listed)  # type: ignore[arg-type]
            count = count_list(**listed)  # type: ignore[arg-type]
        except QuerySyntaxError as exc:
            error = f"{explain(exc, gettext)}\n{exc.caret()}"
        except QueryReferenceError as exc:
            error = explain_reference(str(exc), gettext)
        except DateError as exc:
            invalid.add(exc.name)
            error = gettext("%(value)s is not a date: write it as YYYY-MM-DD.") % {"value": exc.value}
        except DrillError as exc:
            error = str(exc)
        except ValueError:
            error = gettext("That page of the list no longer exists; start from the first page.")
        params = {"q": q, **drill.params(), **({"sort": sort} if sort != "newest" else {})}
        more = urlencode({**params, "before": page.next_before}) if page and page.next_before else None
        chips = [(name, value, urlencode({k: v for k, v in params.items() if k != name}))
                 for name, value in drill.params().items() if name not in IN_FORM]  # fmt: skip
        context = {
            "page": page, "error": error, "filters": {**dict.fromkeys(IN_FORM, ""), **params},
            "topics": topics, "sentiments": SENTIMENT_LABELS, "intents": INTENT_LABELS, "next_query": more,
            "chips": chips, "count": count, "sort": sort, "sorts": SORTS, "invalid": invalid,
            "date_fields": {name: _date_field(request.query_params.get(name, "")) for name in DATES},
            "marks": highlight_terms(q) if page else (), "cap": COUNT_CAP,
            "saved": saved_searches(engine=engine, user_id=session.user.id), "here": urlencode(params),
            "problem": PROBLEMS.get(request.query_params.get("problem", "")),
            "done": DONE.get(request.query_params.get("done", "")),
            "may_correct": can(session.user.role, Permission.correct),
            "tags": tags_of(engine=engine, mention_ids=[m.id for m in page.mentions] if page else []),
        }  # fmt: skip
        return web.render(request, "mentions.html", context, session=session, status=400 if error else 200)

    @router.post("/mentions/saved")
    def save_search_page(post: Annotated[FormPost, Depends(web.form())]) -> Response:
        back = _back(post.text("query"))
        try:
            save_search(engine=engine, user_id=post.session.user.id, actor=post.session.user.email,
                        name=post.text("name"), query_string=back, now=web.runtime.clock())  # fmt: skip
        except SavedSearchError as exc:
            return RedirectResponse(f"/mentions?{_joined(back, problem=exc.code)}", status_code=303)
        return RedirectResponse(f"/mentions?{_joined(back, done='saved')}", status_code=303)

    @router.post("/mentions/saved/{search_id}/delete")
    def delete_search_page(search_id: RowId, post: Annotated[FormPost, Depends(web.form())]) -> Response:
        if not delete_search(engine=engine, user_id=post.session.user.id, search_id=search_id,
                             actor=post.session.user.email):  # fmt: skip
            raise Refused("No such saved search.", status=404)
        return RedirectResponse("/mentions?done=deleted", status_code=303)

    @router.post("/mentions/bulk")
    def bulk_page(post: Annotated[FormPost, Depends(web.form())]) -> Response:
        ids = sorted({int(i) for i in post.texts("id") if i.isdigit() and 0 < int(i) <= MAX_ID})
        back = _back(post.text("back"))
        if not ids:
            return RedirectResponse(f"/mentions?{_joined(back, problem='none_selected')}", status_code=303)
        if len(ids) > MAX_BULK:
            raise Refused(f"Select at most {MAX_BULK} mentions at once.", status=400)
        if post.text("action") == "export":
            headers = {"Content-Disposition": 'attachment; filename="mentions.csv"'}
            body = mentions_csv(mentions_by_id(engine=engine, ids=ids))
            return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
        if not can(post.session.user.role, Permission.correct):
            raise Refused("Your role may not do this.")
        if post.text("action") == "tag":
            try:
                tag_mentions(engine=engine, mention_ids=ids, tag=post.text("tag"),
                             actor=post.session.user.email, now=web.runtime.clock())  # fmt: skip
            except SavedSearchError as exc:
                return RedirectResponse(f"/mentions?{_joined(back, problem=exc.code)}", status_code=303)
            return RedirectResponse(f"/mentions?{_joined(back, done='tagged')}", status_code=303)
        sentiment = post.text("sentiment") or None
        intents = tuple(i for i in post.texts("intent") if i) or None
        if sentiment is None and intents is None:
            return RedirectResponse(f"/mentions?{_joined(back, problem='no_label')}", status_code=303)
        try:
            for mention_id in ids:
                correct_mention(engine=engine, mention_id=mention_id, corrected_by=post.session.user.email,
                                sentiment=sentiment, intents=intents)  # fmt: skip
        except CorrectionError as exc:
            return Response(str(exc), status_code=400)
        return RedirectResponse(f"/mentions?{_joined(back, done='corrected')}", status_code=303)

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
