"""Helpers shared by luister's tests and by plugin authors: raw items and files in known shapes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import orjson
from pydantic import BaseModel

from luister.connectors.base import Capability, ConnectorError, Health, Page
from luister.connectors.records import FieldMapping
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention
from luister.storage.secrets import Cipher

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from luister.runtime import Runtime
    from luister.settings import Settings

BASE_TIME = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def record(n: int, **fields: Any) -> dict[str, Any]:
    """A realistic import record number ``n``; ``fields`` override."""
    base: dict[str, Any] = {
        "id": f"m{n}",
        "channel": "mastodon",
        "text": f"Bericht {n}: de Voltaro app laadt traag bij het inloggen, iemand anders ook last? #{n % 7}",
        "author": f"user{n % 97}",
        "created_at": (BASE_TIME + timedelta(minutes=n)).isoformat().replace("+00:00", "Z"),
        "url": f"https://mastodon.example/@user{n % 97}/{n}",
        "lang": "nl",
        "followers": n % 1000,
    }
    base.update(fields)
    return base


def raw_item(data: Mapping[str, Any], position: str = "line 1") -> RawItem:
    return RawItem(raw=orjson.dumps(data).decode(), position=position, data=dict(data))


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any] | str]) -> Path:
    """Write records (dicts, or literal lines for broken input) one per line."""
    with path.open("wb") as out:
        for item in records:
            out.write(item.encode() if isinstance(item, str) else orjson.dumps(item))
            out.write(b"\n")
    return path


class FakeOptions(BaseModel):
    pages: list[list[dict[str, Any]]] = []
    fail_at_page: int | None = None  # raise instead of yielding this page (0-based)
    problems: list[str] = []  # reported on every page, as a connector does for a malformed payload
    api_token: str | None = None


class FakeConnector:
    """A connector serving fixed pages, for tests of the scheduler and for plugin authors to copy."""

    name: ClassVar[str] = "fake"
    options_model: ClassVar[type[BaseModel]] = FakeOptions
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.read})
    max_concurrency: ClassVar[int] = 1
    poll_interval: ClassVar[int] = 60

    def __init__(self, options: FakeOptions, *, http: object = None) -> None:
        self.options = options

    async def check_credentials(self) -> Health:
        return Health(ok=True)

    async def fetch(self, query: str | None, cursor: dict[str, Any] | None) -> AsyncIterator[Page]:
        start = int((cursor or {}).get("page", 0))
        for number in range(start, len(self.options.pages)):
            if number == self.options.fail_at_page:
                raise ConnectorError(f"platform answered 503 for page {number}")
            items = [raw_item(r, f"page {number} item {i}") for i, r in enumerate(self.options.pages[number])]
            yield Page(items=items, cursor={"page": number + 1}, errors=list(self.options.problems))

    def map_item(self, item: RawItem, *, fetched_at: datetime) -> Mention:
        return FieldMapping(channel="fake").map(item, fetched_at)

    def health(self) -> Health:
        return Health(ok=True)


class RecordedSleeps(list[float]):
    """An injectable ``sleep`` for :class:`~luister.net.http.SafeHttp`: records waits, sleeps not."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


EMAIL = "anouk@voltaro.example"
PASSWORD = "correct horse battery staple"


def create_account(settings: Settings, *, role: str = "analyst") -> None:
    """The test account (``EMAIL`` / ``PASSWORD``) in the database of ``settings``."""
    from luister.domain.accounts import Role
    from luister.services.accounts import create_user
    from luister.services.database import open_database

    engine = open_database(settings=settings)
    create_user(engine=engine, email=EMAIL, name="Anouk <de Vries>", password=PASSWORD, role=Role(role))
    engine.dispose()


def signed_in_client(settings: Settings):  # type: ignore[no-untyped-def]
    """A TestClient with a session, signed in through the real login form."""
    import re

    from fastapi.testclient import TestClient

    from luister.app import create_app
    from luister.runtime import Runtime
    from luister.services.database import open_database

    create_account(settings)
    client = TestClient(create_app(Runtime(settings, engine=open_database(settings=settings))))
    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf": token, "next": "/"},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303, response.text
    return client


def sign_in(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the login page in the browser."""
    page.goto(base_url + "/")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/")


def raise_alert(
    engine: Any, settings: Settings, *, rule: str, text: str, topic: str | None = None,
    playbook: dict[str, Any] | None = None, at: datetime | None = None,
) -> int:  # fmt: skip
    """An alert raised the way luister raises them: a crisis-intent rule, then a mention with ``text``
    stored (analysed and matched to topics); returns the alert's id."""
    from luister.alerts.actions import save_rule
    from luister.alerts.model import RuleKind
    from luister.alerts.read import list_alerts
    from luister.alerts.watch import AlertWatcher
    from luister.services.events import EventBus
    from luister.services.ingest import Pipeline
    from luister.storage.writer import SqlMentionStore

    at = at or datetime.now(UTC).replace(microsecond=0)
    save_rule(
        engine=engine,
        actor="test",
        name=rule,
        kind=RuleKind.intent,
        intent="crisis",
        topic_name=topic,
        playbook=playbook,
    )
    watcher = AlertWatcher(engine=engine, settings=settings, deliver=False, clock=lambda: at)
    item = raw_item({"id": f"{rule}-1", "channel": "bluesky", "text": text, "created_at": at.isoformat(),
                     "author": "<b>hacker</b>", "followers": 5000})  # fmt: skip
    enrichers = runtime_for(settings, engine).enrichers()
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test", enrichers=enrichers,
             events=watcher.subscribe(EventBus())).run_batch([item])  # fmt: skip
    return next(a.id for a in list_alerts(engine=engine) if a.rule == rule)


def runtime_for(settings: Settings, engine: Engine, *, analysis: bool = True) -> Runtime:
    """A runtime over a test's database; ``analysis=False`` leaves language and sentiment out (faster)."""
    from luister.runtime import Runtime
    from luister.settings import AnalysisSetting

    if not analysis:
        settings = settings.model_copy(update={"analysis": AnalysisSetting.off})
    return Runtime(settings, engine=engine)


TESTING_KEY = b"bHVpc3Rlci10ZXN0aW5nLWtleS0wMTIzNDU2Nzg5YWI="  # a Fernet key for tests only


def sealing_cipher() -> Cipher:
    """A cipher with a fixed key, for tests that store secret options without a runtime."""
    return Cipher([TESTING_KEY])
