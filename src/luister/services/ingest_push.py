"""Webhook push: signed batches of mentions POSTed to a ``webhook`` source, stored through the pipeline.

The signature is the one luister puts on its own outbound alert webhooks
(:func:`luister.net.signing.signature_headers`): ``X-Luister-Timestamp: <unix seconds>`` and
``X-Luister-Signature: sha256=<hex>``, the HMAC-SHA256 with the source's secret of ``<timestamp>.<body>``.
It is checked before the body is parsed; a timestamp more than :data:`MAX_SKEW` away is refused, so a
captured request cannot be replayed later (and a replay within the window stores nothing new: writes are
idempotent on channel and id).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention
from luister.net.signing import signature_headers
from luister.services.events import EventBus
from luister.services.ingest import Enricher, IngestSummary, Pipeline
from luister.storage.secrets import Cipher, open_options
from luister.storage.tables import source, source_run
from luister.storage.writer import SqlMentionStore

WEBHOOK = "webhook"
MAX_SKEW = 300  # seconds between the sender's timestamp and ours
MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_ITEMS = 1000


class PushError(Exception):
    """A push is refused as a whole; ``kind`` says how (the API turns it into a status)."""

    def __init__(self, kind: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.kind = kind  # unknown_source, switched_off, signature, malformed, too_large
        self.extra = extra


@dataclass(frozen=True, slots=True)
class PushRejection:
    position: int  # the item's index in the request (0 for a single object)
    reason: str


@dataclass(frozen=True, slots=True)
class PushResult:
    received: int
    stored: int
    known: int  # already stored before (same channel and id): a redelivery stores nothing new
    rejected: list[PushRejection] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PushTarget:
    id: int
    name: str
    options: dict[str, Any]
    poll_interval: timedelta


def find_push_source(*, engine: Engine, cipher: Cipher, name: str) -> PushTarget:
    """The enabled webhook source ``name``; raises :class:`PushError` (``unknown_source``)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(source).where(source.c.name == name)).mappings().first()
    if row is None or row["connector"] != WEBHOOK:
        raise PushError("unknown_source", f"no webhook source named {name!r}")
    if not row["enabled"]:
        raise PushError("switched_off", f"the source {name!r} is switched off")
    return PushTarget(
        row["id"],
        row["name"],
        open_options(row["options"] or {}, cipher, what=f"source {row['name']!r}"),
        timedelta(seconds=row["poll_interval_s"] or 900),
    )


def verify_signature(
    *, secret: str, body: bytes, timestamp: str | None, signature: str | None, now: datetime
) -> None:
    """Raise :class:`PushError` (``signature``) unless ``signature`` signs ``body`` at a fresh time."""
    if not timestamp or not signature:
        raise PushError("signature", "X-Luister-Timestamp and X-Luister-Signature are required")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise PushError("signature", "X-Luister-Timestamp must be unix seconds")
    if abs(now.timestamp() - int(timestamp)) > MAX_SKEW:
        raise PushError("signature", f"X-Luister-Timestamp is more than {MAX_SKEW} s from the server's clock")
    expected = signature_headers(secret, body, int(timestamp))["X-Luister-Signature"]
    if not hmac.compare_digest(expected.encode(), signature.strip().encode("utf-8", "replace")):
        raise PushError("signature", "the signature does not match the body")


def parse_items(body: bytes) -> list[RawItem]:
    """One JSON object, an array of them, or ``{"mentions": [...]}``; each item keeps its own JSON as raw.

    Raises :class:`PushError` (``malformed`` with ``line``/``column``, or ``too_large``)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PushError(
            "malformed",
            f"the body is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            line=exc.lineno,
            column=exc.colno,
        ) from None
    if isinstance(data, dict) and set(data) == {"mentions"}:
        data = data["mentions"]
        if not isinstance(data, list):
            raise PushError("malformed", '"mentions" must be an array of objects')
    if not isinstance(data, list | dict):
        raise PushError("malformed", 'expected a JSON object, an array of objects or {"mentions": [...]}')
    items = data if isinstance(data, list) else [data]
    if len(items) > MAX_ITEMS:
        raise PushError("too_large", f"{len(items)} items in one request; at most {MAX_ITEMS}")
    return [
        RawItem(raw=orjson.dumps(item).decode(), position=f"item {i}", data=item)
        for i, item in enumerate(items)
    ]


class PushReceiver:
    """Receives pushes for every webhook source: one per app. The enricher chain comes from the runtime
    (its models are loaded once; topic queries are read for every push, so a topic saved a moment ago
    already matches); ``events`` is the alert watcher's bus."""

    def __init__(
        self,
        *,
        engine: Engine,
        connectors: Mapping[str, type[Any]],
        cipher: Cipher,
        enrichers: Callable[[], Sequence[Enricher]] = list,
        events: EventBus | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.connectors = connectors
        self.cipher = cipher
        self.store = SqlMentionStore(engine)
        self.clock = clock
        self.enrichers = enrichers  # the runtime's chain; the topics are read again for every push
        self.events = events

    def receive(
        self, *, source_name: str, body: bytes, timestamp: str | None, signature: str | None
    ) -> PushResult:
        """Check, parse and store one push; record it as a run of the source (its health shows pushes)."""
        started = self.clock()
        target = find_push_source(engine=self.engine, cipher=self.cipher, name=source_name)
        cls = self.connectors.get(WEBHOOK)
        if cls is None:
            raise PushError("unknown_source", "the webhook connector is not installed")
        options = cls.options_model(**target.options)
        verify_signature(
            secret=options.secret.get_secret_value(),
            body=body,
            timestamp=timestamp,
            signature=signature,
            now=started,
        )
        items = parse_items(body)
        connector = cls(options)

        def mapper(item: RawItem, fetched_at: datetime) -> Mention:
            mapped: Mention = connector.map_item(item, fetched_at=fetched_at)
            return mapped

        pipeline = Pipeline(
            mapper=mapper,
            store=self.store,
            origin=f"source:{target.name}",
            source_id=target.id,
            enrichers=self.enrichers(),
            events=self.events,
        )
        summary = pipeline.run(items, batch_size=MAX_ITEMS)
        record_push(
            engine=self.engine, target=target, summary=summary, started=started, finished=self.clock()
        )
        return PushResult(
            received=len(items),
            stored=summary.stored,
            known=summary.known,
            rejected=[
                PushRejection(int(r.position.removeprefix("item ")), r.reason) for r in summary.rejected
            ],
        )


def record_push(
    *, engine: Engine, target: PushTarget, summary: IngestSummary, started: datetime, finished: datetime
) -> None:
    """A push is a run of its source, as a poll is: it counts in the source's health. The next poll is
    put off, since a source that is pushed to has nothing to fetch."""
    with engine.begin() as conn:
        conn.execute(
            source.update()
            .where(source.c.id == target.id)
            .values(
                last_run_at=finished,
                last_success_at=finished,
                failures=0,
                next_run_at=finished + target.poll_interval,
            )
        )
        conn.execute(
            source_run.insert().values(
                source_id=target.id,
                started_at=started,
                finished_at=finished,
                fetched=summary.read,
                stored=summary.stored,
                rejected=summary.rejected_count,
                error=None,
            )
        )
