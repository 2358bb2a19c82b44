"""People correcting sentiment and intents: stored with who and when, applied, and learnt from."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.analysis import (
    INTENT_LABELS,
    NO_INTENT,
    SENTIMENT_LABELS,
    parse_intents,
    primary_intent,
)
from luister.domain.mentions import full_text
from luister.services import audit
from luister.services.analysis import HUMAN
from luister.storage import rollups
from luister.storage.tables import correction, mention


class CorrectionError(ValueError):
    pass


def correct_mention(
    *,
    engine: Engine,
    mention_id: int,
    corrected_by: str,
    sentiment: str | None = None,
    intents: tuple[str, ...] | None = None,
) -> None:
    """Record a person's correction of a mention's sentiment and/or intents and apply it.

    The mention's labels then count as ``human`` (re-analysis leaves them alone) and ``luister train``
    learns from them.
    """
    if sentiment is None and intents is None:
        raise CorrectionError("give a sentiment, intents or both")
    if sentiment is not None and sentiment not in SENTIMENT_LABELS:
        raise CorrectionError(f"sentiment must be one of {', '.join(SENTIMENT_LABELS)}, not {sentiment!r}")
    if intents is not None:
        unknown = [i for i in intents if i not in INTENT_LABELS]
        if unknown or not intents:
            raise CorrectionError(
                f"intents must be among {', '.join(INTENT_LABELS)}; got {', '.join(unknown)}"
            )
        if NO_INTENT in intents and len(intents) > 1:
            raise CorrectionError(f"{NO_INTENT!r} cannot be combined with other intents")
        intents = tuple(label for label in INTENT_LABELS if label in intents)
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(mention.c.sentiment, mention.c.intents).where(mention.c.id == mention_id)
        ).first()
        if row is None:
            raise CorrectionError(f"no mention with id {mention_id}")
        values: dict[str, object] = {"analysis_model": HUMAN}
        records = []
        if sentiment is not None:
            score = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}[sentiment]
            values |= {"sentiment": sentiment, "sentiment_confidence": 1.0, "sentiment_score": score}
            records.append({"field": "sentiment", "value": sentiment, "previous": row.sentiment})
        if intents is not None:
            values["intents"] = ",".join(intents)
            values["primary_intent"] = primary_intent(intents)
            records.append({"field": "intents", "value": ",".join(intents), "previous": row.intents})
        with rollups.changing(conn, mention.c.id == mention_id):
            conn.execute(mention.update().where(mention.c.id == mention_id).values(**values))
        conn.execute(
            correction.insert(),
            [{"mention_id": mention_id, "corrected_by": corrected_by, **record} for record in records],
        )
        audit.record(conn, actor=corrected_by, action="mention.correct", target=str(mention_id),
                     detail={r["field"]: r["value"] for r in records})  # fmt: skip


@dataclass(frozen=True, slots=True)
class CorrectedMention:
    text: str
    language: str | None
    sentiment: str | None
    intents: tuple[str, ...] | None


def corrected_mentions(*, engine: Engine) -> list[CorrectedMention]:
    """Every corrected mention with its latest corrected sentiment and intents (for training)."""
    latest = (
        sa.select(correction.c.mention_id, correction.c.field, sa.func.max(correction.c.id).label("last"))
        .group_by(correction.c.mention_id, correction.c.field)
        .subquery()
    )
    query = (
        sa.select(
            mention.c.id,
            mention.c.title,
            mention.c.text,
            mention.c.language,
            correction.c.field,
            correction.c.value,
        )  # fmt: skip
        .join(latest, latest.c.mention_id == mention.c.id)
        .join(correction, correction.c.id == latest.c.last)
        .order_by(mention.c.id)
    )
    found: dict[int, CorrectedMention] = {}
    with engine.connect() as conn:
        for row in conn.execute(query):
            before = found.get(row.id) or CorrectedMention(
                full_text(row.title, row.text), row.language, None, None
            )
            if row.field == "sentiment":
                before = CorrectedMention(before.text, before.language, row.value, before.intents)
            else:
                before = CorrectedMention(
                    before.text, before.language, before.sentiment, parse_intents(row.value)
                )
            found[row.id] = before
    return list(found.values())
