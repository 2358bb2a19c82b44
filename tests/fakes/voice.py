"""A small connector that declares ``Capability.reply``, and a fake platform for it: enough to test voices
(their credentials, masking, the replier they build, the check) without any real platform's formats."""

from __future__ import annotations

from typing import Any, ClassVar

import orjson
from pydantic import BaseModel, SecretStr
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from fakes.base import FakePlatform
from luister.connectors.base import Capability, Posted, ReplyRefused, ReplyTarget
from luister.hookspecs import hookimpl
from luister.net.http import FetchError
from luister.testing import FakeConnector

TOKEN = "tok-4f9a2c71e0b3XY"  # a voice's valid access token in these tests: "XY" may be shown, no more


class EchoVoice(BaseModel):
    base_url: str
    access_token: SecretStr
    password: SecretStr | None = None


class EchoPlatform(FakePlatform):
    """GET /limit answers the text limit for the bearer ``TOKEN``, 401 otherwise."""

    def rules(self) -> list[Rule]:
        return [Rule("/limit", endpoint="limit", methods=["GET"])]

    def limit(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self.json({"error": "The access token is invalid"}, status=401)
        return self.json({"limit": 500})


class EchoReplier:
    def __init__(self, voice: EchoVoice, http: Any) -> None:
        self.voice, self.http = voice, http

    async def limit(self) -> int:
        headers = {"Authorization": f"Bearer {self.voice.access_token.get_secret_value()}"}
        try:
            found = await self.http.get(f"{self.voice.base_url}/limit", headers=headers)
        except FetchError as exc:
            if exc.status == 401:
                raise ReplyRefused("credentials", "the access token was refused") from None
            raise
        return int(orjson.loads(found.content)["limit"])

    def length(self, text: str) -> int:
        return len(text)

    async def reply(self, target: ReplyTarget, text: str, *, key: str) -> Posted:
        raise NotImplementedError

    async def find_reply(self, target: ReplyTarget, *, key: str, text: str) -> Posted | None:
        return None


class EchoConnector(FakeConnector):
    name: ClassVar[str] = "echo"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.read, Capability.reply})
    voice_model: ClassVar[type[BaseModel]] = EchoVoice

    @classmethod
    def replier(cls, voice: EchoVoice, *, http: Any) -> EchoReplier:
        return EchoReplier(voice, http)


class EchoPlugin:
    @hookimpl
    def luister_connectors(self) -> list[type]:
        return [EchoConnector, FakeConnector]


CONNECTORS: dict[str, type[Any]] = {"echo": EchoConnector, "fake": FakeConnector}
