"""``/privacy``: access and erasure requests about one person (administrators only; docs/privacy.md)."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from luister.api.auth import caller
from luister.api.problems import invalid, responses
from luister.api.schemas import NO_CONTROL
from luister.domain.accounts import Permission
from luister.domain.addressing import MAX_ID
from luister.privacy import Subject, SubjectError, archive, erase, find
from luister.runtime import Runtime
from luister.services.accounts import UserRead

ChannelQuery = Annotated[
    str | None, Query(max_length=32, pattern=NO_CONTROL, description="The platform of the handle.")
]
HandleQuery = Annotated[
    str | None, Query(max_length=255, pattern=NO_CONTROL, description="The author's handle on `channel`.")
]
NameQuery = Annotated[
    str | None, Query(max_length=255, pattern=NO_CONTROL, description="The author's display name.")
]
MentionQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="A mention: its author's data.")]


class PrivacyCounts(BaseModel):
    mentions: int
    quarantine: int
    corrections: int
    alerts: int
    conversations: int = 0  # inbox conversations (opened by them, or quoting them)


class PrivacyFindings(BaseModel):
    """What luister holds about one person; the export has the records themselves."""

    subject: str
    counts: PrivacyCounts
    mention_ids: list[int]
    quarantine_ids: list[int]
    alert_ids: list[int]


class ErasureRequest(BaseModel):
    """Exactly one of: ``handle`` with ``channel``; ``name``; ``mention_id``."""

    channel: str | None = Field(None, max_length=32, pattern=NO_CONTROL)
    handle: str | None = Field(None, max_length=255, pattern=NO_CONTROL)
    name: str | None = Field(None, max_length=255, pattern=NO_CONTROL)
    mention_id: int | None = Field(None, ge=1, le=MAX_ID)
    reference: str | None = Field(
        None, max_length=254, pattern=NO_CONTROL, description="Your reference for the request (audit log)."
    )


def _subject(channel: str | None, handle: str | None, name: str | None, mention: int | None) -> Subject:
    try:
        return Subject.of(channel=channel, handle=handle, name=name, mention_id=mention)
    except SubjectError as exc:
        raise invalid(str(exc)) from None


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["privacy"])
    engine = runtime.engine
    Admin = Annotated[UserRead, Depends(caller(engine, Permission.admin))]

    @router.get("/privacy/find", response_model=PrivacyFindings, responses=responses(403))
    def privacy_find(
        _user: Admin, channel: ChannelQuery = None, handle: HandleQuery = None, name: NameQuery = None,
        mention: MentionQuery = None,
    ) -> PrivacyFindings:  # fmt: skip
        """What luister holds about one person: by handle (with channel), by name, or from a mention."""
        subject = _subject(channel, handle, name, mention)
        found = find(engine=engine, subject=subject)
        return PrivacyFindings(
            subject=subject.describe(),
            counts=PrivacyCounts(**found.counts()),
            mention_ids=[m["id"] for m in found.mentions],
            quarantine_ids=[q["id"] for q in found.quarantine],
            alert_ids=[a["id"] for a in found.alerts],
        )

    @router.get(
        "/privacy/export",
        response_class=Response,
        responses={**responses(403), 200: {"content": {"application/zip": {}}, "description": "The archive"}},
    )
    def privacy_export(
        _user: Admin, channel: ChannelQuery = None, handle: HandleQuery = None, name: NameQuery = None,
        mention: MentionQuery = None,
    ) -> Response:  # fmt: skip
        """Everything luister holds about one person, as a zip of JSON and CSV files (an access request)."""
        found = find(engine=engine, subject=_subject(channel, handle, name, mention))
        return Response(
            archive(found, now=datetime.now(UTC)),
            media_type="application/zip",
            headers={"Content-Disposition": 'attachment; filename="luister-privacy-export.zip"'},
        )

    @router.post("/privacy/erase", response_model=PrivacyCounts, responses=responses(400, 403))
    def privacy_erase(body: ErasureRequest, user: Admin) -> PrivacyCounts:
        """Delete everything luister holds about one person, for good (an erasure request); their posts
        are never stored again. Running it again erases nothing more."""
        subject = _subject(body.channel, body.handle, body.name, body.mention_id)
        done = erase(engine=engine, subject=subject, actor=user.email, reference=body.reference,
                     now=datetime.now(UTC))  # fmt: skip
        return PrivacyCounts(
            mentions=done.mentions,
            quarantine=done.quarantine,
            corrections=done.corrections,
            alerts=done.alerts,
            conversations=done.conversations,
        )

    return router
