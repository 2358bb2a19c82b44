"""``/mention-tags``: the tags people put on mentions (from the mention list's bulk selection), with how
many mentions have each; rename, merge and delete them on every mention at once. Departments scope topics,
not mentions: whoever may read mentions reads every tag; changing them needs the permission to correct."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, StringConstraints

from luister.api.auth import caller
from luister.api.problems import ApiError, invalid, responses
from luister.api.schemas import NO_CONTROL
from luister.domain.accounts import Permission
from luister.listening import actions
from luister.listening.read import tag_count, tag_counts
from luister.listening.saved import MAX_TAG, SavedSearchError
from luister.runtime import Runtime
from luister.services.accounts import UserRead

TagName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TAG, pattern=NO_CONTROL)]


class MentionTagRead(BaseModel):
    name: str
    mentions: int = Field(description="How many mentions have the tag.")


class MentionTagRename(BaseModel):
    model_config = {"extra": "forbid"}

    tag: TagName
    to: TagName = Field(description="A name no mention has yet (merge onto a tag in use).")


class MentionTagMerge(BaseModel):
    model_config = {"extra": "forbid"}

    tag: TagName = Field(description="The tag that goes: its mentions get `into`.")
    into: TagName = Field(description="The tag that stays (one in use).")


class MentionTagDelete(BaseModel):
    model_config = {"extra": "forbid"}

    tag: TagName


class MentionTagChange(BaseModel):
    tag: str = Field(description="The tag that was changed.")
    mentions: int = Field(description="How many mentions the change touched.")


def _refusal(exc: SavedSearchError) -> ApiError:
    if exc.code == "unknown_tag":
        return ApiError(404, str(exc))
    if exc.code == "tag_taken":
        return ApiError(409, str(exc))
    return invalid(str(exc))


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["mentions"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Corrector = Annotated[UserRead, Depends(caller(engine, Permission.correct))]

    @router.get("/mention-tags", response_model=list[MentionTagRead], responses=responses(403))
    def list_tags(user: Reader) -> list[MentionTagRead]:
        """Every tag on mentions, alphabetically, with how many mentions have it."""
        return [MentionTagRead(name=t.name, mentions=t.mentions) for t in tag_counts(engine=engine)]

    def changed(change: Callable[[], object], name: str) -> MentionTagRead:
        """Make ``change``; the tag ``name`` (as stored: white space folded) with its count after it."""
        try:
            change()
        except SavedSearchError as exc:
            raise _refusal(exc) from None
        stored = " ".join(name.split())
        return MentionTagRead(name=stored, mentions=tag_count(engine=engine, tag=stored))

    @router.post(
        "/mention-tags/rename", response_model=MentionTagRead, responses=responses(400, 403, 404, 409, 422)
    )
    def rename_tag(body: MentionTagRename, user: Corrector) -> MentionTagRead:
        """Rename a tag on every mention that has it (404: no mention has it; 409: `to` is in use)."""
        return changed(lambda: actions.rename_tag(engine=engine, tag=body.tag, to=body.to, actor=user.email),
                       body.to)  # fmt: skip

    @router.post(
        "/mention-tags/merge", response_model=MentionTagRead, responses=responses(400, 403, 404, 422)
    )
    def merge_tags(body: MentionTagMerge, user: Corrector) -> MentionTagRead:
        """Merge `tag` into `into`: its mentions get `into` (once) and `tag` is gone (404: either unused)."""
        return changed(lambda: actions.merge_tags(engine=engine, tag=body.tag, into=body.into,
                                                  actor=user.email), body.into)  # fmt: skip

    @router.post(
        "/mention-tags/delete", response_model=MentionTagChange, responses=responses(400, 403, 404, 422)
    )
    def delete_tag(body: MentionTagDelete, user: Corrector) -> MentionTagChange:
        """Take a tag off every mention that has it (the mentions stay; the audit log keeps which)."""
        try:
            removed = actions.delete_tag(engine=engine, tag=body.tag, actor=user.email)
        except SavedSearchError as exc:
            raise _refusal(exc) from None
        return MentionTagChange(tag=body.tag, mentions=removed)

    return router
