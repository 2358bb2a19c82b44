"""Voices and presence over REST: ``/voices`` (the accounts the company speaks from: list, add, read,
change, remove, and check that a voice's credentials work) and ``/conversations/{id}/presence`` (who else
has a conversation open, and who is typing in it).

Reading voices takes ``view``; managing them ``manage``, within the caller's own department unless they
work across departments. Credentials go in and never come out: every answer shows them masked (the
fields' names, ``••••`` and at most a token's last two characters). Each change is one action of
:mod:`luister.inbox.voices`, which audits it without the secrets."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, Field, StringConstraints

from luister.api.auth import acting, caller
from luister.api.problems import ApiError, invalid, responses
from luister.api.schemas import NO_CONTROL, NO_NUL, Name
from luister.domain.accounts import Permission
from luister.domain.addressing import MAX_ID
from luister.inbox import presence, voices
from luister.inbox.model import UnknownConversation
from luister.runtime import Runtime
from luister.services.accounts import UserRead

VoiceId = Annotated[int, Path(ge=1, le=MAX_ID, description="The voice's id.", examples=[1])]
ConversationId = Annotated[int, Path(ge=1, le=MAX_ID, description="The conversation's id.", examples=[1])]
Channel = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=NO_CONTROL)]
Handle = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=NO_CONTROL)]
ConnectorName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_CONTROL)]
DepartmentKey = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=NO_CONTROL)]
Credential = Annotated[str, StringConstraints(max_length=4000, pattern=NO_NUL)] | int | float | bool | None
CREDENTIALS = (
    "The connector's voice settings (see its `voice_model` in docs/plugins.md), secrets in plain text: they "
    "are stored encrypted and never shown again."
)


class VoiceBase(BaseModel):
    name: Name = Field(description="How the voice is called in luister.", examples=["Voltaro"])
    department: DepartmentKey | None = Field(
        None, description="The department whose voice it is; none: the whole company's."
    )
    active: bool = Field(True, description="Whether it replies (its posts are recognised as ours anyway).")


class VoiceCreate(VoiceBase):
    channel: Channel = Field(description="The platform, as mentions carry it.", examples=["mastodon"])
    handle: Handle = Field(description="The account, as mentions carry it.", examples=["@voltaro"])
    connector: ConnectorName | None = Field(
        None,
        description="The connector that replies for it (one that can reply); none: it only "
        "recognises our own posts.",
    )
    credentials: dict[str, Credential] | None = Field(None, description=CREDENTIALS)


class VoiceUpdate(BaseModel):
    """What is given changes; what is left out stays. ``credentials`` replace the stored ones;
    ``connector: null`` drops the connector and its credentials."""

    name: Name | None = None
    department: DepartmentKey | None = None
    active: bool | None = None
    connector: ConnectorName | None = None
    credentials: dict[str, Credential] | None = Field(None, description=CREDENTIALS)


class VoiceRead(BaseModel):
    id: int
    channel: str
    handle: str
    name: str
    connector: str | None
    active: bool
    department: str | None
    credentials: dict[str, str] = Field(
        description="The stored credentials, masked: each field's name with `••••` and at most a token's "
        "last two characters (nothing of a password); empty when there are none or they cannot be read."
    )
    has_credentials: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, v: voices.VoiceRead) -> "VoiceRead":
        return cls(
            id=v.id,
            channel=v.channel,
            handle=v.handle,
            name=v.name,
            connector=v.connector,
            active=v.active,
            department=v.department,
            credentials=dict(v.credentials),
            has_credentials=v.has_credentials,
            created_at=v.created_at,
            updated_at=v.updated_at,
        )


class VoiceCheckRead(BaseModel):
    ok: bool = Field(description="Whether the platform took the voice's credentials.")
    message: str
    limit: int | None = Field(None, description="The longest reply the platform takes, when it answered.")


class PresenceUpdate(BaseModel):
    typing: bool = Field(False, description="Whether the caller is typing a reply or a note right now.")


class PresenceRead(BaseModel):
    viewing: list[str] = Field(description="Who else has the conversation open (names, else e-mails).")
    typing: list[str] = Field(description="Who of them is typing.")


@contextmanager
def refusals() -> Iterator[None]:
    """Unknown (or unseen) voice 404, another department's voice 403, a voice still used 409, bad input
    (or credentials that cannot be encrypted) 422 with the field."""
    try:
        yield
    except voices.UnknownVoice as exc:
        raise ApiError(404, str(exc)) from None
    except voices.VoiceForbidden as exc:
        raise ApiError(403, str(exc)) from None
    except voices.VoiceError as exc:
        if exc.field == "voice":
            raise ApiError(409, str(exc)) from None
        problem = invalid(str(exc))
        if exc.field:
            loc: list[str | int] = ["body", *exc.field.split(".")]
            problem.extra["errors"] = [{"loc": loc, "msg": str(exc), "type": "value_error"}]
        raise problem from None


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["inbox"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Manager = Annotated[UserRead, Depends(acting(engine, Permission.manage, lambda: runtime.clock()))]

    def shown(user: UserRead, voice_id: int) -> VoiceRead:
        with refusals():
            found = voices.voice_detail(
                engine=engine,
                voice_id=voice_id,
                scope=user.scope,
                connectors=runtime.connectors(),
                cipher=runtime.cipher,
            )
        return VoiceRead.of(found)

    @router.get("/voices", response_model=list[VoiceRead], responses=responses(403))
    def voices_list(user: Reader) -> list[VoiceRead]:
        """The voices of the caller's department and the company's, credentials masked."""
        found = voices.list_voices(
            engine=engine, scope=user.scope, connectors=runtime.connectors(), cipher=runtime.cipher
        )
        return [VoiceRead.of(v) for v in found]

    @router.post("/voices", status_code=201, response_model=VoiceRead, responses=responses(400, 403))
    def voice_create(body: VoiceCreate, user: Manager) -> VoiceRead:
        """Add a voice; with a `connector`, its `credentials` are checked against the connector's voice
        settings (422 naming the field) and stored encrypted (422 in production without
        `LUISTER_ENCRYPTION_KEY`)."""
        with refusals():
            voice_id = voices.add_voice(
                engine=engine,
                actor=user.email,
                channel=body.channel,
                handle=body.handle,
                name=body.name,
                connector=body.connector,
                credentials=body.credentials,
                department_key=body.department,
                active=body.active,
                scope=user.scope,
                connectors=runtime.connectors(),
                cipher=runtime.cipher,
            )
        return shown(user, voice_id)

    @router.get("/voices/{voice_id}", response_model=VoiceRead, responses=responses(403, 404))
    def voice_read(voice_id: VoiceId, user: Reader) -> VoiceRead:
        return shown(user, voice_id)

    @router.patch("/voices/{voice_id}", response_model=VoiceRead, responses=responses(400, 403, 404))
    def voice_update(voice_id: VoiceId, body: VoiceUpdate, user: Manager) -> VoiceRead:
        """Change what is given; `credentials` replace the stored ones, `connector: null` drops both."""
        given = body.model_fields_set
        changes: dict[str, Any] = {}
        if "connector" in given:
            changes["connector"] = body.connector
        if "department" in given:
            changes["department_key"] = body.department
        with refusals():
            voices.update_voice(
                engine=engine,
                actor=user.email,
                voice_id=voice_id,
                now=runtime.clock(),
                name=body.name,
                credentials=body.credentials,
                active=body.active,
                scope=user.scope,
                connectors=runtime.connectors(),
                cipher=runtime.cipher,
                **changes,
            )
        return shown(user, voice_id)

    @router.delete(
        "/voices/{voice_id}", status_code=204, response_class=Response, responses=responses(403, 404, 409)
    )
    def voice_delete(voice_id: VoiceId, user: Manager) -> Response:
        """Remove a voice nothing refers to yet (409 when it has replies: deactivate it instead)."""
        with refusals():
            voices.delete_voice(engine=engine, actor=user.email, voice_id=voice_id, scope=user.scope)
        return Response(status_code=204)

    @router.post("/voices/{voice_id}/check", response_model=VoiceCheckRead, responses=responses(403, 404))
    async def voice_check(voice_id: VoiceId, user: Manager) -> VoiceCheckRead:
        """Ask the platform whether the voice's credentials work (its text limit proves it)."""
        with refusals():
            async with runtime.http() as http:
                found = await voices.check_voice(
                    engine=engine,
                    voice_id=voice_id,
                    scope=user.scope,
                    connectors=runtime.connectors(),
                    cipher=runtime.cipher,
                    http=http,
                )
        return VoiceCheckRead(ok=found.ok, message=found.message, limit=found.limit)

    @router.post(
        "/conversations/{conversation_id}/presence",
        response_model=PresenceRead,
        responses=responses(400, 403, 404),
    )
    def conversation_presence(
        conversation_id: ConversationId, body: PresenceUpdate, user: Reader
    ) -> PresenceRead:
        """The caller has the conversation open (and is typing, or not); answers who else has it open and
        who of them is typing, as of the last few seconds. Ping it every second or so."""
        try:
            found = presence.ping(
                engine=engine,
                conversation_id=conversation_id,
                user_id=user.id,
                typing=body.typing,
                now=runtime.clock(),
                scope=user.scope,
            )
        except UnknownConversation as exc:
            raise ApiError(404, str(exc)) from None
        return PresenceRead(viewing=found.viewing, typing=found.typing)

    return router
