"""What luister holds about one person (no writes): their mentions with raw payloads, the quarantined
rows that name them, corrections of their mentions, alerts that show them as examples; and the archive
handed to them (JSON and CSV in one zip)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.inbox import privacy as inbox_privacy
from luister.privacy.subjects import Subject
from luister.storage.tables import alert, correction, mention, mention_topic, rejected, topic

_JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS  # row keys are str subclasses
CHUNK = 500  # ids per IN (…): well within both backends' limits on bound values


@dataclass(slots=True)
class Findings:
    """Everything found for one subject, as plain rows (column → value)."""

    subject: Subject
    mentions: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    corrections: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    conversations: list[dict[str, Any]] = field(default_factory=list)  # inbox conversations with messages

    @property
    def empty(self) -> bool:
        return not (self.mentions or self.quarantine or self.corrections or self.alerts or self.conversations)

    def counts(self) -> dict[str, int]:
        return {"mentions": len(self.mentions), "quarantine": len(self.quarantine),
                "corrections": len(self.corrections), "alerts": len(self.alerts),
                "conversations": len(self.conversations)}  # fmt: skip


def find(*, engine: Engine, subject: Subject) -> Findings:
    """Everything luister holds about ``subject``."""
    with engine.connect() as conn:
        ids = mention_ids(conn, subject)
        found = Findings(subject=subject)
        topics = _topics_of(conn, ids)
        for chunk in chunks(ids):
            for row in conn.execute(sa.select(mention).where(mention.c.id.in_(chunk)).order_by(mention.c.id)):
                found.mentions.append({**row._asdict(), "topics": topics.get(row.id, [])})
            query = sa.select(correction).where(correction.c.mention_id.in_(chunk)).order_by(correction.c.id)
            found.corrections.extend(row._asdict() for row in conn.execute(query))
        quarantined = sa.select(rejected).where(rejected.c.id.in_(quarantine_ids(conn, subject)))
        found.quarantine = [row._asdict() for row in conn.execute(quarantined.order_by(rejected.c.id))]
        found.alerts = [
            {"id": a.id, "title": a.title, "opened_at": a.opened_at, "status": a.status, "mention_ids": shown}
            for a, shown in alerts_showing(conn, set(ids))
        ]
        found.conversations = inbox_privacy.export(conn, ids)
    return found


def mention_ids(conn: Connection, subject: Subject) -> list[int]:
    """The ids of the mentions ``subject`` wrote (for a mention id: every mention of its author)."""
    if subject.mention_id is not None:
        row = conn.execute(
            sa.select(mention.c.id, mention.c.channel, mention.c.author_handle, mention.c.author_name)
            .where(mention.c.id == subject.mention_id)
        ).first()  # fmt: skip
        if row is None:
            return []
        if row.author_handle:
            subject = Subject.of(channel=row.channel, handle=row.author_handle)
        elif row.author_name:
            subject = Subject.of(channel=row.channel, name=row.author_name)
        else:
            return [row.id]
    return list(
        conn.execute(sa.select(mention.c.id).where(_authored_by(subject)).order_by(mention.c.id)).scalars()
    )


def quarantine_ids(conn: Connection, subject: Subject) -> list[int]:
    """Quarantined rows whose raw text names the subject as a JSON value (``"anna"``, ``"@anna"``): the
    form raw items have; a bare word would match other people's text."""
    names = _names(conn, subject)
    if not names:
        return []
    quoted = [f'"{prefix}{name}"' for name in names for prefix in ("", "@")]
    condition = sa.or_(*(rejected.c.raw.icontains(text, autoescape=True) for text in quoted))
    return list(conn.execute(sa.select(rejected.c.id).where(condition)).scalars())


def alerts_showing(conn: Connection, ids: set[int]) -> list[tuple[Any, list[int]]]:
    """Alerts with any of ``ids`` among their example mentions, with those ids."""
    if not ids:
        return []
    found = []
    for row in conn.execute(sa.select(alert.c.id, alert.c.title, alert.c.opened_at, alert.c.status,
                                      alert.c.sample_ids).order_by(alert.c.id)):  # fmt: skip
        shown = [int(i) for i in row.sample_ids or [] if int(i) in ids]
        if shown:
            found.append((row, shown))
    return found


def chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _authored_by(subject: Subject) -> sa.ColumnElement[bool]:
    """Case-insensitive (PostgreSQL: any letter; SQLite's lower(): A–Z only, so the exact spelling too)."""
    if subject.handle is not None:
        handle = sa.func.ltrim(mention.c.author_handle, "@")
        return sa.and_(
            mention.c.channel == subject.channel,
            sa.or_(handle == subject.handle, sa.func.lower(handle) == subject.handle.lower()),
        )
    assert subject.name is not None
    name = mention.c.author_name
    condition = sa.or_(name == subject.name, sa.func.lower(name) == subject.name.lower())
    return condition if subject.channel is None else sa.and_(mention.c.channel == subject.channel, condition)


def _names(conn: Connection, subject: Subject) -> list[str]:
    if subject.handle is not None:
        return [subject.handle]
    if subject.name is not None:
        return [subject.name]
    row = conn.execute(
        sa.select(mention.c.author_handle, mention.c.author_name).where(mention.c.id == subject.mention_id)
    ).first()
    return [] if row is None else [n.lstrip("@") for n in (row.author_handle, row.author_name) if n]


def _topics_of(conn: Connection, ids: Sequence[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    for chunk in chunks(ids):
        query = (
            sa.select(mention_topic.c.mention_id, topic.c.name)
            .join(topic, topic.c.id == mention_topic.c.topic_id)
            .where(mention_topic.c.mention_id.in_(chunk))
        )
        for mention_id, name in conn.execute(query):
            names.setdefault(mention_id, []).append(name)
    return names


ARCHIVE_README = """What luister holds about {subject}, as of {at} (UTC).

mentions.json / mentions.csv        what they wrote, as stored, with the payload the platform sent (raw)
quarantine.json / quarantine.csv    input that named them but could not be read as a mention
corrections.json / corrections.csv  labels (sentiment, intents) people corrected on their mentions
alerts.json / alerts.csv            alerts that showed their mentions as examples (the alert, not its text)

Counts: {counts}
"""


def archive(findings: Findings, *, now: datetime) -> bytes:
    """The answer to an access request: a zip with the same records as JSON and as CSV."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        counts = ", ".join(f"{n} {what}" for what, n in findings.counts().items())
        readme = ARCHIVE_README.format(subject=findings.subject.describe(), at=now.isoformat(), counts=counts)
        bundle.writestr("README.txt", readme)
        for name in ("mentions", "quarantine", "corrections", "alerts", "conversations"):
            rows: list[dict[str, Any]] = getattr(findings, name)
            bundle.writestr(f"{name}.json", orjson.dumps(rows, default=str, option=_JSON_OPTIONS))
            bundle.writestr(f"{name}.csv", _csv(rows))
    return buffer.getvalue()


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value: Any) -> Any:
    """CSV opened in a spreadsheet: a text starting with = + - @ would run as a formula (the JSON files
    hold the exact values)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    return value
