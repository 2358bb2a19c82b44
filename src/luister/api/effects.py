"""``/effects``: the ledger of outbound actions — what luister sent, is sending or could not send
(administrators; docs/replies.md)."""

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from luister.api.auth import caller
from luister.api.problems import ApiError, responses
from luister.domain.accounts import Permission
from luister.domain.addressing import MAX_ID
from luister.effects.actions import retry, settle_by_hand
from luister.effects.read import effect_detail, list_effects
from luister.runtime import Runtime
from luister.services import audit
from luister.services.accounts import UserRead

EffectState = Literal["planned", "sending", "sent", "unknown", "failed", "dead", "cancelled"]


class EffectRead(BaseModel):
    """One outbound action. ``unknown``: it may have arrived and is being checked at the platform."""

    id: int
    kind: str
    lane: str
    state: EffectState
    origin: str | None
    key: str
    attempts: int
    max_attempts: int
    remote_id: str | None
    remote_url: str | None
    last_error: str | None
    error_code: str | None
    not_before: datetime | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    body: str


class EffectStepRead(BaseModel):
    at: datetime
    state: EffectState
    detail: str | None


class EffectDetail(EffectRead):
    history: list[EffectStepRead]


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["effects"])
    engine = runtime.engine
    Admin = Annotated[UserRead, Depends(caller(engine, Permission.admin))]

    @router.get("/effects", response_model=list[EffectRead], responses=responses(403))
    def effects_list(
        _user: Admin,
        state: Annotated[list[EffectState] | None, Query(description="Only these states.")] = None,
        lane: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z]+(:[0-9]+)?$")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[EffectRead]:
        """The newest effects first."""
        with engine.connect() as conn:
            found = list_effects(conn, states=state or (), lane=lane, limit=limit)
        return [EffectRead(**asdict(e)) for e in found]

    @router.get("/effects/{effect_id}", response_model=EffectDetail, responses=responses(403, 404))
    def effects_get(_user: Admin, effect_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> EffectDetail:
        """One effect with every state it went through, and why."""
        with engine.connect() as conn:
            found = effect_detail(conn, effect_id)
        if found is None:
            raise ApiError(404, f"there is no effect {effect_id}")
        view, steps = found
        return EffectDetail(**asdict(view), history=[EffectStepRead(**asdict(s)) for s in steps])

    @router.post(
        "/effects/{effect_id}/retry", response_model=EffectDetail, responses=responses(403, 404, 409)
    )
    def effects_retry(user: Admin, effect_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> EffectDetail:
        """Give a dead effect new attempts; the platform is checked first, so nothing is sent twice."""
        with engine.begin() as conn:
            if effect_detail(conn, effect_id) is None:
                raise ApiError(404, f"there is no effect {effect_id}")
            if not retry(conn, effect_id=effect_id, now=datetime.now(UTC), actor=user.email):
                raise ApiError(409, f"effect {effect_id} is not dead; only a dead effect can be retried")
            audit.record(conn, actor=user.email, action="effect.retry", target=f"effect:{effect_id}")
        return effects_get(user, effect_id)

    @router.post(
        "/effects/{effect_id}/settle", response_model=EffectDetail, responses=responses(403, 404, 409)
    )
    def effects_settle(
        user: Admin, effect_id: Annotated[int, Path(ge=1, le=MAX_ID)], arrived: Annotated[bool, Query()]
    ) -> EffectDetail:
        """Settle an effect nobody can check (mail cut off while sent): ``arrived=true`` records it as
        sent, ``false`` sends it again."""
        with engine.begin() as conn:
            if effect_detail(conn, effect_id) is None:
                raise ApiError(404, f"there is no effect {effect_id}")
            if not settle_by_hand(conn, effect_id=effect_id, arrived=arrived, now=datetime.now(UTC),
                                  actor=user.email):  # fmt: skip
                raise ApiError(409, f"effect {effect_id} is not waiting to be settled by hand")
            audit.record(conn, actor=user.email, action="effect.settle", target=f"effect:{effect_id}",
                         detail={"arrived": arrived})  # fmt: skip
        return effects_get(user, effect_id)

    return router
