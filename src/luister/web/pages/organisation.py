"""``/organisation``: the way into organising the social business — the maturity assessment, the policy,
processes and their matrix, training and belts, the knowledge base, reverse mentoring and the scheduled
reports — each with what it is for, in the reader's language."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from luister.domain.accounts import Permission, can
from luister.web.auth import Session
from luister.web.context import Web

# (address, title, what it is for, the permission that opens it); titles and texts are translated in the
# template's catalogue (organisation.po)
PARTS: tuple[tuple[str, str, str, Permission], ...] = (
    ("/organisation/maturity", "Social business maturity",
     "Altimeter's six stages, from the questionnaire and from luister's own figures.", Permission.view),
    ("/organisation/policy", "Social media policy",
     "The policy in force, its versions and who acknowledged it.", Permission.view),
    ("/organisation/processes", "Processes and responsibilities",
     "Who is responsible, accountable, consulted and informed per process; it routes the inbox.",
     Permission.view),
    ("/organisation/training", "Training and belts",
     "Short modules with quizzes; belts decide who may reply and approve.", Permission.view),
    ("/organisation/knowledge", "Knowledge base",
     "Playbooks, holding statements, lessons learned and policy FAQs, in Dutch and English.",
     Permission.view),
    ("/organisation/mentoring", "Reverse mentoring",
     "Pairs of a social-savvy colleague and an executive, and their sessions.", Permission.manage),
    ("/reports/schedules", "Scheduled reports",
     "The KPI report by e-mail, every week at a set time.", Permission.view),
)  # fmt: skip


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    Reader = Annotated[Session, Depends(web.allowed(Permission.view))]

    @router.get("/organisation", response_class=HTMLResponse)
    def organisation_page(request: Request, session: Reader) -> Response:
        shown = [part for part in PARTS if can(session.user.role, part[3])]
        return web.render(request, "organisation.html", {"parts": shown}, session=session)

    return router
