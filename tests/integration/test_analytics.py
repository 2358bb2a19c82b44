"""Dashboard figures from the rollups: exact on a small known set, and every chart figure equal to the
number of mentions its drill-down lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from luister.connectors.records import FieldMapping
from luister.domain.topics import TopicKind
from luister.services.analytics import Scope, default_scope, overview
from luister.services.corrections import correct_mention
from luister.services.ingest import Pipeline
from luister.services.matching import TopicMatchEnricher, load_matcher
from luister.services.mentions import search_mentions
from luister.services.topics import save_topic
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item, record
from luister.web.drill import read_drill

DAY = datetime(2026, 10, 1, tzinfo=UTC)
# (hours after DAY, text, channel, country, language)
ROWS = [
    (1, "Voltaro storing, weer geen stroom", "mastodon", "NL", "nl"),
    (2, "Voltaro is top, snel geholpen", "bluesky", "BE", "nl"),
    (3, "Stroomwijs is cheaper than Voltaro", "reddit", "GB", "en"),
    (26, "Stroomwijs app works great", "reddit", None, "en"),
    (27, "Voltaro klantenservice reageert niet", "mastodon", "NL", "nl"),
    (50, "Enerlux en Voltaro allebei duurder", "rss", "BE", "nl"),
    (51, "Het weer in Gent", "rss", "BE", "nl"),
]
SENTIMENT = ["negative", "positive", "neutral", "positive", "negative", "negative", "neutral"]


def seed(engine: Engine) -> None:
    save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    save_topic(engine=engine, name="Stroomwijs", kind=TopicKind.competitor, query="stroomwijs")
    save_topic(engine=engine, name="Enerlux", kind=TopicKind.competitor, query="enerlux")
    pipeline = Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test",
                        enrichers=[TopicMatchEnricher(load_matcher(engine=engine))])  # fmt: skip
    pipeline.run_batch([
        raw_item(record(n, text=text, channel=channel, country=country, lang=language, likes=n,
                        created_at=(DAY + timedelta(hours=h)).isoformat()))
        for n, (h, text, channel, country, language) in enumerate(ROWS)
    ])  # fmt: skip
    for mention_id, sentiment in enumerate(SENTIMENT, start=1):  # labels as a person would set them
        correct_mention(engine=engine, mention_id=mention_id, corrected_by="test", sentiment=sentiment)


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed(engine)
    return engine


def test_figures_on_a_known_set(seeded: Engine) -> None:
    scope = Scope(since=DAY, until=DAY + timedelta(days=3))
    result = overview(engine=seeded, scope=scope)
    assert result.totals.mentions == 7 and result.previous_mentions == 0
    assert result.totals.sentiment == {"negative": 3, "positive": 2, "neutral": 2}
    assert result.totals.net_sentiment == pytest.approx((2 - 3) / 5)
    assert result.totals.engagement == result.totals.reach == sum(range(7))  # likes n, followers n
    assert scope.bucket == "hour" and len(result.series) == 72
    assert [p.mentions for p in result.series if p.mentions] == [1, 1, 1, 1, 1, 1, 1]
    daily = overview(engine=seeded, scope=Scope(since=DAY, until=DAY + timedelta(days=4)))
    assert [p.mentions for p in daily.series] == [3, 2, 2, 0]
    voices = {v.name: v for v in result.share_of_voice}
    assert [v.name for v in result.share_of_voice][0] == "Voltaro"  # the brand first
    assert (voices["Voltaro"].mentions, voices["Stroomwijs"].mentions, voices["Enerlux"].mentions) == (
        5,
        2,
        1,
    )
    assert voices["Voltaro"].share == pytest.approx(5 / 8)
    assert voices["Voltaro"].sentiment == {"negative": 3, "positive": 1, "neutral": 1}
    assert voices["Stroomwijs"].positive_share == pytest.approx(0.5)
    assert dict(result.languages) == {"nl": 5, "en": 2}
    assert ("rss", "BE", 2) in result.channel_country and ("reddit", "", 1) in result.channel_country


def test_filters_and_topics_narrow_the_figures(seeded: Engine) -> None:
    base = Scope(since=DAY, until=DAY + timedelta(days=3))
    voltaro = next(v for v in overview(engine=seeded, scope=base).share_of_voice if v.name == "Voltaro")
    only = overview(
        engine=seeded, scope=Scope(since=DAY, until=DAY + timedelta(days=3), topic_id=voltaro.topic_id)
    )
    assert only.totals.mentions == 5
    belgian = overview(engine=seeded, scope=Scope(since=DAY, until=DAY + timedelta(days=3), country="BE"))
    assert (
        belgian.totals.mentions == 3 and {v.name: v.mentions for v in belgian.share_of_voice}["Enerlux"] == 1
    )
    later = overview(engine=seeded, scope=Scope(since=DAY + timedelta(days=1), until=DAY + timedelta(days=2)))
    assert (later.totals.mentions, later.previous_mentions) == (2, 3)
    assert default_scope(engine=seeded, days=7).until == DAY + timedelta(days=3)  # the day after the newest


def test_every_chart_point_lists_exactly_its_mentions(seeded: Engine) -> None:
    """The drill-down contract: the mention list behind a figure has as many mentions as the figure."""
    from luister.web.charts import figures

    scope = Scope(since=DAY, until=DAY + timedelta(days=4))
    checked = 0
    for topic_name, topic_id in (("", 0), ("Voltaro", 1)):
        charts = figures(overview(engine=seeded, scope=Scope(since=scope.since, until=scope.until,
                                                             topic_id=topic_id)),
                         topic=topic_name, gettext=str)  # fmt: skip
        for name in ("volume", "voice", "voice_sentiment", "channels", "languages", "intents"):
            for trace in charts[name]["data"]:
                values = trace.get("values") or (
                    trace["x"] if trace.get("orientation") == "h" else trace["y"]
                )
                for value, url in zip(values, trace["customdata"], strict=True):
                    if name == "voice_sentiment" or not value:
                        continue  # shares, not counts; and empty buckets
                    drill = read_drill(
                        dict(pair.split("=", 1) for pair in _unquote(url).split("?", 1)[1].split("&"))
                    )
                    topic = {"": None, "Voltaro": 1, "Stroomwijs": 2, "Enerlux": 3}[drill.topic]
                    listed = search_mentions(engine=seeded, filters=drill.mention_filter(topic), limit=1000)
                    expected = value if name != "voice" else {1: 5, 2: 2, 3: 1}[topic or 0]
                    assert len(listed.mentions) == expected, (name, url)
                    checked += 1
    assert checked > 20


def _unquote(url: str) -> str:
    from urllib.parse import unquote_plus

    return unquote_plus(url)
