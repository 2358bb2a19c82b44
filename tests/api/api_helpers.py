"""Helpers of the API tests: an in-process app with an account and an API token per role; demo mentions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine

from luister.app import create_app
from luister.connectors.records import FieldMapping
from luister.domain.accounts import Role
from luister.runtime import Runtime
from luister.services.accounts import create_user
from luister.services.analysis import ingest_enrichers
from luister.services.api_tokens import create_token
from luister.services.ingest import Pipeline
from luister.settings import Settings
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item, record

PASSWORD = "a long and secret passphrase"


def email(role: str) -> str:
    return f"{role}@voltaro.example"


@dataclass
class Api:
    """The app's client, and a valid token for each role."""

    client: TestClient
    engine: Engine
    settings: Settings
    tokens: dict[str, str]

    def headers(self, role: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def get(self, url: str, *, role: str = "admin", **kwargs: Any) -> Response:
        return self.client.get(url, headers=self.headers(role), **kwargs)

    def post(self, url: str, *, role: str = "admin", **kwargs: Any) -> Response:
        return self.client.post(url, headers=self.headers(role), **kwargs)

    def put(self, url: str, *, role: str = "admin", **kwargs: Any) -> Response:
        return self.client.put(url, headers=self.headers(role), **kwargs)

    def patch(self, url: str, *, role: str = "admin", **kwargs: Any) -> Response:
        return self.client.patch(url, headers=self.headers(role), **kwargs)

    def delete(self, url: str, *, role: str = "admin", **kwargs: Any) -> Response:
        return self.client.delete(url, headers=self.headers(role), **kwargs)


def make_api(settings: Settings, engine: Engine) -> Api:
    tokens = {}
    for role in Role:
        create_user(engine=engine, email=email(role.value), name=role.value, password=PASSWORD, role=role)
        tokens[role.value] = create_token(engine=engine, email=email(role.value), name="tests").secret
    return Api(TestClient(create_app(Runtime(settings, engine=engine))), engine, settings, tokens)


TEXTS = [
    "Voltaro storing: de app ligt eruit en niemand helpt me, slechte service",
    "Super geholpen door Voltaro, top service en snel antwoord",
    "Stroomwijs verhoogt de prijzen weer, ik stap over",
    "Does anyone know if Voltaro supports dynamic tariffs?",
]


def seed(settings: Settings, engine: Engine, count: int = 12, *, analyse: bool = True) -> None:
    """``count`` mentions through the real pipeline (with analysis), one thread per channel."""
    items = [
        raw_item(
            record(
                n,
                text=f"{TEXTS[n % len(TEXTS)]} ({n})",
                channel=("mastodon", "reddit", "rss")[n % 3],
                country=("NL", "BE")[n % 2],
                thread_id=f"t{n % 3}",
                lang=None,
            ),
            f"line {n}",
        )
        for n in range(count)
    ]
    enrichers = ingest_enrichers(settings=settings) if analyse else []
    Pipeline(
        mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test", enrichers=enrichers
    ).run_batch(items)
