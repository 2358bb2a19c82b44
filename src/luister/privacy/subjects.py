"""Who a privacy request is about (pure): an author's handle on one channel, an author's name, or the
author of one stored mention."""

from __future__ import annotations

from dataclasses import dataclass

from luister.domain.errors import MappingError
from luister.domain.mentions import normalise_channel, normalise_inline


class SubjectError(ValueError):
    """The request names nobody luister could look for."""


@dataclass(frozen=True, slots=True)
class Subject:
    """Exactly one of: ``handle`` with ``channel``; ``name`` (any channel, or one); ``mention_id``."""

    channel: str | None = None
    handle: str | None = None
    name: str | None = None
    mention_id: int | None = None

    @classmethod
    def of(
        cls,
        *,
        channel: str | None = None,
        handle: str | None = None,
        name: str | None = None,
        mention_id: int | None = None,
    ) -> Subject:
        """Validated and normalised as mentions are (so a handle matches as it was stored)."""
        given = [what for what, value in (("handle", handle), ("name", name), ("mention", mention_id))
                 if value not in (None, "")]  # fmt: skip
        if len(given) != 1:
            raise SubjectError("name exactly one of: a handle (with its channel), a name, or a mention id")
        try:
            clean_channel = normalise_channel(channel) if channel else None
        except MappingError as exc:
            raise SubjectError(str(exc)) from None
        if handle is not None and handle != "":
            clean = normalise_inline(handle)
            if clean is None or clean_channel is None:
                raise SubjectError("a handle is looked up per channel: give --channel too")
            return cls(channel=clean_channel, handle=clean.lstrip("@"))
        if name is not None and name != "":
            clean = normalise_inline(name)
            if clean is None:
                raise SubjectError("the name is empty")
            return cls(channel=clean_channel, name=clean)
        if mention_id is None or mention_id < 1:
            raise SubjectError("a mention id is a positive number")
        return cls(mention_id=mention_id)

    @property
    def kind(self) -> str:
        """What the request named, without naming anybody (for the audit log)."""
        return "handle" if self.handle else "name" if self.name else "mention"

    def describe(self) -> str:
        """For the person handling the request (never stored)."""
        if self.handle:
            return f"handle {self.handle!r} on {self.channel}"
        if self.name:
            return f"name {self.name!r}" + (f" on {self.channel}" if self.channel else "")
        return f"the author of mention {self.mention_id}"
