"""``/alert-rules`` and ``/alert-channels``: what to watch and where to send it, as ``luister alerts rules``
and ``luister alerts channels`` manage them. A rule on a topic of another department is as unknown as one
that does not exist; channel secrets (and URLs) are sealed at rest and never come back."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from luister.alerts import actions
from luister.alerts.channels.setup import channel_kinds, is_channel_secret
from luister.alerts.model import (
    AlertRuleError,
    ChannelError,
    ChannelNameTaken,
    RuleNameTaken,
    UnknownChannel,
    UnknownRule,
)
from luister.alerts.read import get_channel, get_rule, list_channels, list_rules
from luister.alerts.rules import RuleRead
from luister.api.alert_setup_schemas import (
    NOT_NULL,
    AlertChannelCreate,
    AlertChannelKind,
    AlertChannelRead,
    AlertChannelUpdate,
    AlertRuleCreate,
    AlertRuleRead,
    AlertRuleUpdate,
    ChannelOption,
)
from luister.api.auth import caller
from luister.api.problems import ApiError, invalid, responses
from luister.api.schemas import NO_CONTROL
from luister.domain.accounts import Permission
from luister.runtime import Runtime
from luister.services.accounts import UserRead

RuleName = Annotated[
    str, Path(min_length=1, max_length=120, pattern=NO_CONTROL, description="The alert rule's name.")
]
ChannelName = Annotated[str, Path(min_length=1, max_length=120, description="The alert channel's name.")]
NO_RULE = "no alert rule by this name"  # the same for one of another department: its name is not echoed
NO_CHANNEL = "no alert channel by this name"


@contextmanager
def unknown_is_404() -> Iterator[None]:
    """A rule or channel that is not there, or that the caller may not see, answers the same 404."""
    try:
        yield
    except UnknownRule:
        raise ApiError(404, NO_RULE) from None
    except UnknownChannel:
        raise ApiError(404, NO_CHANNEL) from None


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["alert setup"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Manager = Annotated[UserRead, Depends(caller(engine, Permission.manage))]

    def shown(name: str, user: UserRead) -> RuleRead:
        with unknown_is_404():
            return get_rule(engine=engine, name=name, scope=user.scope)

    @router.get("/alert-rules", response_model=list[AlertRuleRead], responses=responses(403))
    def alert_rules_list(user: Reader) -> list[AlertRuleRead]:
        """Every rule over all mentions or on a topic of the caller's departments."""
        return [AlertRuleRead.of(r) for r in list_rules(engine=engine, scope=user.scope)]

    @router.post(
        "/alert-rules", status_code=201, response_model=AlertRuleRead, responses=responses(400, 403, 409)
    )
    def alert_rule_create(body: AlertRuleCreate, user: Manager) -> AlertRuleRead:
        """Add a rule (409 when its name is taken; PATCH changes one). Its topic and channels must exist."""
        values = body.changes() | {"kind": body.kind}
        values.pop("name", None)
        try:
            saved = actions.save_rule(engine=engine, actor=user.email, name=body.name, scope=user.scope,
                                      replace=False, **values)  # fmt: skip
        except RuleNameTaken as exc:
            raise ApiError(409, str(exc)) from None
        except AlertRuleError as exc:
            raise invalid(str(exc)) from None
        return AlertRuleRead.of(saved)

    @router.get("/alert-rules/{name:path}", response_model=AlertRuleRead, responses=responses(403, 404))
    def alert_rule_read(name: RuleName, user: Reader) -> AlertRuleRead:
        return AlertRuleRead.of(shown(name, user))

    @router.patch(
        "/alert-rules/{name:path}", response_model=AlertRuleRead, responses=responses(400, 403, 404, 409)
    )
    def alert_rule_update(name: RuleName, body: AlertRuleUpdate, user: Manager) -> AlertRuleRead:
        """Change what is given; a field left out keeps its value (`topic` null: over all mentions).
        A `name` renames the rule (409 when another rule has it); its alerts stay with it."""
        shown(name, user)
        changes = body.changes()
        if nulls := sorted(field for field in NOT_NULL if field in changes and changes[field] is None):
            raise invalid(f"{', '.join(nulls)}: may not be null (leave it out to keep it)")
        try:
            with unknown_is_404():
                saved = actions.update_rule(
                    engine=engine, actor=user.email, name=name, changes=changes, scope=user.scope
                )
        except RuleNameTaken as exc:
            raise ApiError(409, str(exc)) from None
        except AlertRuleError as exc:
            raise invalid(str(exc)) from None
        return AlertRuleRead.of(saved)

    @router.delete(
        "/alert-rules/{name:path}", status_code=204, response_class=Response, responses=responses(403, 404)
    )
    def alert_rule_delete(name: RuleName, user: Manager) -> Response:
        """Delete a rule and its alerts."""
        shown(name, user)
        with unknown_is_404():
            actions.remove_rule(engine=engine, actor=user.email, name=name)
        return Response(status_code=204)

    @router.get("/alert-channel-kinds", response_model=list[AlertChannelKind], responses=responses(403))
    def alert_channel_kinds(user: Reader) -> list[AlertChannelKind]:
        """The installed channel kinds and their options (secret ones are sealed and never shown)."""
        return [
            AlertChannelKind(
                kind=kind,
                options=[
                    ChannelOption(
                        name=key,
                        required=f.is_required(),
                        secret=is_channel_secret(key),
                        description=f.description or "",
                    )
                    for key, f in cls.options_model.model_fields.items()
                ],
            )  # fmt: skip
            for kind, cls in sorted(channel_kinds().items())
        ]

    @router.get("/alert-channels", response_model=list[AlertChannelRead], responses=responses(403))
    def alert_channels_list(user: Reader) -> list[AlertChannelRead]:
        """Every alert channel (the company's) with its deliveries; secrets and URLs read `***`."""
        return [AlertChannelRead.of(c) for c in list_channels(engine=engine)]

    @router.post(
        "/alert-channels",
        status_code=201,
        response_model=AlertChannelRead,
        responses=responses(400, 403, 409),
    )
    def alert_channel_create(body: AlertChannelCreate, user: Manager) -> AlertChannelRead:
        """Add a channel; its options are checked against the kind's, its secrets sealed at rest."""
        try:
            added = actions.add_channel(engine=engine, actor=user.email, name=body.name, kind=body.kind,
                                        options=body.options, cipher=runtime.cipher)  # fmt: skip
        except ChannelNameTaken as exc:
            raise ApiError(409, str(exc)) from None
        except ChannelError as exc:
            raise invalid(str(exc)) from None
        return AlertChannelRead.of(added)

    @router.get("/alert-channels/{name}", response_model=AlertChannelRead, responses=responses(403, 404))
    def alert_channel_read(name: ChannelName, user: Reader) -> AlertChannelRead:
        with unknown_is_404():
            return AlertChannelRead.of(get_channel(engine=engine, name=name))

    @router.patch(
        "/alert-channels/{name}", response_model=AlertChannelRead, responses=responses(400, 403, 404)
    )
    def alert_channel_update(name: ChannelName, body: AlertChannelUpdate, user: Manager) -> AlertChannelRead:
        """Change a channel's options, checked as when adding. A secret left out, empty or `***` keeps
        its sealed value; one given anew is sealed in its place."""
        try:
            with unknown_is_404():
                changed = actions.change_channel(engine=engine, actor=user.email, name=name,
                                                 options=body.options, cipher=runtime.cipher)  # fmt: skip
        except ChannelError as exc:
            raise invalid(str(exc)) from None
        return AlertChannelRead.of(changed)

    @router.delete(
        "/alert-channels/{name}", status_code=204, response_class=Response, responses=responses(403, 404)
    )
    def alert_channel_delete(name: ChannelName, user: Manager) -> Response:
        """Delete a channel (its delivery history stays); rules that name it fail their deliveries to it."""
        with unknown_is_404():
            actions.remove_channel(engine=engine, actor=user.email, name=name)
        return Response(status_code=204)

    return router
